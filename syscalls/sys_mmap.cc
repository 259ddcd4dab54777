// brk(2), mmap(2), munmap(2), mprotect(2), mremap(2), madvise(2), msync(2).
#include "abi/linux/mman.h"
#include "sentry/kernel/task.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;

namespace {

constexpr int kKnownMapFlags = kMapTypeMask | kMapFixed | kMapAnonymous | kMap32Bit |
                               kMapGrowsdown | kMapDenywrite | kMapExecutable | kMapLocked |
                               kMapNoreserve | kMapPopulate | kMapNonblock | kMapStack |
                               kMapHugetlb | kMapSync | kMapFixedNoreplace;

bool ValidProt(int prot) { return (prot & ~(kProtRead | kProtWrite | kProtExec)) == 0; }

}  // namespace

// brk(2).
SyscallResult SysBrk(Task& t, const SyscallArgs& args) {
  return Raw(t.mm().Brk(args.Addr(0)));
}

// mmap(2). Files whose pages live in sandbox memory (tmpfs, memfd, and the page
// cache of host files) are mapped with those pages: MAP_SHARED is the file itself
// (writable if the file was opened for writing), MAP_PRIVATE sees the file until
// a page is first written. Other files are copied into guest memory on first
// touch, and MAP_SHARED of them is read-only (changes to the file after mapping
// are not seen). MAP_32BIT is treated as a hint-free request; MAP_HUGETLB is
// refused.
SyscallResult SysMmap(Task& t, const SyscallArgs& args) {
  const uint64_t addr = args.Uint64(0);
  const uint64_t len = args.Uint64(1);
  const int prot = args.Int(2);
  const int flags = args.Int(3);
  const int32_t fd = args.Int(4);
  const uint64_t off = args.Uint64(5);

  if (len == 0) return Errno(EINVAL);
  if (!IsPageAligned(off)) return Errno(EINVAL);
  if (!ValidProt(prot)) return Errno(EINVAL);
  const int type = flags & kMapTypeMask;
  const bool anonymous = (flags & kMapAnonymous) != 0;
  if (type == kMapSharedValidate && !anonymous) {
    if ((flags & ~kKnownMapFlags) != 0) return Errno(EOPNOTSUPP);
  } else if (type != kMapShared && type != kMapPrivate) {
    return Errno(EINVAL);
  }
  // Shared anonymous memory can't grow.
  if (anonymous && type != kMapPrivate && (flags & kMapGrowsdown)) return Errno(EINVAL);
  const bool fixed = (flags & (kMapFixed | kMapFixedNoreplace)) != 0;
  if (fixed && !IsPageAligned(addr)) return Errno(EINVAL);
  if (flags & kMapHugetlb) return Errno(EINVAL);
  sentry::mm::MMapOpts o;
  if (!anonymous) {
    ASSIGN_OR_RETURN(fs::vfs::FileRef file, t.fd_table().Get(fd));
    if (file->flags() & kOPath) return Errno(EBADF);
    // The offset in pages must not wrap (Linux: EOVERFLOW).
    if (off + PageRoundUp(len).value_or(UINT64_MAX) < off) return Errno(EOVERFLOW);
    // A regular file's mapping may not reach past its largest size
    // (MAX_LFS_FILESIZE: Linux's file_mmap_ok), once the length fits the
    // address space at all (ENOMEM from the memory manager otherwise).
    const uint64_t pages_len = PageRoundUp(len).value_or(UINT64_MAX);
    if (const fs::vfs::Inode* inode = file->inode();
        inode != nullptr && inode->is_regular() && pages_len <= kTaskSizeMax) {
      const uint64_t max = static_cast<uint64_t>(INT64_MAX);
      if (off > max || pages_len > max - off) return Errno(EOVERFLOW);
    }
    if (!file->readable()) return Errno(EACCES);
    if (type != kMapPrivate && (prot & kProtWrite) && !file->writable()) return Errno(EACCES);
    o.file = file->GetMappable();
    if (o.file == nullptr) return Errno(ENODEV);
    o.offset = off;
    o.file_writable = file->writable();
    // /proc/PID/maps names the path the file was opened at (a tmpfs file may
    // have several names, or none).
    o.name = file->path();
  }
  o.addr = addr;
  o.length = len;
  o.prot = prot;
  o.shared = type != kMapPrivate;
  o.fixed = fixed;
  o.noreplace = (flags & kMapFixedNoreplace) != 0 && (flags & kMapFixed) == 0;
  o.grows_down = (flags & kMapGrowsdown) != 0;
  o.populate = (flags & kMapPopulate) != 0 && (flags & kMapNonblock) == 0;
  ASSIGN_OR_RETURN(GuestAddr a, t.mm().MMap(o));
  return Raw(a);
}

// munmap(2).
SyscallResult SysMunmap(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(t.mm().MUnmap(args.Addr(0), args.Uint64(1)));
  return uint64_t{0};
}

// mprotect(2). PROT_GROWSDOWN extends the change down to the start of a
// MAP_GROWSDOWN mapping; x86 has no PROT_GROWSUP mappings.
SyscallResult SysMprotect(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(t.mm().MProtect(args.Addr(0), args.Uint64(1), args.Int(2)));
  return uint64_t{0};
}

// mremap(2).
SyscallResult SysMremap(Task& t, const SyscallArgs& args) {
  const int flags = args.Int(3);
  if ((flags & ~(kMremapMaymove | kMremapFixed | kMremapDontunmap)) != 0) return Errno(EINVAL);
  if ((flags & kMremapFixed) && !(flags & kMremapMaymove)) return Errno(EINVAL);
  ASSIGN_OR_RETURN(GuestAddr a, t.mm().MRemap(args.Addr(0), args.Uint64(1), args.Uint64(2),
                                               flags, args.Addr(4)));
  return Raw(a);
}

// madvise(2).
SyscallResult SysMadvise(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(t.mm().MAdvise(args.Addr(0), args.Uint64(1), args.Int(2)));
  return uint64_t{0};
}

// msync(2). MS_ASYNC writes back as MS_SYNC does (without making it durable),
// so the host file has the data when msync returns. MS_INVALIDATE makes this
// process's shared mappings in the range let go of their pages and drops the
// file's clean cached pages nobody maps; EBUSY for locked pages does not arise
// (there is no mlock).
SyscallResult SysMsync(Task& t, const SyscallArgs& args) {
  constexpr int kMsAsync = 1, kMsInvalidate = 2, kMsSync = 4;
  const GuestAddr addr = args.Addr(0);
  const uint64_t len = args.Uint64(1);
  const int flags = args.Int(2);
  if (flags & ~(kMsAsync | kMsInvalidate | kMsSync)) return Errno(EINVAL);
  if (!IsPageAligned(Raw(addr))) return Errno(EINVAL);
  if ((flags & kMsAsync) && (flags & kMsSync)) return Errno(EINVAL);
  RETURN_IF_ERROR(t.mm().MSync(addr, len, /*write_back=*/(flags & (kMsAsync | kMsSync)) != 0,
                               /*sync=*/(flags & kMsSync) != 0,
                               /*invalidate=*/(flags & kMsInvalidate) != 0));
  return uint64_t{0};
}

}  // namespace kekkai::syscalls

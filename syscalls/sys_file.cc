// close(2), dup(2), dup2(2), dup3(2), fcntl(2), ioctl(2), fstat(2), memfd_create(2).
#include "abi/linux/types.h"
#include "fs/vfs/dentry.h"
#include "fs/vfs/inode.h"
#include "fs/vfs/vfs.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/thread_group.h"
#include "sentry/kernel/kernel.h"
#include "syscalls/file_ops.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;
using fs::vfs::FileRef;

namespace {

}  // namespace

// close(2).
SyscallResult SysClose(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(t.fd_table().Remove(args.Int(0)));
  return uint64_t{0};
}

// dup(2).
SyscallResult SysDup(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
  ASSIGN_OR_RETURN(int32_t fd, t.fd_table().Install(std::move(file), 0, false, t.FdLimit()));
  return static_cast<uint64_t>(fd);
}

// dup2(2).
SyscallResult SysDup2(Task& t, const SyscallArgs& args) {
  const int32_t oldfd = args.Int(0), newfd = args.Int(1);
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(oldfd));
  if (oldfd == newfd) return static_cast<uint64_t>(newfd);
  RETURN_IF_ERROR(t.fd_table().InstallAt(newfd, std::move(file), false, t.FdLimit()));
  return static_cast<uint64_t>(newfd);
}

// dup3(2).
SyscallResult SysDup3(Task& t, const SyscallArgs& args) {
  const int32_t oldfd = args.Int(0), newfd = args.Int(1);
  const int32_t flags = args.Int(2);
  if ((flags & ~kOCloexec) != 0 || oldfd == newfd) return Errno(EINVAL);
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(oldfd));
  RETURN_IF_ERROR(
      t.fd_table().InstallAt(newfd, std::move(file), (flags & kOCloexec) != 0, t.FdLimit()));
  return static_cast<uint64_t>(newfd);
}

// fcntl(2). Leases and signals-on-I/O are not implemented (EINVAL). Seals exist
// on tmpfs files (so memfds) only; F_SEAL_EXEC is not supported (EINVAL). Locks
// are in sys_lock.cc, pipe sizes in sys_pipe.cc.
SyscallResult SysFcntl(Task& t, const SyscallArgs& args) {
  constexpr int32_t kFAddSeals = 1033, kFGetSeals = 1034;
  const int32_t fd = args.Int(0);
  const int32_t cmd = args.Int(1);
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(fd));
  switch (cmd) {
    case kFDupfd:
    case kFDupfdCloexec: {
      const int32_t min = args.Int(2);
      const int32_t limit = t.FdLimit();
      if (min < 0 || min >= limit) return Errno(EINVAL);
      ASSIGN_OR_RETURN(int32_t nfd,
                       t.fd_table().Install(std::move(file), min, cmd == kFDupfdCloexec, limit));
      return static_cast<uint64_t>(nfd);
    }
    case kFGetfd: {
      ASSIGN_OR_RETURN(bool cloexec, t.fd_table().GetCloexec(fd));
      return uint64_t{cloexec ? 1u : 0u};
    }
    case kFSetfd:
      RETURN_IF_ERROR(t.fd_table().SetCloexec(fd, (args.Int(2) & kFdCloexec) != 0));
      return uint64_t{0};
    case kFGetfl:
      // The description's own flags: open(2) adds O_LARGEFILE (the VFS keeps it),
      // pipe(2) doesn't, O_PATH keeps nothing but O_PATH.
      return uint64_t{file->flags()};
    case kFSetfl:
      file->SetStatusFlags(args.Uint(2));
      return uint64_t{0};
    case kFAddSeals:
      if (file->flags() & kOPath) return Errno(EBADF);
      RETURN_IF_ERROR(file->AddSeals(args.Uint(2)));
      return uint64_t{0};
    case kFGetSeals: {
      if (file->flags() & kOPath) return Errno(EBADF);
      ASSIGN_OR_RETURN(uint32_t seals, file->GetSeals());
      return uint64_t{seals};
    }
    case kFGetlk:
    case kFSetlk:
    case kFSetlkw:
    case kFOfdGetlk:
    case kFOfdSetlk:
    case kFOfdSetlkw:
      return FcntlLock(t, fd, file, cmd, args.Addr(2));
    case kFGetpipeSz:
    case kFSetpipeSz:
      return FcntlPipeSize(t, file, cmd, args.Uint64(2));
    default:
      return Errno(EINVAL);
  }
}

// ioctl(2). FIONBIO, FIOCLEX and FIONCLEX here; the rest goes to the file.
SyscallResult SysIoctl(Task& t, const SyscallArgs& args) {
  const int32_t fd = args.Int(0);
  const uint32_t cmd = args.Uint(1);
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(fd));
  switch (cmd) {
    case kFioclex:
    case kFionclex:
      RETURN_IF_ERROR(t.fd_table().SetCloexec(fd, cmd == kFioclex));
      return uint64_t{0};
    case kFionbio: {
      ASSIGN_OR_RETURN(int32_t on, t.mm().CopyInObj<int32_t>(args.Addr(2)));
      const uint32_t fl = file->flags();
      file->SetStatusFlags(on ? fl | kONonblock : fl & ~static_cast<uint32_t>(kONonblock));
      return uint64_t{0};
    }
    default:
      return file->Ioctl(t.mm(), cmd, args.Uint64(2));
  }
}

// fstat(2).
SyscallResult SysFstat(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
  ASSIGN_OR_RETURN(abi::linux::Stat st, file->Stat());
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), st));
  return uint64_t{0};
}

// close_range(2). CLOSE_RANGE_UNSHARE is a no-op: fd tables aren't shared yet.
SyscallResult SysCloseRange(Task& t, const SyscallArgs& args) {
  constexpr uint32_t kCloseRangeUnshare = 1u << 1, kCloseRangeCloexec = 1u << 2;
  const uint32_t first = args.Uint(0), last = args.Uint(1), flags = args.Uint(2);
  if (flags & ~(kCloseRangeUnshare | kCloseRangeCloexec)) return Errno(EINVAL);
  if (first > last) return Errno(EINVAL);
  std::vector<FileRef> closed =
      t.fd_table().RemoveRange(first, last, (flags & kCloseRangeCloexec) != 0);
  closed.clear();  // The last references drop here, outside the table's lock.
  return uint64_t{0};
}

// memfd_create(2): an unnamed tmpfs file, mode 0777, read-write, sealed shut
// (F_SEAL_SEAL) unless MFD_ALLOW_SEALING. MFD_NOEXEC_SEAL allows sealing too but
// adds no F_SEAL_EXEC (not supported), and leaves the mode 0777.
SyscallResult SysMemfdCreate(Task& t, const SyscallArgs& args) {
  constexpr uint32_t kMfdCloexec = 1, kMfdAllowSealing = 2, kMfdHugetlb = 4,
                     kMfdNoexecSeal = 8, kMfdExec = 0x10;
  constexpr size_t kMfdNameMax = 249;  // NAME_MAX minus "memfd:"
  const uint32_t flags = args.Uint(1);
  if (flags & ~(kMfdCloexec | kMfdAllowSealing | kMfdHugetlb | kMfdNoexecSeal | kMfdExec)) {
    return Errno(EINVAL);
  }
  if (flags & kMfdHugetlb) return Errno(EINVAL);
  if ((flags & kMfdNoexecSeal) && (flags & kMfdExec)) return Errno(EINVAL);
  Result<std::string> name = t.mm().CopyInString(args.Addr(0), kMfdNameMax);
  if (!name.ok()) return Errno(name.error() == Errno(ENAMETOOLONG) ? EINVAL : EFAULT);
  const fs::vfs::VirtualDentry& dir = t.kernel().memfd_dir();
  if (!dir.ok()) return Errno(ENOSYS);
  fs::vfs::NewNode node{kSIfreg | 0777, t.creds().fsuid, t.creds().fsgid, 0};
  ASSIGN_OR_RETURN(auto created, dir.dentry->inode()->CreateTmpfile(node, kORdwr | kOLargefile));
  if (flags & (kMfdAllowSealing | kMfdNoexecSeal)) RETURN_IF_ERROR(created.second->AllowSealing());
  created.second->set_location(
      fs::vfs::Vfs::Anonymous(dir.mount, created.first, "memfd:" + *name));
  ASSIGN_OR_RETURN(int32_t fd, t.fd_table().Install(std::move(created.second), 0,
                                                    (flags & kMfdCloexec) != 0, t.FdLimit()));
  return static_cast<uint64_t>(fd);
}

}  // namespace kekkai::syscalls

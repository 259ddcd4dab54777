// Path syscalls: open(2), openat(2), openat2(2), creat(2), stat(2), lstat(2),
// newfstatat(2), statx(2), access(2), faccessat(2), faccessat2(2), readlink(2),
// readlinkat(2), getdents64(2), fadvise64(2).
#include "abi/linux/types.h"
#include "fs/vfs/dentry.h"
#include "fs/vfs/vfs.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "syscalls/file_ops.h"
#include "syscalls/path.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;
using fs::vfs::FileRef;

namespace {

// open(2)'s VALID_OPEN_FLAGS: what openat2(2) accepts.
constexpr uint64_t kValidOpenFlags = kOAccmode | kOCreat | kOExcl | kONoctty | kOTrunc |
                                     kOAppend | kONonblock | 04000000 /*__O_SYNC*/ | kODsync |
                                     kOAsync | kODirect | kOLargefile | kODirectory |
                                     kONofollow | kONoatime | kOCloexec | kOPath | kOTmpfile;

SyscallResult OpenAt(Task& t, int32_t dirfd, GuestAddr path_addr, uint32_t flags, uint32_t mode,
                     uint64_t resolve = 0) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr));
  // As Linux, an fd must be free before anything is looked up or opened: a FIFO
  // opener must not count as an end (and wake its peer) only to fail.
  RETURN_IF_ERROR(t.fd_table().CheckRoom(t.FdLimit()));
  const bool at_dirfd = (resolve & (fs::vfs::kResolveInRoot | fs::vfs::kResolveBeneath)) != 0;
  ASSIGN_OR_RETURN(fs::vfs::PathContext ctx, ContextAt(t, dirfd, path, at_dirfd));
  ASSIGN_OR_RETURN(FileRef file, t.kernel().vfs().Open(ctx, path, flags, mode & 07777, resolve));
  // A FIFO opened for one side waits for the other (fifo(7)).
  RETURN_IF_ERROR(WaitForOpen(t, *file));
  ASSIGN_OR_RETURN(int32_t fd, t.fd_table().Install(std::move(file), 0,
                                                    (flags & kOCloexec) != 0, t.FdLimit()));
  return static_cast<uint64_t>(fd);
}

// Resolves (dirfd, path, flags) for the stat family: the fd itself with
// AT_EMPTY_PATH and an empty path (any file, a pipe too), else the path.
Result<abi::linux::Stat> StatAt(Task& t, int32_t dirfd, GuestAddr path_addr, int flags) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr, /*allow_empty=*/true));
  if (path.empty()) {
    if ((flags & kAtEmptyPath) == 0) return Errno(ENOENT);
    if (dirfd == kAtFdcwd) return t.cwd().dentry->inode()->Stat();
    ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(dirfd));
    return file->Stat();
  }
  ASSIGN_OR_RETURN(fs::vfs::PathContext ctx, ContextAt(t, dirfd, path));
  return t.kernel().vfs().Stat(ctx, path, (flags & kAtSymlinkNofollow) == 0);
}

SyscallResult AccessAt(Task& t, int32_t dirfd, GuestAddr path_addr, int32_t mode, int32_t flags) {
  if ((mode & ~7) != 0) return Errno(EINVAL);
  if ((flags & ~(kAtEaccess | kAtSymlinkNofollow | kAtEmptyPath)) != 0) return Errno(EINVAL);
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr, (flags & kAtEmptyPath) != 0));
  // access(2) checks with the real ids (and, for a non-root real uid, no
  // capabilities) unless AT_EACCESS asks for the effective ones.
  sentry::auth::Credentials creds = t.creds();
  if ((flags & kAtEaccess) == 0) {
    creds.fsuid = creds.uid;
    creds.fsgid = creds.gid;
    creds.cap_effective = creds.uid != 0 ? 0 : creds.cap_permitted;
  }
  ASSIGN_OR_RETURN(fs::vfs::VirtualDentry vd, PlaceAt(t, dirfd, path, flags));
  if (path.empty()) {
    RETURN_IF_ERROR(fs::vfs::Vfs::AccessAt(&creds, vd, mode));
    return uint64_t{0};
  }
  ASSIGN_OR_RETURN(fs::vfs::PathContext ctx, ContextAt(t, dirfd, path));
  ctx.creds = &creds;
  RETURN_IF_ERROR(
      t.kernel().vfs().Access(ctx, path, mode, (flags & kAtSymlinkNofollow) == 0));
  return uint64_t{0};
}

SyscallResult ReadlinkAt(Task& t, int32_t dirfd, GuestAddr path_addr, GuestAddr buf, int64_t size) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr, /*allow_empty=*/true));
  if (size <= 0) return Errno(EINVAL);
  std::string target;
  if (path.empty()) {
    // The symlink an O_PATH|O_NOFOLLOW fd stands for (Linux 2.6.39+).
    if (dirfd == kAtFdcwd) return Errno(ENOENT);
    ASSIGN_OR_RETURN(fs::vfs::VirtualDentry vd, PlaceOf(t, dirfd));
    if (!vd.dentry->inode()->is_symlink()) return Errno(ENOENT);
    ASSIGN_OR_RETURN(target, vd.dentry->inode()->Readlink());
  } else {
    ASSIGN_OR_RETURN(fs::vfs::PathContext ctx, ContextAt(t, dirfd, path));
    ASSIGN_OR_RETURN(target, t.kernel().vfs().Readlink(ctx, path));
  }
  const size_t n = std::min<uint64_t>(target.size(), static_cast<uint64_t>(size));
  RETURN_IF_ERROR(t.mm().CopyOutFull(buf, std::as_bytes(std::span(target.data(), n))));
  return uint64_t{n};
}

Statx ToStatx(const abi::linux::Stat& s) {
  Statx x{};
  x.mask = kStatxBasicStats;
  x.blksize = static_cast<uint32_t>(s.blksize);
  x.nlink = static_cast<uint32_t>(s.nlink);
  x.uid = s.uid;
  x.gid = s.gid;
  x.mode = static_cast<uint16_t>(s.mode);
  x.ino = s.ino;
  x.size = static_cast<uint64_t>(s.size);
  x.blocks = static_cast<uint64_t>(s.blocks);
  x.atime = {s.atime.sec, static_cast<uint32_t>(s.atime.nsec), 0};
  x.mtime = {s.mtime.sec, static_cast<uint32_t>(s.mtime.nsec), 0};
  x.ctime = {s.ctime.sec, static_cast<uint32_t>(s.ctime.nsec), 0};
  x.rdev_major = DevMajor(s.rdev);
  x.rdev_minor = DevMinor(s.rdev);
  x.dev_major = DevMajor(s.dev);
  x.dev_minor = DevMinor(s.dev);
  return x;
}

}  // namespace

// open(2).
SyscallResult SysOpen(Task& t, const SyscallArgs& args) {
  return OpenAt(t, kAtFdcwd, args.Addr(0), args.Uint(1), args.Uint(2));
}

// openat(2).
SyscallResult SysOpenat(Task& t, const SyscallArgs& args) {
  return OpenAt(t, args.Int(0), args.Addr(1), args.Uint(2), args.Uint(3));
}

// openat2(2).
SyscallResult SysOpenat2(Task& t, const SyscallArgs& args) {
  struct OpenHow {
    uint64_t flags, mode, resolve;
  };
  const uint64_t size = args.Uint64(3);
  if (size < sizeof(OpenHow)) return Errno(EINVAL);
  if (size > kPageSize) return Errno(E2BIG);
  ASSIGN_OR_RETURN(OpenHow how, t.mm().CopyInObj<OpenHow>(args.Addr(2)));
  // A larger struct from a newer libc is fine while its extra bytes are zero.
  for (uint64_t off = sizeof(OpenHow); off < size; off += 8) {
    uint64_t word = 0;
    const uint64_t n = std::min<uint64_t>(8, size - off);
    RETURN_IF_ERROR(t.mm().CopyInFull(args.Addr(2) + off, std::as_writable_bytes(std::span(&word, 1)).first(n)));
    if (word != 0) return Errno(E2BIG);
  }
  if (how.flags & ~kValidOpenFlags) return Errno(EINVAL);
  const bool creating = (how.flags & kOCreat) || (how.flags & kOTmpfile) == static_cast<uint64_t>(kOTmpfile);
  if (how.mode & ~uint64_t{07777}) return Errno(EINVAL);
  if (!creating && how.mode != 0) return Errno(EINVAL);
  constexpr uint64_t kAllResolve = fs::vfs::kResolveNoXdev | fs::vfs::kResolveNoMagiclinks |
                                   fs::vfs::kResolveNoSymlinks | fs::vfs::kResolveBeneath |
                                   fs::vfs::kResolveInRoot | fs::vfs::kResolveCached;
  if (how.resolve & ~kAllResolve) return Errno(EINVAL);
  if ((how.resolve & fs::vfs::kResolveBeneath) && (how.resolve & fs::vfs::kResolveInRoot)) {
    return Errno(EINVAL);
  }
  if ((how.flags & kOPath) && (how.flags & ~uint64_t(kOPath | kODirectory | kONofollow | kOCloexec))) {
    return Errno(EINVAL);
  }
  return OpenAt(t, args.Int(0), args.Addr(1), static_cast<uint32_t>(how.flags),
                static_cast<uint32_t>(how.mode), how.resolve);
}

// creat(2).
SyscallResult SysCreat(Task& t, const SyscallArgs& args) {
  return OpenAt(t, kAtFdcwd, args.Addr(0), kOCreat | kOWronly | kOTrunc, args.Uint(1));
}

// stat(2).
SyscallResult SysStat(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(abi::linux::Stat st, StatAt(t, kAtFdcwd, args.Addr(0), 0));
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), st));
  return uint64_t{0};
}

// lstat(2).
SyscallResult SysLstat(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(abi::linux::Stat st, StatAt(t, kAtFdcwd, args.Addr(0), kAtSymlinkNofollow));
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), st));
  return uint64_t{0};
}

// newfstatat(2).
SyscallResult SysNewfstatat(Task& t, const SyscallArgs& args) {
  const int32_t flags = args.Int(3);
  if ((flags & ~(kAtEmptyPath | kAtSymlinkNofollow | kAtNoAutomount)) != 0) return Errno(EINVAL);
  ASSIGN_OR_RETURN(abi::linux::Stat st, StatAt(t, args.Int(0), args.Addr(1), flags));
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(2), st));
  return uint64_t{0};
}

// statx(2). The basic fields only (no birth time, mount id or DIO alignment).
SyscallResult SysStatx(Task& t, const SyscallArgs& args) {
  const int32_t flags = args.Int(2);
  const uint32_t mask = args.Uint(3);
  if ((flags & ~(kAtEmptyPath | kAtSymlinkNofollow | kAtNoAutomount | kAtStatxSyncTypeMask)) !=
      0) {
    return Errno(EINVAL);
  }
  if ((flags & kAtStatxSyncTypeMask) == kAtStatxSyncTypeMask) return Errno(EINVAL);
  if (mask & kStatxReserved) return Errno(EINVAL);
  ASSIGN_OR_RETURN(abi::linux::Stat st, StatAt(t, args.Int(0), args.Addr(1), flags));
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(4), ToStatx(st)));
  return uint64_t{0};
}

// access(2).
SyscallResult SysAccess(Task& t, const SyscallArgs& args) {
  return AccessAt(t, kAtFdcwd, args.Addr(0), args.Int(1), 0);
}

// faccessat(2).
SyscallResult SysFaccessat(Task& t, const SyscallArgs& args) {
  return AccessAt(t, args.Int(0), args.Addr(1), args.Int(2), 0);
}

// faccessat2(2).
SyscallResult SysFaccessat2(Task& t, const SyscallArgs& args) {
  return AccessAt(t, args.Int(0), args.Addr(1), args.Int(2), args.Int(3));
}

// readlink(2).
SyscallResult SysReadlink(Task& t, const SyscallArgs& args) {
  return ReadlinkAt(t, kAtFdcwd, args.Addr(0), args.Addr(1), args.Int(2));
}

// readlinkat(2).
SyscallResult SysReadlinkat(Task& t, const SyscallArgs& args) {
  return ReadlinkAt(t, args.Int(0), args.Addr(1), args.Addr(2), args.Int(3));
}

// getdents64(2).
SyscallResult SysGetdents64(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
  const uint64_t len = std::min<uint64_t>(args.Uint(2), 1 << 20);
  ASSIGN_OR_RETURN(size_t n, file->Getdents(t.mm(), args.Addr(1), len));
  return uint64_t{n};
}

// fadvise64(2). Advice is accepted and ignored.
SyscallResult SysFadvise64(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
  const int32_t advice = args.Int(3);
  if (advice < 0 || advice > 5 || args.Int64(2) < 0) return Errno(EINVAL);
  if (!file->location().ok()) return Errno(ESPIPE);
  return uint64_t{0};
}

}  // namespace kekkai::syscalls

// Path syscalls on the guest's file view: open(2), openat(2), creat(2), stat(2),
// lstat(2), newfstatat(2), statx(2), access(2), faccessat(2), faccessat2(2),
// readlink(2), readlinkat(2), chdir(2), fchdir(2), getdents64(2), fadvise64(2), and
// the calls that would change the tree (mkdir, unlink, rename, ...), which the
// read-only view refuses as Linux refuses them on a read-only mount.
#include "abi/linux/types.h"
#include "fs/vfs/view.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "syscalls/path.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;
using fs::vfs::FileRef;

namespace {

SyscallResult OpenAt(Task& t, int32_t dirfd, GuestAddr path_addr, uint32_t flags, uint32_t mode) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr));
  ASSIGN_OR_RETURN(std::string abs, AbsolutePathAt(t, dirfd, path));
  ASSIGN_OR_RETURN(FileRef file,
                   t.kernel().view().Open(t.caller(), abs, flags, mode & 07777 & ~t.umask()));
  ASSIGN_OR_RETURN(int32_t fd, t.fd_table().Install(std::move(file), 0,
                                                    (flags & kOCloexec) != 0, t.FdLimit()));
  return static_cast<uint64_t>(fd);
}

// Resolves (dirfd, path, flags) for the stat family: the fd itself with
// AT_EMPTY_PATH and an empty path, else the file the path names.
Result<abi::linux::Stat> StatAt(Task& t, int32_t dirfd, GuestAddr path_addr, int flags) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr, /*allow_empty=*/true));
  if (path.empty()) {
    if ((flags & kAtEmptyPath) == 0) return Errno(ENOENT);
    if (dirfd == kAtFdcwd) return t.kernel().view().Stat(t.caller(), t.cwd(), true);
    ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(dirfd));
    return file->Stat();
  }
  ASSIGN_OR_RETURN(std::string abs, AbsolutePathAt(t, dirfd, path));
  return t.kernel().view().Stat(t.caller(), abs, (flags & kAtSymlinkNofollow) == 0);
}

SyscallResult AccessAt(Task& t, int32_t dirfd, GuestAddr path_addr, int32_t mode, int32_t flags) {
  if ((mode & ~7) != 0) return Errno(EINVAL);
  if ((flags & ~(kAtEaccess | kAtSymlinkNofollow | kAtEmptyPath)) != 0) return Errno(EINVAL);
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr, (flags & kAtEmptyPath) != 0));
  std::string abs;
  if (path.empty()) {
    if (dirfd == kAtFdcwd) {
      abs = t.cwd();
    } else {
      ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(dirfd));
      abs = file->path();
      if (abs.empty()) return Errno(EINVAL);
    }
  } else {
    ASSIGN_OR_RETURN(abs, AbsolutePathAt(t, dirfd, path));
  }
  RETURN_IF_ERROR(
      t.kernel().view().Access(t.caller(), abs, mode, (flags & kAtSymlinkNofollow) == 0));
  return uint64_t{0};
}

SyscallResult ReadlinkAt(Task& t, int32_t dirfd, GuestAddr path_addr, GuestAddr buf, int64_t size) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr, /*allow_empty=*/true));
  if (size <= 0) return Errno(EINVAL);
  std::string abs;
  if (path.empty()) {
    // The symlink an O_PATH|O_NOFOLLOW fd stands for (Linux 2.6.39+).
    if (dirfd == kAtFdcwd) return Errno(ENOENT);
    ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(dirfd));
    ASSIGN_OR_RETURN(abi::linux::Stat st, file->Stat());
    if ((st.mode & kSIfmt) != kSIflnk || file->path().empty()) return Errno(ENOENT);
    abs = file->path();
  } else {
    ASSIGN_OR_RETURN(abs, AbsolutePathAt(t, dirfd, path));
  }
  ASSIGN_OR_RETURN(std::string target, t.kernel().view().Readlink(t.caller(), abs));
  const size_t n = std::min<uint64_t>(target.size(), static_cast<uint64_t>(size));
  RETURN_IF_ERROR(t.mm().CopyOutFull(buf, std::as_bytes(std::span(target.data(), n))));
  return uint64_t{n};
}

// Checks a call that would change the entry at (dirfd, path) as the view does.
Result<void> CheckModifyAt(Task& t, int32_t dirfd, GuestAddr path_addr) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr));
  ASSIGN_OR_RETURN(std::string abs, AbsolutePathAt(t, dirfd, path));
  return t.kernel().view().CheckModify(t.caller(), abs);
}

// A call that would change the entry at (dirfd, path): the view's error for it; a
// read-only view never lets it succeed.
SyscallResult ModifyAt(Task& t, int32_t dirfd, GuestAddr path_addr) {
  RETURN_IF_ERROR(CheckModifyAt(t, dirfd, path_addr));
  return Errno(EROFS);
}

// The same for calls naming two entries (rename, link): both are checked first.
SyscallResult ModifyTwoAt(Task& t, int32_t dirfd1, GuestAddr path1, int32_t dirfd2,
                          GuestAddr path2) {
  RETURN_IF_ERROR(CheckModifyAt(t, dirfd1, path1));
  return ModifyAt(t, dirfd2, path2);
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

// chdir(2).
SyscallResult SysChdir(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, args.Addr(0)));
  ASSIGN_OR_RETURN(std::string abs, AbsolutePathAt(t, kAtFdcwd, path));
  ASSIGN_OR_RETURN(std::string dir, t.kernel().view().ResolveDirectory(t.caller(), abs));
  t.set_cwd(std::move(dir));
  return uint64_t{0};
}

// fchdir(2).
SyscallResult SysFchdir(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
  if (!IsDirectory(*file) || file->path().empty()) return Errno(ENOTDIR);
  t.set_cwd(file->path());
  return uint64_t{0};
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
  if (file->path().empty()) return Errno(ESPIPE);
  return uint64_t{0};
}

// mkdir(2), mkdirat(2), rmdir(2), unlink(2), unlinkat(2), symlink(2), symlinkat(2),
// chmod(2), fchmodat(2), chown(2), lchown(2), fchownat(2), truncate(2), mknod(2),
// mknodat(2): refused by the read-only view.
SyscallResult SysMkdir(Task& t, const SyscallArgs& args) { return ModifyAt(t, kAtFdcwd, args.Addr(0)); }
SyscallResult SysMkdirat(Task& t, const SyscallArgs& args) { return ModifyAt(t, args.Int(0), args.Addr(1)); }
SyscallResult SysRmdir(Task& t, const SyscallArgs& args) { return ModifyAt(t, kAtFdcwd, args.Addr(0)); }
SyscallResult SysUnlink(Task& t, const SyscallArgs& args) { return ModifyAt(t, kAtFdcwd, args.Addr(0)); }
SyscallResult SysUnlinkat(Task& t, const SyscallArgs& args) {
  if ((args.Int(2) & ~kAtRemovedir) != 0) return Errno(EINVAL);
  return ModifyAt(t, args.Int(0), args.Addr(1));
}
SyscallResult SysSymlink(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(CopyInPath(t, args.Addr(0)));
  return ModifyAt(t, kAtFdcwd, args.Addr(1));
}
SyscallResult SysSymlinkat(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(CopyInPath(t, args.Addr(0)));
  return ModifyAt(t, args.Int(1), args.Addr(2));
}
SyscallResult SysChmod(Task& t, const SyscallArgs& args) { return ModifyAt(t, kAtFdcwd, args.Addr(0)); }
SyscallResult SysFchmodat(Task& t, const SyscallArgs& args) { return ModifyAt(t, args.Int(0), args.Addr(1)); }
SyscallResult SysChown(Task& t, const SyscallArgs& args) { return ModifyAt(t, kAtFdcwd, args.Addr(0)); }
SyscallResult SysLchown(Task& t, const SyscallArgs& args) { return ModifyAt(t, kAtFdcwd, args.Addr(0)); }
SyscallResult SysFchownat(Task& t, const SyscallArgs& args) { return ModifyAt(t, args.Int(0), args.Addr(1)); }
SyscallResult SysTruncate(Task& t, const SyscallArgs& args) {
  if (args.Int64(1) < 0) return Errno(EINVAL);
  return ModifyAt(t, kAtFdcwd, args.Addr(0));
}
SyscallResult SysMknod(Task& t, const SyscallArgs& args) { return ModifyAt(t, kAtFdcwd, args.Addr(0)); }
SyscallResult SysMknodat(Task& t, const SyscallArgs& args) { return ModifyAt(t, args.Int(0), args.Addr(1)); }

// rename(2), renameat(2), renameat2(2), link(2), linkat(2): the source must exist;
// the target's parent decides the error.
SyscallResult SysRename(Task& t, const SyscallArgs& args) {
  return ModifyTwoAt(t, kAtFdcwd, args.Addr(0), kAtFdcwd, args.Addr(1));
}
SyscallResult SysRenameat(Task& t, const SyscallArgs& args) {
  return ModifyTwoAt(t, args.Int(0), args.Addr(1), args.Int(2), args.Addr(3));
}
SyscallResult SysRenameat2(Task& t, const SyscallArgs& args) {
  if ((args.Uint(4) & ~7u) != 0) return Errno(EINVAL);
  return SysRenameat(t, args);
}
SyscallResult SysLink(Task& t, const SyscallArgs& args) { return SysRename(t, args); }
SyscallResult SysLinkat(Task& t, const SyscallArgs& args) {
  if ((args.Int(4) & ~(kAtSymlinkFollow | kAtEmptyPath)) != 0) return Errno(EINVAL);
  return SysRenameat(t, args);
}

}  // namespace kekkai::syscalls

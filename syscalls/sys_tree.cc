// Calls that change the file tree's names: mkdir(2), mkdirat(2), mknod(2),
// mknodat(2), symlink(2), symlinkat(2), link(2), linkat(2), unlink(2),
// unlinkat(2), rmdir(2), rename(2), renameat(2), renameat2(2).
#include "abi/linux/types.h"
#include "fs/vfs/vfs.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "syscalls/path.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;

namespace {

// One path argument, with the context its *at call resolves it in.
struct PathArg {
  std::string path;
  fs::vfs::PathContext ctx;
};

Result<PathArg> PathArgAt(Task& t, int32_t dirfd, GuestAddr addr) {
  PathArg a;
  ASSIGN_OR_RETURN(a.path, CopyInPath(t, addr));
  ASSIGN_OR_RETURN(a.ctx, ContextAt(t, dirfd, a.path));
  return a;
}

SyscallResult MkdirAt(Task& t, int32_t dirfd, GuestAddr path, uint32_t mode) {
  ASSIGN_OR_RETURN(PathArg a, PathArgAt(t, dirfd, path));
  RETURN_IF_ERROR(t.kernel().vfs().Mkdir(a.ctx, a.path, mode & 07777));
  return uint64_t{0};
}

SyscallResult MknodAt(Task& t, int32_t dirfd, GuestAddr path, uint32_t mode, uint64_t dev) {
  ASSIGN_OR_RETURN(PathArg a, PathArgAt(t, dirfd, path));
  RETURN_IF_ERROR(t.kernel().vfs().Mknod(a.ctx, a.path, mode, dev));
  return uint64_t{0};
}

SyscallResult SymlinkAt(Task& t, GuestAddr target_addr, int32_t dirfd, GuestAddr path) {
  ASSIGN_OR_RETURN(std::string target, CopyInPath(t, target_addr));
  ASSIGN_OR_RETURN(PathArg a, PathArgAt(t, dirfd, path));
  RETURN_IF_ERROR(t.kernel().vfs().Symlink(a.ctx, target, a.path));
  return uint64_t{0};
}

SyscallResult LinkAt(Task& t, int32_t olddirfd, GuestAddr oldpath, int32_t newdirfd,
                     GuestAddr newpath, int32_t flags) {
  if (flags & ~(kAtSymlinkFollow | kAtEmptyPath)) return Errno(EINVAL);
  ASSIGN_OR_RETURN(std::string old_path, CopyInPath(t, oldpath, (flags & kAtEmptyPath) != 0));
  ASSIGN_OR_RETURN(fs::vfs::VirtualDentry old_vd,
                   PlaceAt(t, olddirfd, old_path,
                           (flags & kAtEmptyPath) | ((flags & kAtSymlinkFollow) ? 0 : kAtSymlinkNofollow)));
  ASSIGN_OR_RETURN(PathArg n, PathArgAt(t, newdirfd, newpath));
  RETURN_IF_ERROR(t.kernel().vfs().LinkAt(old_vd, n.ctx, n.path));
  return uint64_t{0};
}

SyscallResult UnlinkAt(Task& t, int32_t dirfd, GuestAddr path, int32_t flags) {
  if (flags & ~kAtRemovedir) return Errno(EINVAL);
  ASSIGN_OR_RETURN(PathArg a, PathArgAt(t, dirfd, path));
  if (flags & kAtRemovedir) {
    RETURN_IF_ERROR(t.kernel().vfs().Rmdir(a.ctx, a.path));
  } else {
    RETURN_IF_ERROR(t.kernel().vfs().Unlink(a.ctx, a.path));
  }
  return uint64_t{0};
}

SyscallResult RenameAt(Task& t, int32_t olddirfd, GuestAddr oldpath, int32_t newdirfd,
                       GuestAddr newpath, uint32_t flags) {
  ASSIGN_OR_RETURN(PathArg o, PathArgAt(t, olddirfd, oldpath));
  ASSIGN_OR_RETURN(PathArg n, PathArgAt(t, newdirfd, newpath));
  RETURN_IF_ERROR(t.kernel().vfs().Rename(o.ctx, o.path, n.ctx, n.path, flags));
  return uint64_t{0};
}

}  // namespace

// mkdir(2).
SyscallResult SysMkdir(Task& t, const SyscallArgs& args) {
  return MkdirAt(t, kAtFdcwd, args.Addr(0), args.Uint(1));
}

// mkdirat(2).
SyscallResult SysMkdirat(Task& t, const SyscallArgs& args) {
  return MkdirAt(t, args.Int(0), args.Addr(1), args.Uint(2));
}

// mknod(2).
SyscallResult SysMknod(Task& t, const SyscallArgs& args) {
  return MknodAt(t, kAtFdcwd, args.Addr(0), args.Uint(1), args.Uint(2));
}

// mknodat(2).
SyscallResult SysMknodat(Task& t, const SyscallArgs& args) {
  return MknodAt(t, args.Int(0), args.Addr(1), args.Uint(2), args.Uint(3));
}

// symlink(2).
SyscallResult SysSymlink(Task& t, const SyscallArgs& args) {
  return SymlinkAt(t, args.Addr(0), kAtFdcwd, args.Addr(1));
}

// symlinkat(2).
SyscallResult SysSymlinkat(Task& t, const SyscallArgs& args) {
  return SymlinkAt(t, args.Addr(0), args.Int(1), args.Addr(2));
}

// link(2).
SyscallResult SysLink(Task& t, const SyscallArgs& args) {
  return LinkAt(t, kAtFdcwd, args.Addr(0), kAtFdcwd, args.Addr(1), 0);
}

// linkat(2). AT_EMPTY_PATH is allowed to every caller, as Linux 6.10 allows it to
// the opener of the fd.
SyscallResult SysLinkat(Task& t, const SyscallArgs& args) {
  return LinkAt(t, args.Int(0), args.Addr(1), args.Int(2), args.Addr(3), args.Int(4));
}

// unlink(2).
SyscallResult SysUnlink(Task& t, const SyscallArgs& args) {
  return UnlinkAt(t, kAtFdcwd, args.Addr(0), 0);
}

// unlinkat(2).
SyscallResult SysUnlinkat(Task& t, const SyscallArgs& args) {
  return UnlinkAt(t, args.Int(0), args.Addr(1), args.Int(2));
}

// rmdir(2).
SyscallResult SysRmdir(Task& t, const SyscallArgs& args) {
  return UnlinkAt(t, kAtFdcwd, args.Addr(0), kAtRemovedir);
}

// rename(2).
SyscallResult SysRename(Task& t, const SyscallArgs& args) {
  return RenameAt(t, kAtFdcwd, args.Addr(0), kAtFdcwd, args.Addr(1), 0);
}

// renameat(2).
SyscallResult SysRenameat(Task& t, const SyscallArgs& args) {
  return RenameAt(t, args.Int(0), args.Addr(1), args.Int(2), args.Addr(3), 0);
}

// renameat2(2).
SyscallResult SysRenameat2(Task& t, const SyscallArgs& args) {
  return RenameAt(t, args.Int(0), args.Addr(1), args.Int(2), args.Addr(3), args.Uint(4));
}

}  // namespace kekkai::syscalls

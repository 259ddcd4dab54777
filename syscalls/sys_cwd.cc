// The task's place in the tree: chdir(2), fchdir(2), chroot(2), getcwd(2), umask(2).
// Per task until CLONE_FS sharing exists.
#include "abi/linux/types.h"
#include "fs/vfs/dentry.h"
#include "fs/vfs/inode.h"
#include "fs/vfs/vfs.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "syscalls/path.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;

namespace {

// Checks that `vd` is a directory the task may search: ENOTDIR, EACCES.
Result<void> CheckEnterable(Task& t, const fs::vfs::VirtualDentry& vd) {
  fs::vfs::Inode& inode = *vd.dentry->inode();
  if (!inode.is_dir()) return Errno(ENOTDIR);
  ASSIGN_OR_RETURN(abi::linux::Stat st, inode.Stat());
  return fs::vfs::CheckPermission(&t.creds(), st, fs::vfs::kMayExec);
}

Result<fs::vfs::VirtualDentry> DirectoryAt(Task& t, GuestAddr path_addr) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr));
  ASSIGN_OR_RETURN(fs::vfs::VirtualDentry vd,
                   t.kernel().vfs().Resolve(t.path_context(), path, {.directory = true}));
  RETURN_IF_ERROR(CheckEnterable(t, vd));
  return vd;
}

}  // namespace

// chdir(2).
SyscallResult SysChdir(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(fs::vfs::VirtualDentry vd, DirectoryAt(t, args.Addr(0)));
  t.set_cwd(std::move(vd));
  return uint64_t{0};
}

// fchdir(2).
SyscallResult SysFchdir(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(fs::vfs::FileRef file, t.fd_table().Get(args.Int(0)));
  if (!file->location().ok()) return Errno(ENOTDIR);
  RETURN_IF_ERROR(CheckEnterable(t, file->location()));
  t.set_cwd(file->location());
  return uint64_t{0};
}

// chroot(2). Needs CAP_SYS_CHROOT; the working directory stays where it is.
SyscallResult SysChroot(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(fs::vfs::VirtualDentry vd, DirectoryAt(t, args.Addr(0)));
  if (!t.creds().HasCapability(sentry::auth::kCapSysChroot)) return Errno(EPERM);
  t.set_root(std::move(vd));
  return uint64_t{0};
}

// getcwd(2): ENOENT once the working directory was removed, ENAMETOOLONG past
// PATH_MAX; a directory outside the task's root shows "(unreachable)" and its path
// from the tree's root, as Linux does.
SyscallResult SysGetcwd(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(std::string cwd, fs::vfs::Vfs::PathFrom(t.cwd(), t.root()));
  if (cwd.size() + 1 > fs::vfs::kPathMax) return Errno(ENAMETOOLONG);
  const uint64_t size = args.SizeT(1);
  if (size < cwd.size() + 1) return Errno(ERANGE);
  RETURN_IF_ERROR(t.mm().CopyOutFull(args.Addr(0),
                                     std::as_bytes(std::span(cwd.c_str(), cwd.size() + 1))));
  return uint64_t{cwd.size() + 1};
}

// umask(2).
SyscallResult SysUmask(Task& t, const SyscallArgs& args) {
  const uint32_t old = t.umask();
  t.set_umask(args.Uint(0));
  return uint64_t{old};
}

}  // namespace kekkai::syscalls

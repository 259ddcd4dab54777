#include "syscalls/path.h"

#include "abi/linux/types.h"
#include "fs/vfs/dentry.h"
#include "fs/vfs/inode.h"
#include "sentry/kernel/kernel.h"

namespace kekkai::syscalls {

using namespace abi::linux;

Result<std::string> CopyInPath(sentry::kernel::Task& t, GuestAddr addr, bool allow_empty) {
  ASSIGN_OR_RETURN(std::string path, t.mm().CopyInString(addr, fs::vfs::kPathMax - 1));
  if (path.empty() && !allow_empty) return Errno(ENOENT);
  return path;
}

Result<fs::vfs::PathContext> ContextAt(sentry::kernel::Task& t, int32_t dirfd,
                                       std::string_view path, bool always_dirfd) {
  fs::vfs::PathContext ctx = t.path_context();
  if (dirfd == kAtFdcwd || (!always_dirfd && !path.empty() && path[0] == '/')) return ctx;
  ASSIGN_OR_RETURN(fs::vfs::FileRef dir, t.fd_table().Get(dirfd));
  const fs::vfs::VirtualDentry& loc = dir->location();
  if (!loc.ok() || !loc.dentry->inode()->is_dir()) return Errno(ENOTDIR);
  ctx.start = loc;
  return ctx;
}

Result<fs::vfs::VirtualDentry> PlaceOf(sentry::kernel::Task& t, int32_t dirfd) {
  if (dirfd == kAtFdcwd) return t.cwd();
  ASSIGN_OR_RETURN(fs::vfs::FileRef file, t.fd_table().Get(dirfd));
  if (!file->location().ok()) return Errno(ENOENT);
  return file->location();
}

Result<fs::vfs::VirtualDentry> PlaceAt(sentry::kernel::Task& t, int32_t dirfd,
                                       const std::string& path, int flags) {
  if (path.empty()) {
    if ((flags & kAtEmptyPath) == 0) return Errno(ENOENT);
    return PlaceOf(t, dirfd);
  }
  ASSIGN_OR_RETURN(fs::vfs::PathContext ctx, ContextAt(t, dirfd, path));
  return t.kernel().vfs().Resolve(ctx, path, {.follow = (flags & kAtSymlinkNofollow) == 0});
}

}  // namespace kekkai::syscalls

#include "syscalls/path.h"

#include "abi/linux/types.h"
#include "fs/vfs/view.h"

namespace kekkai::syscalls {

using namespace abi::linux;

Result<std::string> CopyInPath(sentry::kernel::Task& t, GuestAddr addr, bool allow_empty) {
  ASSIGN_OR_RETURN(std::string path, t.mm().CopyInString(addr, fs::vfs::kPathMax - 1));
  if (path.empty() && !allow_empty) return Errno(ENOENT);
  return path;
}

bool IsDirectory(fs::vfs::FileDescription& file) {
  auto st = file.Stat();
  return st.ok() && (st->mode & kSIfmt) == kSIfdir;
}

Result<std::string> AbsolutePathAt(sentry::kernel::Task& t, int32_t dirfd, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  std::string base;
  if (dirfd == kAtFdcwd) {
    base = t.cwd();
  } else {
    ASSIGN_OR_RETURN(fs::vfs::FileRef dir, t.fd_table().Get(dirfd));
    if (!IsDirectory(*dir) || dir->path().empty()) return Errno(ENOTDIR);
    base = dir->path();
  }
  if (path.empty()) return base;
  return base == "/" ? "/" + path : base + "/" + path;
}

}  // namespace kekkai::syscalls

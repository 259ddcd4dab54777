// View: the guest's file tree as path operations. Until the VFS with mounts and
// the gofer arrive (the Files issue), the one implementation is the read-only host
// view (fs/hostview), with small synthetic /dev and /proc. Paths are absolute guest
// paths; symlinks are resolved by the view (at most 40), never by the host.
#ifndef KEKKAI_FS_VFS_VIEW_H_
#define KEKKAI_FS_VFS_VIEW_H_

#include <string>
#include <string_view>

#include "abi/linux/types.h"
#include "base/result.h"
#include "fs/vfs/file_description.h"
#include "sentry/auth/credentials.h"

namespace kekkai::fs::vfs {

// What a path operation sees of its caller. Views know no Task.
struct Caller {
  const sentry::auth::Credentials* creds = nullptr;
  int32_t pid = 0;
  // The caller's executable, as /proc/self/exe shows it.
  std::string_view exe;
};

inline constexpr size_t kPathMax = 4096;
inline constexpr size_t kNameMax = 255;
inline constexpr int kMaxSymlinks = 40;

class View {
 public:
  virtual ~View() = default;

  // open(2) of absolute `path` with open(2) `flags` (O_NOFOLLOW, O_DIRECTORY, O_PATH
  // ...) and `mode`. A read-only view answers writes and creation with EROFS (ENOENT
  // when the parent doesn't exist), never touching the host.
  virtual Result<FileRef> Open(const Caller& c, std::string_view path, uint32_t flags,
                               uint32_t mode) = 0;
  // stat(2) (follow) or lstat(2).
  virtual Result<abi::linux::Stat> Stat(const Caller& c, std::string_view path, bool follow) = 0;
  // readlink(2): EINVAL if `path` is not a symlink.
  virtual Result<std::string> Readlink(const Caller& c, std::string_view path) = 0;
  // access(2) for `mode` (R_OK|W_OK|X_OK, or F_OK = 0) with the caller's credentials.
  virtual Result<void> Access(const Caller& c, std::string_view path, int mode, bool follow) = 0;
  // Returns the canonical path of the directory `path` names (chdir): ENOTDIR/ENOENT.
  virtual Result<std::string> ResolveDirectory(const Caller& c, std::string_view path) = 0;
  // Checks a call that would create, remove or change the entry `path` (mkdir,
  // unlink, rename, chmod...): the error Linux gives on this view (EROFS on a
  // read-only one, ENOENT if the parent is missing, ENOTDIR...). Never succeeds on a
  // read-only view.
  virtual Result<void> CheckModify(const Caller& c, std::string_view path) = 0;
};

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_VIEW_H_

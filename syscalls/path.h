// Path arguments of syscalls: copying a path in, and making it absolute against a
// directory fd or the cwd, as the *at(2) calls do.
#ifndef KEKKAI_SYSCALLS_PATH_H_
#define KEKKAI_SYSCALLS_PATH_H_

#include <string>

#include "base/result.h"
#include "fs/vfs/file_description.h"
#include "sentry/kernel/task.h"

namespace kekkai::syscalls {

// Copies a path argument: ENAMETOOLONG at PATH_MAX (NUL included), EFAULT, and
// ENOENT for an empty path unless `allow_empty`.
Result<std::string> CopyInPath(sentry::kernel::Task& t, GuestAddr addr, bool allow_empty = false);

// Returns `path` made absolute against `dirfd` (AT_FDCWD: the cwd). EBADF for a bad
// fd, ENOTDIR when a relative path meets an fd that isn't a directory.
Result<std::string> AbsolutePathAt(sentry::kernel::Task& t, int32_t dirfd, const std::string& path);

// Returns whether `file` is a directory.
bool IsDirectory(fs::vfs::FileDescription& file);

}  // namespace kekkai::syscalls

#endif  // KEKKAI_SYSCALLS_PATH_H_

// Path arguments of syscalls: copying a path in, and where an *at(2) call's
// relative path starts (a directory fd or the working directory).
#ifndef KEKKAI_SYSCALLS_PATH_H_
#define KEKKAI_SYSCALLS_PATH_H_

#include <string>
#include <string_view>

#include "base/result.h"
#include "fs/vfs/file_description.h"
#include "fs/vfs/vfs.h"
#include "sentry/kernel/task.h"

namespace kekkai::syscalls {

// Copies a path argument: ENAMETOOLONG at PATH_MAX (NUL included), EFAULT, and
// ENOENT for an empty path unless `allow_empty`.
Result<std::string> CopyInPath(sentry::kernel::Task& t, GuestAddr addr, bool allow_empty = false);

// Returns the task's path context with relative paths starting at `dirfd`
// (AT_FDCWD: the working directory). For a relative `path`: EBADF for a bad fd,
// ENOTDIR when the fd is no directory. An absolute path ignores `dirfd`.
// `always_dirfd` makes `dirfd` the start even for an absolute path (openat2's
// RESOLVE_IN_ROOT and RESOLVE_BENEATH, which measure against it).
Result<fs::vfs::PathContext> ContextAt(sentry::kernel::Task& t, int32_t dirfd,
                                       std::string_view path, bool always_dirfd = false);

// Returns the place `dirfd` names (AT_FDCWD: the working directory), for
// AT_EMPTY_PATH: EBADF, or ENOENT for an fd with no place (a pipe).
Result<fs::vfs::VirtualDentry> PlaceOf(sentry::kernel::Task& t, int32_t dirfd);

// Returns the place (dirfd, path) names for the *at calls that take AT_EMPTY_PATH
// (an empty path: the place of `dirfd` itself) and AT_SYMLINK_NOFOLLOW in `flags`.
Result<fs::vfs::VirtualDentry> PlaceAt(sentry::kernel::Task& t, int32_t dirfd,
                                       const std::string& path, int flags);

}  // namespace kekkai::syscalls

#endif  // KEKKAI_SYSCALLS_PATH_H_

// stat(2) helpers shared by the file tests: each records a failure (not fatal)
// and returns a zeroed struct stat if the call fails.
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_STAT_UTIL_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_STAT_UTIL_H_

#include <sys/stat.h>

#include <string>

namespace kekkai::syscall_test {

struct stat Stat(const std::string& path);
struct stat Lstat(const std::string& path);
struct stat Fstat(int fd);
// Whether `a` and `b` are the same file (device and inode).
bool SameFile(const struct stat& a, const struct stat& b);
// Whether `path` names anything, a dangling symlink included.
bool Exists(const std::string& path);

}  // namespace kekkai::syscall_test

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_STAT_UTIL_H_

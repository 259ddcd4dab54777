#include "tests/syscalls/util/stat_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string.h>

#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {

struct stat Stat(const std::string& path) {
  struct stat st;
  memset(&st, 0, sizeof(st));
  EXPECT_THAT(stat(path.c_str(), &st), SyscallSucceeds()) << path;
  return st;
}

struct stat Lstat(const std::string& path) {
  struct stat st;
  memset(&st, 0, sizeof(st));
  EXPECT_THAT(lstat(path.c_str(), &st), SyscallSucceeds()) << path;
  return st;
}

struct stat Fstat(int fd) {
  struct stat st;
  memset(&st, 0, sizeof(st));
  EXPECT_THAT(fstat(fd, &st), SyscallSucceeds()) << fd;
  return st;
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

}  // namespace kekkai::syscall_test

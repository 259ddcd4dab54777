// Scratch space for tests that create, change and delete files: a fresh
// directory made with mkdtemp under /tmp (the sandbox's own tmpfs under kekkai,
// whatever local filesystem natively), removed with everything in it afterwards,
// and small helpers to fill and read files there. Nothing is ever written
// anywhere else.
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_SCRATCH_DIR_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_SCRATCH_DIR_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <string>

#include "tests/syscalls/util/errno_or.h"

namespace kekkai::syscall_test {

// The mkdtemp template every scratch directory is made from.
inline constexpr char kScratchDirTemplate[] = "/tmp/kekkai_fs_test_XXXXXX";

// Removes `path` and, if it is a directory, everything below it, never following
// a symlink; returns 0 or the errno of the first failure.
int RemoveTree(const std::string& path);

// Creates `path` (or truncates it) with `mode` and writes `contents` to it;
// returns the number of bytes written.
ErrnoOr<size_t> WriteFile(const std::string& path, const std::string& contents, mode_t mode = 0644);

// Returns the whole contents of `path`, read with read(2).
ErrnoOr<std::string> ReadFile(const std::string& path);

// Returns the rest of `fd` from its current offset, read with read(2); `fd` is
// borrowed.
ErrnoOr<std::string> ReadAll(int fd);

// Returns `len` bytes of `fd` from `offset`, read with pread(2) (fewer at the
// end; a failure is a test failure and reads as "").
std::string PreadString(int fd, size_t len, off_t offset);

// A fixture giving each test a fresh scratch directory `dir_` and a umask of 022;
// TearDown removes the directory (a failure to do so fails the test) and puts the
// previous umask back.
class ScratchDirTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Returns dir_ + "/" + name.
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;

 private:
  mode_t saved_umask_ = 022;
};

}  // namespace kekkai::syscall_test

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_SCRATCH_DIR_H_

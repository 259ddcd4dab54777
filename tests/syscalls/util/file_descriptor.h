// FileDescriptor for syscall tests: owns one fd, move-only, and closes it on
// destruction — recording a test failure if that close fails, since a close that
// fails means the fd table lost or mixed up the descriptor. Plus helpers that
// open or duplicate into one.
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_FILE_DESCRIPTOR_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_FILE_DESCRIPTOR_H_

#include <sys/types.h>

#include <string>
#include <utility>

#include "tests/syscalls/util/errno_or.h"

namespace kekkai::syscall_test {

class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& o) noexcept : fd_(o.release()) {}
  FileDescriptor& operator=(FileDescriptor&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  // Returns the fd without giving up ownership.
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership and returns the fd.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }
  // Closes the held fd (if any; a failing close is a test failure) and takes
  // ownership of `fd`.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Returns open(path, flags, mode) as an owned fd.
ErrnoOr<FileDescriptor> Open(const std::string& path, int flags, mode_t mode = 0);
// Returns openat(dirfd, path, flags, mode) as an owned fd; `dirfd` is borrowed.
ErrnoOr<FileDescriptor> OpenAt(int dirfd, const std::string& path, int flags, mode_t mode = 0);
// Returns dup(fd) as an owned fd; `fd` is borrowed.
ErrnoOr<FileDescriptor> Dup(int fd);

}  // namespace kekkai::syscall_test

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_FILE_DESCRIPTOR_H_

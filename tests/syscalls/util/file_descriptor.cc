#include "tests/syscalls/util/file_descriptor.h"

#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace kekkai::syscall_test {

void FileDescriptor::reset(int fd) {
  const int old = std::exchange(fd_, fd);
  if (old < 0) return;
  if (close(old) != 0) {
    ADD_FAILURE() << "close(" << old << ") of an owned fd: " << ErrnoName(errno);
  }
}

ErrnoOr<FileDescriptor> Open(const std::string& path, int flags, mode_t mode) {
  const int fd = open(path.c_str(), flags, mode);
  if (fd < 0) return ErrnoOr<FileDescriptor>::Error(errno, "open(" + path + ")");
  return FileDescriptor(fd);
}

ErrnoOr<FileDescriptor> OpenAt(int dirfd, const std::string& path, int flags, mode_t mode) {
  const int fd = openat(dirfd, path.c_str(), flags, mode);
  if (fd < 0) {
    return ErrnoOr<FileDescriptor>::Error(errno,
                                          "openat(" + std::to_string(dirfd) + ", " + path + ")");
  }
  return FileDescriptor(fd);
}

ErrnoOr<FileDescriptor> Dup(int fd) {
  const int nfd = dup(fd);
  if (nfd < 0) return ErrnoOr<FileDescriptor>::Error(errno, "dup(" + std::to_string(fd) + ")");
  return FileDescriptor(nfd);
}

}  // namespace kekkai::syscall_test

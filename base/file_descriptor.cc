#include "base/file_descriptor.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/logging.h"

namespace kekkai {

void FileDescriptor::reset(int fd) {
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

Result<FileDescriptor> CreateMemFd(const char* name, unsigned flags) {
  int fd = memfd_create(name, MFD_CLOEXEC | flags);
  if (fd < 0) {
    PLOG(ERROR) << "memfd_create(" << name << ")";
    return LastErrno();
  }
  return FileDescriptor(fd);
}

Result<FileDescriptor> Dup(int fd) {
  int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (nfd < 0) return LastErrno();
  return FileDescriptor(nfd);
}

}  // namespace kekkai

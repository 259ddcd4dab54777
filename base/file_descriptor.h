// FileDescriptor: owns one host fd (move-only, closes on destruction).
#ifndef KEKKAI_BASE_FILE_DESCRIPTOR_H_
#define KEKKAI_BASE_FILE_DESCRIPTOR_H_

#include <utility>

#include "base/result.h"

namespace kekkai {

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
  // Closes the held fd (if any) and takes ownership of `fd`.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Returns a new close-on-exec memfd.
Result<FileDescriptor> CreateMemFd(const char* name, unsigned flags = 0);

// Returns a close-on-exec duplicate of the borrowed `fd`.
Result<FileDescriptor> Dup(int fd);

}  // namespace kekkai

#endif  // KEKKAI_BASE_FILE_DESCRIPTOR_H_

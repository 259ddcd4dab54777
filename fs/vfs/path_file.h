// PathFile: what open(O_PATH) returns — a handle on a place in the tree that can
// be stat'ed, used as a dirfd, fchdir'ed to and linked, but not read or written
// (EBADF).
#ifndef KEKKAI_FS_VFS_PATH_FILE_H_
#define KEKKAI_FS_VFS_PATH_FILE_H_

#include "fs/vfs/file_description.h"

namespace kekkai::fs::vfs {

class PathFile final : public FileDescription {
 public:
  explicit PathFile(uint32_t flags) : FileDescription(flags) {}

  Result<size_t> Read(sentry::usermem::IoSequence&, std::optional<uint64_t>) override {
    return Errno(EBADF);
  }
  Result<size_t> Write(sentry::usermem::IoSequence&, std::optional<uint64_t>) override {
    return Errno(EBADF);
  }
  Result<uint64_t> Seek(int64_t, int) override { return Errno(EBADF); }
  Result<uint64_t> Ioctl(sentry::usermem::GuestMemory&, uint32_t, uint64_t) override {
    return Errno(EBADF);
  }
  Result<size_t> PRead(std::span<std::byte>, uint64_t) override { return Errno(EBADF); }
  Result<size_t> Getdents(sentry::usermem::GuestMemory&, GuestAddr, size_t) override {
    return Errno(EBADF);
  }
  Result<void> Sync() override { return Errno(EBADF); }
  Result<void> Allocate(uint32_t, uint64_t, uint64_t) override { return Errno(EBADF); }
  std::string Name() const override { return path(); }
};

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_PATH_FILE_H_

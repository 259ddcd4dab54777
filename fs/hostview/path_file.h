// PathFile: what open(2) with O_PATH returns — a handle on a name that supports only
// fstat, fchdir and its path; every I/O call is EBADF.
#ifndef KEKKAI_FS_HOSTVIEW_PATH_FILE_H_
#define KEKKAI_FS_HOSTVIEW_PATH_FILE_H_

#include <string>

#include "base/file_descriptor.h"
#include "fs/vfs/file_description.h"

namespace kekkai::fs::hostview {

class PathFile final : public vfs::FileDescription {
 public:
  // A handle on canonical guest `path`. `fd`, when valid, is the host entry's
  // O_PATH fd (owned) and Stat asks the host; otherwise Stat returns `stat`.
  PathFile(uint32_t flags, std::string path, FileDescriptor fd, const abi::linux::Stat& stat);

  Result<size_t> Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) override;
  Result<size_t> Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) override;
  Result<uint64_t> Seek(int64_t offset, int whence) override;
  Result<uint64_t> Ioctl(sentry::usermem::GuestMemory& mem, uint32_t cmd, uint64_t arg) override;
  Result<abi::linux::Stat> Stat() override;
  Result<size_t> PRead(std::span<std::byte> dst, uint64_t offset) override;
  Result<size_t> Getdents(sentry::usermem::GuestMemory& mem, GuestAddr buf, size_t len) override;
  std::string Name() const override { return path_; }
  std::string path() const override { return path_; }

 private:
  const std::string path_;
  const FileDescriptor fd_;
  const abi::linux::Stat stat_;
};

}  // namespace kekkai::fs::hostview

#endif  // KEKKAI_FS_HOSTVIEW_PATH_FILE_H_

// GoferFile: an open regular file of a gofer-served tree, read and written through
// the host fd the gofer donated.
#ifndef KEKKAI_FS_GOFER_GOFER_FILE_H_
#define KEKKAI_FS_GOFER_GOFER_FILE_H_

#include "base/file_descriptor.h"
#include "fs/vfs/file_description.h"

namespace kekkai::fs::gofer {

class GoferFile final : public vfs::FileDescription {
 public:
  // `fd` is the host fd (owned); `device` the st_dev the sandbox shows.
  GoferFile(uint32_t flags, FileDescriptor fd, uint64_t device)
      : FileDescription(flags), fd_(std::move(fd)), device_(device) {}

  Result<size_t> Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) override;
  Result<size_t> Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) override;
  Result<uint64_t> Seek(int64_t offset, int whence) override;
  Result<abi::linux::Stat> Stat() override;
  Result<size_t> PRead(std::span<std::byte> dst, uint64_t offset) override;
  Result<void> Sync() override;
  Result<void> Allocate(uint32_t mode, uint64_t offset, uint64_t len) override;
  std::shared_ptr<sentry::memmap::Mappable> GetMappable() override;
  std::string Name() const override { return path(); }

  int host_fd() const { return fd_.get(); }

 private:
  Result<size_t> ReadAt(sentry::usermem::IoSequence& dst, uint64_t offset);
  Result<size_t> WriteAt(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset);

  const FileDescriptor fd_;
  const uint64_t device_;
};

}  // namespace kekkai::fs::gofer

#endif  // KEKKAI_FS_GOFER_GOFER_FILE_H_

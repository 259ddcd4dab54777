// GoferFile: an open regular file of a gofer-served tree, read and written through
// the host fd the gofer donated, and through the file's page cache where it has
// pages (file_cache.h), so read(2)/write(2) and mappings see each other.
#ifndef KEKKAI_FS_GOFER_GOFER_FILE_H_
#define KEKKAI_FS_GOFER_GOFER_FILE_H_

#include <memory>

#include "base/file_descriptor.h"
#include "fs/gofer/file_cache.h"
#include "fs/vfs/file_description.h"

namespace kekkai::fs::gofer {

class GoferFile final : public vfs::FileDescription {
 public:
  // `fd` is the host fd (owned); `device` the st_dev the sandbox shows; `cache`
  // the file's page cache (never nullptr).
  GoferFile(uint32_t flags, FileDescriptor fd, uint64_t device, std::shared_ptr<FileCache> cache);
  ~GoferFile() override;

  Result<size_t> Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) override;
  Result<size_t> Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) override;
  Result<uint64_t> Seek(int64_t offset, int whence) override;
  Result<abi::linux::Stat> Stat() override;
  Result<size_t> PRead(std::span<std::byte> dst, uint64_t offset) override;
  Result<void> Sync() override;
  Result<void> Allocate(uint32_t mode, uint64_t offset, uint64_t len) override;
  // The page cache (every mapping of the file shares it). A writable
  // description gives it a writable host fd for writing back what writable
  // shared mappings change (for an O_APPEND one, a new one from the gofer:
  // nullptr, so ENODEV, if that fails).
  std::shared_ptr<sentry::memmap::Mappable> GetMappable() override;
  std::string Name() const override { return path(); }

  int host_fd() const { return fd_.get(); }

 private:
  Result<size_t> ReadAt(sentry::usermem::IoSequence& dst, uint64_t offset);
  Result<size_t> WriteAt(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset);

  const FileDescriptor fd_;
  const uint64_t device_;
  const std::shared_ptr<FileCache> cache_;
};

}  // namespace kekkai::fs::gofer

#endif  // KEKKAI_FS_GOFER_GOFER_FILE_H_

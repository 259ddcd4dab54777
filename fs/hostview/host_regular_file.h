// HostRegularFile: a regular host file opened read-only through the host view, and
// HostMappable, what it offers to mmap(2) — reads through the same host fd, so a
// mapping outlives the description that made it.
#ifndef KEKKAI_FS_HOSTVIEW_HOST_REGULAR_FILE_H_
#define KEKKAI_FS_HOSTVIEW_HOST_REGULAR_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "base/file_descriptor.h"
#include "fs/vfs/file_description.h"
#include "sentry/memmap/mappable.h"

namespace kekkai::fs::hostview {

class HostMappable final : public sentry::memmap::Mappable {
 public:
  // Owns `fd`, a host fd open for reading; `path` is the canonical guest path.
  HostMappable(FileDescriptor fd, uint64_t device, uint64_t inode, std::string path);

  Result<size_t> ReadAt(std::span<std::byte> dst, uint64_t offset) override;
  Result<uint64_t> Size() override;
  uint64_t device() const override { return device_; }
  uint64_t inode() const override { return inode_; }
  std::string path() const override { return path_; }

  // Returns the host fd (borrowed; valid while this object lives).
  int fd() const { return fd_.get(); }

 private:
  const FileDescriptor fd_;
  const uint64_t device_;
  const uint64_t inode_;
  const std::string path_;
};

class HostRegularFile final : public vfs::FileDescription {
 public:
  // Opened with open(2) `flags` (read-only access); reads go through `file`.
  HostRegularFile(uint32_t flags, std::shared_ptr<HostMappable> file);

  // Reads at the offset (the file's own, under its mutex, or `offset`), through a
  // bounded sentry buffer.
  Result<size_t> Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) override;
  // EBADF: the view is read-only, so no description is open for writing.
  Result<size_t> Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) override;
  // SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE, with Linux's errors.
  Result<uint64_t> Seek(int64_t offset, int whence) override;
  Result<abi::linux::Stat> Stat() override;
  Result<size_t> PRead(std::span<std::byte> dst, uint64_t offset) override;
  std::shared_ptr<sentry::memmap::Mappable> GetMappable() override { return file_; }
  std::string Name() const override { return file_->path(); }
  std::string path() const override { return file_->path(); }

 private:
  const std::shared_ptr<HostMappable> file_;
};

}  // namespace kekkai::fs::hostview

#endif  // KEKKAI_FS_HOSTVIEW_HOST_REGULAR_FILE_H_

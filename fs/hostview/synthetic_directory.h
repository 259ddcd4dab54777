// SyntheticDirectory: a directory of a synthetic file system (/dev, /proc) opened
// through the view — a listing fixed at open, served by getdents64 with the entry
// index as the directory offset.
#ifndef KEKKAI_FS_HOSTVIEW_SYNTHETIC_DIRECTORY_H_
#define KEKKAI_FS_HOSTVIEW_SYNTHETIC_DIRECTORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "fs/vfs/file_description.h"

namespace kekkai::fs::hostview {

class SyntheticDirectory final : public vfs::FileDescription {
 public:
  struct Entry {
    uint64_t ino;
    uint8_t type;  // d_type
    std::string name;
  };

  // A directory at canonical guest `path` whose stat is `stat` and whose listing is
  // `entries` ("." and ".." included, in order).
  SyntheticDirectory(uint32_t flags, std::string path, const abi::linux::Stat& stat,
                     std::vector<Entry> entries);

  // EISDIR.
  Result<size_t> Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) override;
  Result<size_t> PRead(std::span<std::byte> dst, uint64_t offset) override;
  // EBADF: never open for writing.
  Result<size_t> Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) override;
  // SEEK_SET and SEEK_CUR over entry indexes; EINVAL otherwise.
  Result<uint64_t> Seek(int64_t offset, int whence) override;
  Result<abi::linux::Stat> Stat() override { return stat_; }
  Result<size_t> Getdents(sentry::usermem::GuestMemory& mem, GuestAddr buf, size_t len) override;
  std::string Name() const override { return path_; }
  std::string path() const override { return path_; }

 private:
  const std::string path_;
  const abi::linux::Stat stat_;
  const std::vector<Entry> entries_;
};

}  // namespace kekkai::fs::hostview

#endif  // KEKKAI_FS_HOSTVIEW_SYNTHETIC_DIRECTORY_H_

// MemDevice: the memory character devices of Linux's drivers/char/mem.c and random.c
// — /dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom — served by the
// sentry itself. The random devices read the host's getrandom(2).
#ifndef KEKKAI_FS_DEV_MEM_DEVICE_H_
#define KEKKAI_FS_DEV_MEM_DEVICE_H_

#include <cstdint>
#include <string>

#include "abi/linux/types.h"
#include "fs/vfs/file_description.h"

namespace kekkai::fs::dev {

enum class MemDeviceKind { kNull, kZero, kFull, kRandom, kUrandom };

// Bounds the bytes one Read of /dev/zero or a random device produces (Linux loops
// until a signal is pending; a short read is allowed for a character device).
inline constexpr size_t kMaxDeviceRead = size_t{16} << 20;

class MemDevice final : public vfs::FileDescription {
 public:
  // An open `kind` device with open(2) `flags`, at guest `path`, reporting `stat`.
  MemDevice(MemDeviceKind kind, uint32_t flags, std::string path, const abi::linux::Stat& stat);

  // null: end of file. zero, full: zeros. random, urandom: random bytes.
  Result<size_t> Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) override;
  // null, zero: consumes everything without reading guest memory. full: ENOSPC.
  // random, urandom: reads the bytes (EFAULT applies) and discards them; the host's
  // pool is not ours to stir.
  Result<size_t> Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) override;
  // Returns 0 whatever is asked, as Linux's null_lseek (the random devices keep no
  // offset either).
  Result<uint64_t> Seek(int64_t offset, int whence) override;
  Result<size_t> PRead(std::span<std::byte> dst, uint64_t offset) override;
  // The inode's attributes once opened through /dev; `stat` before.
  Result<abi::linux::Stat> Stat() override {
    return inode() != nullptr ? FileDescription::Stat() : Result<abi::linux::Stat>(stat_);
  }
  std::string Name() const override { return path(); }
  std::string path() const override {
    return location().ok() ? FileDescription::path() : path_;
  }

  MemDeviceKind kind() const { return kind_; }

 private:
  // Fills `buf` with what a read of this device returns.
  Result<void> Fill(std::span<std::byte> buf);

  const MemDeviceKind kind_;
  const std::string path_;
  const abi::linux::Stat stat_;
};

}  // namespace kekkai::fs::dev

#endif  // KEKKAI_FS_DEV_MEM_DEVICE_H_

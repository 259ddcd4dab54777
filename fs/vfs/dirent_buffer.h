// DirentBuffer: getdents64(2) records (struct linux_dirent64) built in a bounded
// sentry buffer, for every directory the VFS serves.
#ifndef KEKKAI_FS_VFS_DIRENT_BUFFER_H_
#define KEKKAI_FS_VFS_DIRENT_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace kekkai::fs::vfs {

// The fixed part of a linux_dirent64: d_ino, d_off, d_reclen, d_type (19 bytes); the
// NUL-terminated name follows and the record is padded to 8 bytes.
inline constexpr size_t kDirentHeaderSize = 19;
// Bounds the bytes one getdents64 call builds, whatever the guest's buffer size.
inline constexpr size_t kMaxGetdentsBytes = 64 << 10;

// The d_type values of linux_dirent64 (DT_*).
inline constexpr uint8_t kDtUnknown = 0, kDtFifo = 1, kDtChr = 2, kDtDir = 4, kDtBlk = 6,
                         kDtReg = 8, kDtLnk = 10, kDtSock = 12;

// Returns the d_type of a file of st_mode `mode`.
uint8_t DirentType(uint32_t mode);

// Returns the size of the record for a name of `name_len` bytes.
constexpr size_t DirentRecordSize(size_t name_len) {
  return (kDirentHeaderSize + name_len + 1 + 7) & ~size_t{7};
}

class DirentBuffer {
 public:
  // A buffer that holds at most `capacity` bytes of records.
  explicit DirentBuffer(size_t capacity);

  // Appends one record; returns false, appending nothing, when it doesn't fit.
  // `off` is the directory offset just after this entry (what lseek takes to resume).
  bool Append(uint64_t ino, int64_t off, uint8_t type, std::string_view name);
  std::span<const std::byte> bytes() const { return buf_; }
  bool empty() const { return buf_.empty(); }

 private:
  size_t capacity_;
  std::vector<std::byte> buf_;
};

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_DIRENT_BUFFER_H_

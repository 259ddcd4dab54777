// Mappable: what a file offers to mmap(2). The memory manager copies a private
// file page into the MemoryFile on first touch by reading it through ReadAt.
// Knows no Task, file description or kernel.
#ifndef KEKKAI_SENTRY_MEMMAP_MAPPABLE_H_
#define KEKKAI_SENTRY_MEMMAP_MAPPABLE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"

namespace kekkai::sentry::memmap {

class Mappable {
 public:
  virtual ~Mappable() = default;
  // Reads up to dst.size() bytes at `offset` into sentry memory; short at EOF
  // (0 past it). Thread-safe.
  virtual Result<size_t> ReadAt(std::span<std::byte> dst, uint64_t offset) = 0;
  // Returns the file's size now (a fault past the last page is SIGBUS).
  virtual Result<uint64_t> Size() = 0;
  // Identity for /proc/PID/maps: device, inode and the path.
  virtual uint64_t device() const = 0;
  virtual uint64_t inode() const = 0;
  virtual std::string path() const = 0;
};

}  // namespace kekkai::sentry::memmap

#endif  // KEKKAI_SENTRY_MEMMAP_MAPPABLE_H_

// MemoryFile: the one memfd that holds all guest RAM. The sentry maps it whole
// into itself once; platforms map ranges of it into guest address spaces.
// Allocated ranges are reference-counted per page: a range shared by several
// owners (copy-on-write after fork, shared mappings) is freed — its pages
// returned to the host — when the last reference goes.
#ifndef KEKKAI_SENTRY_MM_MEMORY_FILE_H_
#define KEKKAI_SENTRY_MM_MEMORY_FILE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>

#include "base/file_descriptor.h"
#include "base/result.h"

namespace kekkai::sentry::mm {

// A page-aligned range of the MemoryFile.
struct FileRange {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t length() const { return end - start; }
  bool operator==(const FileRange&) const = default;
};

class MemoryFile {
 public:
  // Virtual size of the file: the most guest RAM a sandbox can hold.
  static constexpr uint64_t kDefaultSize = uint64_t{64} << 30;

  // Creates the memfd, sizes it to `size` (sparse) and maps it into the sentry.
  static Result<std::unique_ptr<MemoryFile>> Create(uint64_t size = kDefaultSize);
  ~MemoryFile();

  // Returns the memfd (borrowed); platforms map ranges of it.
  int fd() const { return fd_.get(); }
  uint64_t size() const { return size_; }

  // Allocates `len` bytes (rounded up to pages) of zeroed memory with one reference.
  // ENOMEM when the file is full. Thread-safe.
  Result<FileRange> Allocate(uint64_t len);
  // Adds one reference to every page of `fr` (which must be allocated). Thread-safe.
  void IncRef(FileRange fr);
  // Drops one reference from every page of `fr`; pages reaching zero are freed and
  // their contents discarded (they read as zero when reallocated). Thread-safe.
  void DecRef(FileRange fr);
  // Discards the contents of `fr` (reads as zero afterwards) without freeing it.
  // Thread-safe.
  void Zero(FileRange fr);
  // Returns the reference count of the page at `offset` (0 when it is free).
  // A page with one reference belongs to whoever holds that reference alone, so
  // copy-on-write can reuse it in place. Thread-safe.
  uint64_t RefCount(uint64_t offset) const;

  // Returns the sentry's view of `fr`. The bytes stay valid while `fr` is referenced.
  std::span<std::byte> View(FileRange fr) const;

  // Returns the bytes allocated and referenced now.
  uint64_t usage() const;

 private:
  MemoryFile(FileDescriptor fd, uint64_t size, std::byte* base);
  // Splits the used range that contains `offset` (if any) so one starts there.
  void SplitUsedLocked(uint64_t offset);
  // Merges used ranges with equal counts that touch [start, end].
  void MergeUsedLocked(uint64_t start, uint64_t end);
  // Returns `fr` to the free map, coalescing with its neighbours.
  void FreeLocked(FileRange fr);
  // Punches `fr` out of the memfd so it reads as zero and costs no host memory.
  void Punch(FileRange fr);

  FileDescriptor fd_;
  uint64_t size_;
  std::byte* base_;
  mutable std::mutex mu_;
  // Free ranges, by start -> end, coalesced.
  std::map<uint64_t, uint64_t> free_;
  // Allocated ranges with a uniform reference count: start -> {end, refs}.
  struct Usage {
    uint64_t end;
    uint64_t refs;
  };
  std::map<uint64_t, Usage> used_;
  uint64_t usage_ = 0;
};

}  // namespace kekkai::sentry::mm

#endif  // KEKKAI_SENTRY_MM_MEMORY_FILE_H_

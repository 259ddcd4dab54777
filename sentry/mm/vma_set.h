// VmaSet: the virtual memory areas of one address space — what the guest asked
// for with mmap/brk/mremap — as an ordered, non-overlapping range map, and the
// reference-counted backing object of shared anonymous memory. A file mapping's
// VMA holds the file (memmap::Mappable) and the file offset of its start.
#ifndef KEKKAI_SENTRY_MM_VMA_SET_H_
#define KEKKAI_SENTRY_MM_VMA_SET_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "abi/linux/mman.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/memory_file.h"
#include "sentry/mm/range_set.h"

namespace kekkai::sentry::mm {

// The pages of one shared anonymous mapping (MAP_SHARED|MAP_ANONYMOUS): a
// MemoryFile range allocated at mmap time, so every sharer (split pieces, mremap
// moves, forked children) sees the same pages. Holds one reference to the range
// and drops it when the last VMA lets go. Thread-safe (immutable).
class SharedAnonMemory {
 public:
  // Takes over one reference to `range`.
  SharedAnonMemory(MemoryFile& mf, FileRange range) : mf_(mf), range_(range) {}
  ~SharedAnonMemory() { mf_.DecRef(range_); }
  SharedAnonMemory(const SharedAnonMemory&) = delete;
  SharedAnonMemory& operator=(const SharedAnonMemory&) = delete;

  const FileRange& range() const { return range_; }

 private:
  MemoryFile& mf_;
  FileRange range_;
};

// One virtual memory area.
struct Vma {
  uint64_t start = 0;
  uint64_t end = 0;
  // PROT_READ|PROT_WRITE|PROT_EXEC now, and the most mprotect may grant.
  int prot = abi::linux::kProtNone;
  int max_prot = abi::linux::kProtRead | abi::linux::kProtWrite | abi::linux::kProtExec;
  bool shared = false;        // MAP_SHARED; otherwise private (copy-on-write after fork).
  bool grows_down = false;    // MAP_GROWSDOWN: faults just below it extend it.
  bool dont_fork = false;     // MADV_DONTFORK: a forked child does not get it.
  bool wipe_on_fork = false;  // MADV_WIPEONFORK: a forked child gets it empty.
  // For /proc/PID/maps: "[heap]", "[stack]", a path, or "".
  std::string name;
  // Shared anonymous memory: the backing pages, and the MemoryFile offset that
  // backs `start`. The VMA may extend past the backing (mremap growth); guest
  // accesses there fault with SIGBUS, as beyond the end of a shmem file.
  std::shared_ptr<SharedAnonMemory> backing;
  // A file mapping (never together with `backing`): the file, whose offset
  // `offset` is mapped at `start`. Its pages are copied into the MemoryFile on
  // first touch, or, for a file that shares its pages, are the file's own
  // (copy-on-write under a private VMA); pages wholly past the file's end fault
  // with SIGBUS.
  std::shared_ptr<memmap::Mappable> file;
  // The MemoryFile offset (shared anonymous memory) or file offset (a file
  // mapping) of `start`; 0 otherwise.
  uint64_t offset = 0;

  uint64_t length() const { return end - start; }
  // Returns the MemoryFile offset (shared anonymous memory) or the file offset
  // (a file mapping) of `addr`.
  uint64_t OffsetOf(uint64_t addr) const { return offset + (addr - start); }
  // Returns the end of the part of [start, end) that `backing` covers (start
  // when none of it is).
  uint64_t BackedEnd() const;
  // Drops [start, new_start) from the front.
  void AdvanceStart(uint64_t new_start);
  // Returns whether `next`, which begins at `end`, is the same kind of memory and
  // can be folded into this VMA (as Linux's vma_merge does).
  bool CanMergeWith(const Vma& next) const;
};

class VmaSet : public RangeSet<Vma> {
 public:
  // Returns the highest address `a` such that [a, a+len) lies in [lo, hi) and
  // intersects no VMA, or nullopt.
  std::optional<uint64_t> FindGapTopDown(uint64_t len, uint64_t lo, uint64_t hi) const;
};

}  // namespace kekkai::sentry::mm

#endif  // KEKKAI_SENTRY_MM_VMA_SET_H_

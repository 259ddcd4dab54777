// PmaSet: the mapped ranges of one address space — which MemoryFile pages back
// which guest pages — as an ordered, non-overlapping range map. Each PMA holds
// one MemoryFile reference on every page it covers.
#ifndef KEKKAI_SENTRY_MM_PMA_SET_H_
#define KEKKAI_SENTRY_MM_PMA_SET_H_

#include <cstdint>

#include "sentry/mm/memory_file.h"
#include "sentry/mm/range_set.h"

namespace kekkai::sentry::mm {

// One mapped range: guest [start, end) is backed by MemoryFile
// [file_offset, file_offset + end - start).
struct Pma {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t file_offset = 0;
  // The pages are private to this address space's VMA but may be shared with
  // another address space (after fork): a write must copy them first (or take
  // them over when the other side has let go). Never set under a shared VMA.
  bool needs_cow = false;
  // The platform AddressSpace maps this range with the protections the mapping
  // policy gives it now. Unmapped PMAs (fork children, pages backed by CopyOut,
  // PROT_NONE) are mapped by the next fault that reaches them.
  bool mapped = false;

  uint64_t length() const { return end - start; }
  FileRange file_range() const { return {file_offset, file_offset + length()}; }
  // Returns the MemoryFile offset backing `addr`.
  uint64_t OffsetOf(uint64_t addr) const { return file_offset + (addr - start); }
  // Drops [start, new_start) from the front.
  void AdvanceStart(uint64_t new_start) {
    file_offset += new_start - start;
    start = new_start;
  }
  // Returns whether `next`, which begins at `end`, continues this range's file
  // pages with the same state.
  bool CanMergeWith(const Pma& next) const {
    return OffsetOf(end) == next.file_offset && needs_cow == next.needs_cow &&
           mapped == next.mapped;
  }
};

class PmaSet : public RangeSet<Pma> {
 public:
  // Returns the bytes of MemoryFile the set references.
  uint64_t TotalBytes() const;
};

}  // namespace kekkai::sentry::mm

#endif  // KEKKAI_SENTRY_MM_PMA_SET_H_

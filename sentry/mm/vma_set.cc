#include "sentry/mm/vma_set.h"

#include <algorithm>
#include <iterator>

namespace kekkai::sentry::mm {

uint64_t Vma::BackedEnd() const {
  if (!backing) return start;
  const FileRange& r = backing->range();
  if (offset < r.start || offset >= r.end) return start;
  return start + std::min(length(), r.end - offset);
}

void Vma::AdvanceStart(uint64_t new_start) {
  offset += new_start - start;
  start = new_start;
}

bool Vma::CanMergeWith(const Vma& next) const {
  if (prot != next.prot || max_prot != next.max_prot || shared != next.shared ||
      grows_down != next.grows_down || dont_fork != next.dont_fork ||
      wipe_on_fork != next.wipe_on_fork || name != next.name || backing != next.backing ||
      file != next.file) {
    return false;
  }
  // Pieces of one shared object or file merge only where its pages continue.
  return (!backing && !file) || OffsetOf(end) == next.offset;
}

std::optional<uint64_t> VmaSet::FindGapTopDown(uint64_t len, uint64_t lo, uint64_t hi) const {
  if (len == 0 || hi < lo || hi - lo < len) return std::nullopt;
  // `it` is the VMA just above the gap being looked at; `gap_end` the gap's top.
  const_iterator it = LowerBound(hi);
  uint64_t gap_end = (it != end() && it->second.start < hi) ? it->second.start : hi;
  while (gap_end > lo) {
    uint64_t gap_start = lo;
    if (it != begin()) gap_start = std::max(lo, std::prev(it)->second.end);
    if (gap_end >= gap_start && gap_end - gap_start >= len) return gap_end - len;
    if (it == begin()) break;
    --it;
    gap_end = it->second.start;
  }
  return std::nullopt;
}

}  // namespace kekkai::sentry::mm

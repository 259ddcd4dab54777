// RangeSet: an ordered map of non-overlapping [start, end) segments with the
// split, merge, insert, remove-range, find and gap operations that the VMA and
// PMA sets share. Not thread-safe: the MemoryManager's lock guards its sets.
#ifndef KEKKAI_SENTRY_MM_RANGE_SET_H_
#define KEKKAI_SENTRY_MM_RANGE_SET_H_

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <utility>
#include <vector>

#include "base/logging.h"

namespace kekkai::sentry::mm {

// A half-open address range.
struct AddrRange {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t length() const { return end - start; }
  bool operator==(const AddrRange&) const = default;
};

// A segment: [start, end) plus a value. AdvanceStart(a) drops [start, a) from its
// front, adjusting anything that is an offset of `start` (a file offset);
// CanMergeWith(next) says whether `next`, which begins where this one ends, can
// be folded into it. Shrinking `end` never needs an adjustment.
template <typename S>
concept Segment = requires(S s, const S& cs, uint64_t a) {
  { cs.start } -> std::convertible_to<uint64_t>;
  { cs.end } -> std::convertible_to<uint64_t>;
  s.AdvanceStart(a);
  { cs.CanMergeWith(cs) } -> std::same_as<bool>;
};

// Holds segments keyed by their start. A segment's `start` and `end` must only be
// changed through these methods (a segment's value may be changed in place).
template <Segment S>
class RangeSet {
 public:
  using Map = std::map<uint64_t, S>;
  using iterator = typename Map::iterator;
  using const_iterator = typename Map::const_iterator;

  size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  iterator begin() { return map_.begin(); }
  iterator end() { return map_.end(); }
  const_iterator begin() const { return map_.begin(); }
  const_iterator end() const { return map_.end(); }

  // Returns the segment containing `addr`, or end().
  iterator Find(uint64_t addr) {
    iterator it = LowerBound(addr);
    return (it != map_.end() && it->second.start <= addr) ? it : map_.end();
  }
  const_iterator Find(uint64_t addr) const {
    const_iterator it = LowerBound(addr);
    return (it != map_.end() && it->second.start <= addr) ? it : map_.end();
  }

  // Returns the first segment that ends after `addr`: the one containing it, or
  // the first one above it.
  iterator LowerBound(uint64_t addr) {
    iterator it = map_.upper_bound(addr);
    if (it != map_.begin() && std::prev(it)->second.end > addr) return std::prev(it);
    return it;
  }
  const_iterator LowerBound(uint64_t addr) const {
    const_iterator it = map_.upper_bound(addr);
    if (it != map_.begin() && std::prev(it)->second.end > addr) return std::prev(it);
    return it;
  }

  // Returns whether any segment intersects [start, end).
  bool Intersects(uint64_t start, uint64_t end) const {
    const_iterator it = LowerBound(start);
    return it != map_.end() && it->second.start < end;
  }

  // Returns whether segments cover every address of [start, end).
  bool Covers(uint64_t start, uint64_t end) const {
    uint64_t cur = start;
    for (const_iterator it = LowerBound(start); cur < end; ++it) {
      if (it == map_.end() || it->second.start > cur) return false;
      cur = it->second.end;
    }
    return true;
  }

  // Returns the sub-ranges of [start, end) that no segment covers, in order.
  std::vector<AddrRange> Gaps(uint64_t start, uint64_t end) const {
    std::vector<AddrRange> gaps;
    uint64_t cur = start;
    for (const_iterator it = LowerBound(start); cur < end; ++it) {
      uint64_t next = (it == map_.end()) ? end : std::min(it->second.start, end);
      if (next > cur) gaps.push_back({cur, next});
      if (it == map_.end()) break;
      cur = std::max(cur, it->second.end);
    }
    return gaps;
  }

  // Splits the segment containing `addr` (if `addr` is strictly inside it) so that
  // a segment starts at `addr`. Returns LowerBound(addr) afterwards.
  iterator SplitAt(uint64_t addr) {
    iterator it = Find(addr);
    if (it == map_.end()) return LowerBound(addr);
    if (it->second.start == addr) return it;
    S right = it->second;
    right.AdvanceStart(addr);
    it->second.end = addr;
    return map_.emplace_hint(std::next(it), addr, std::move(right));
  }

  // Splits segments so that none crosses `start` or `end`; returns the segments
  // that lie within [start, end) as [first, last).
  std::pair<iterator, iterator> Isolate(uint64_t start, uint64_t end) {
    SplitAt(end);
    iterator first = SplitAt(start);
    iterator last = LowerBound(end);
    return {first, last};
  }

  // Inserts `s`, which must be non-empty and overlap no segment. Does not merge.
  iterator Insert(S s) {
    if (s.start >= s.end) LOG(FATAL) << "empty segment";
    if (Intersects(s.start, s.end)) LOG(FATAL) << "overlapping segment at " << s.start;
    uint64_t key = s.start;
    return map_.emplace(key, std::move(s)).first;
  }

  // Removes `it`; returns the segment after it.
  iterator Erase(iterator it) { return map_.erase(it); }

  // Removes [start, end) from the set, splitting segments at the edges. Returns
  // the removed pieces in address order.
  std::vector<S> RemoveRange(uint64_t start, uint64_t end) {
    std::vector<S> removed;
    if (start >= end) return removed;
    auto [it, last] = Isolate(start, end);
    while (it != last) {
      removed.push_back(std::move(it->second));
      it = map_.erase(it);
    }
    return removed;
  }

  // Merges every pair of adjacent, compatible segments where either member
  // intersects [start, end] (so the neighbours at both edges are considered).
  void MergeRange(uint64_t start, uint64_t end) {
    iterator it = LowerBound(start);
    if (it != map_.begin()) --it;
    while (it != map_.end() && it->second.start <= end) {
      iterator next = std::next(it);
      if (next != map_.end() && next->second.start == it->second.end &&
          it->second.CanMergeWith(next->second)) {
        it->second.end = next->second.end;
        map_.erase(next);
        continue;
      }
      it = next;
    }
  }

  // Moves the start of `it` down to `new_start`, which must not reach into the
  // previous segment. The caller keeps the segment's offsets consistent (only
  // segments without offsets may grow down). Returns the re-keyed segment.
  iterator ExtendStartDown(iterator it, uint64_t new_start) {
    if (new_start > it->second.start) LOG(FATAL) << "ExtendStartDown must not shrink";
    if (it != map_.begin() && std::prev(it)->second.end > new_start) LOG(FATAL) << "overlap";
    auto node = map_.extract(it);
    node.key() = new_start;
    node.mapped().start = new_start;
    return map_.insert(std::move(node)).position;
  }

  // Moves the end of `it` up to `new_end`, which must not reach into the next
  // segment.
  void ExtendEnd(iterator it, uint64_t new_end) {
    if (new_end < it->second.end) LOG(FATAL) << "ExtendEnd must not shrink";
    iterator next = std::next(it);
    if (next != map_.end() && next->second.start < new_end) LOG(FATAL) << "overlap";
    it->second.end = new_end;
  }

 private:
  Map map_;
};

}  // namespace kekkai::sentry::mm

#endif  // KEKKAI_SENTRY_MM_RANGE_SET_H_

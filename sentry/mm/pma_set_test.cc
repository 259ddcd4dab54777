#include "sentry/mm/pma_set.h"

#include <gtest/gtest.h>

#include <vector>

#include "abi/linux/guest_addr.h"

namespace kekkai::sentry::mm {
namespace {

constexpr uint64_t P = kPageSize;

Pma MakePma(uint64_t start, uint64_t end, uint64_t file_offset, bool needs_cow = false,
            bool mapped = false) {
  Pma p;
  p.start = start;
  p.end = end;
  p.file_offset = file_offset;
  p.needs_cow = needs_cow;
  p.mapped = mapped;
  return p;
}

struct Piece {
  uint64_t start, end, file_offset;
  bool operator==(const Piece&) const = default;
};

std::vector<Piece> Pieces(const PmaSet& s) {
  std::vector<Piece> out;
  for (const auto& [start, p] : s) out.push_back({p.start, p.end, p.file_offset});
  return out;
}

TEST(PmaSetTest, SplitAdjustsFileOffset) {
  PmaSet s;
  s.Insert(MakePma(10 * P, 20 * P, 100 * P));
  s.SplitAt(13 * P);
  EXPECT_EQ(Pieces(s), (std::vector<Piece>{{10 * P, 13 * P, 100 * P}, {13 * P, 20 * P, 103 * P}}));
  EXPECT_EQ(s.Find(15 * P)->second.OffsetOf(15 * P), 105 * P);
  EXPECT_EQ(s.Find(13 * P)->second.file_range(), (FileRange{103 * P, 110 * P}));
}

TEST(PmaSetTest, MergeNeedsContiguousFilePagesAndSameState) {
  PmaSet s;
  s.Insert(MakePma(10 * P, 12 * P, 100 * P));
  s.Insert(MakePma(12 * P, 14 * P, 102 * P));                      // continues: merges
  s.Insert(MakePma(14 * P, 16 * P, 200 * P));                      // other file pages
  s.Insert(MakePma(16 * P, 18 * P, 202 * P, /*needs_cow=*/true));  // other state
  s.Insert(MakePma(18 * P, 20 * P, 204 * P, /*needs_cow=*/true, /*mapped=*/true));
  s.MergeRange(0, 100 * P);
  EXPECT_EQ(Pieces(s), (std::vector<Piece>{{10 * P, 14 * P, 100 * P},
                                           {14 * P, 16 * P, 200 * P},
                                           {16 * P, 18 * P, 202 * P},
                                           {18 * P, 20 * P, 204 * P}}));
  // Splitting and merging back restores one piece.
  s.SplitAt(11 * P);
  EXPECT_EQ(s.size(), 5u);
  s.MergeRange(11 * P, 11 * P);
  EXPECT_EQ(s.size(), 4u);
}

TEST(PmaSetTest, RemoveRangeReturnsFileRangesOfPieces) {
  PmaSet s;
  s.Insert(MakePma(10 * P, 20 * P, 100 * P));
  std::vector<Pma> removed = s.RemoveRange(12 * P, 15 * P);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].file_range(), (FileRange{102 * P, 105 * P}));
  EXPECT_EQ(Pieces(s), (std::vector<Piece>{{10 * P, 12 * P, 100 * P}, {15 * P, 20 * P, 105 * P}}));
  EXPECT_EQ(s.TotalBytes(), 7 * P);
  EXPECT_EQ(s.Gaps(10 * P, 20 * P), (std::vector<AddrRange>{{12 * P, 15 * P}}));
}

}  // namespace
}  // namespace kekkai::sentry::mm

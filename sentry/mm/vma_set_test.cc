#include "sentry/mm/vma_set.h"

#include <gtest/gtest.h>

#include <vector>

#include "abi/linux/guest_addr.h"

namespace kekkai::sentry::mm {
namespace {

namespace linux = abi::linux;
constexpr uint64_t P = kPageSize;

Vma MakeVma(uint64_t start, uint64_t end, int prot = linux::kProtRead | linux::kProtWrite,
            std::string name = "") {
  Vma v;
  v.start = start;
  v.end = end;
  v.prot = prot;
  v.name = std::move(name);
  return v;
}

std::vector<AddrRange> Ranges(const VmaSet& s) {
  std::vector<AddrRange> out;
  for (const auto& [start, v] : s) {
    EXPECT_EQ(start, v.start);  // keys track starts
    out.push_back({v.start, v.end});
  }
  return out;
}

TEST(VmaSetTest, FindAndLowerBound) {
  VmaSet s;
  s.Insert(MakeVma(10 * P, 20 * P));
  s.Insert(MakeVma(30 * P, 40 * P));
  EXPECT_EQ(s.Find(10 * P)->second.start, 10 * P);
  EXPECT_EQ(s.Find(20 * P - 1)->second.start, 10 * P);
  EXPECT_EQ(s.Find(20 * P), s.end());
  EXPECT_EQ(s.Find(9 * P), s.end());
  EXPECT_EQ(s.LowerBound(25 * P)->second.start, 30 * P);
  EXPECT_EQ(s.LowerBound(15 * P)->second.start, 10 * P);
  EXPECT_EQ(s.LowerBound(40 * P), s.end());
  EXPECT_TRUE(s.Intersects(19 * P, 31 * P));
  EXPECT_FALSE(s.Intersects(20 * P, 30 * P));
  EXPECT_TRUE(s.Covers(12 * P, 20 * P));
  EXPECT_FALSE(s.Covers(12 * P, 21 * P));
  EXPECT_EQ(s.Gaps(5 * P, 45 * P),
            (std::vector<AddrRange>{{5 * P, 10 * P}, {20 * P, 30 * P}, {40 * P, 45 * P}}));
  EXPECT_EQ(s.Gaps(12 * P, 18 * P), std::vector<AddrRange>{});
}

TEST(VmaSetTest, SplitAtKeepsAttributesAndSharedOffset) {
  VmaSet s;
  Vma v = MakeVma(10 * P, 20 * P, linux::kProtRead, "[stack]");
  v.shared = true;
  v.offset = 100 * P;
  s.Insert(v);
  auto it = s.SplitAt(14 * P);
  ASSERT_NE(it, s.end());
  EXPECT_EQ(it->second.start, 14 * P);
  EXPECT_EQ(it->second.end, 20 * P);
  EXPECT_EQ(it->second.offset, 104 * P);
  EXPECT_EQ(it->second.name, "[stack]");
  EXPECT_EQ(it->second.prot, linux::kProtRead);
  EXPECT_EQ(s.Find(10 * P)->second.end, 14 * P);
  EXPECT_EQ(s.Find(10 * P)->second.offset, 100 * P);
  // Splitting at an edge or outside changes nothing.
  s.SplitAt(14 * P);
  s.SplitAt(50 * P);
  EXPECT_EQ(s.size(), 2u);
}

TEST(VmaSetTest, IsolateReturnsPiecesInside) {
  VmaSet s;
  s.Insert(MakeVma(10 * P, 20 * P));
  s.Insert(MakeVma(20 * P, 30 * P, linux::kProtRead));
  auto [first, last] = s.Isolate(15 * P, 25 * P);
  std::vector<AddrRange> inside;
  for (auto it = first; it != last; ++it) inside.push_back({it->second.start, it->second.end});
  EXPECT_EQ(inside, (std::vector<AddrRange>{{15 * P, 20 * P}, {20 * P, 25 * P}}));
  EXPECT_EQ(s.size(), 4u);
}

TEST(VmaSetTest, RemoveRangeSplitsAndReturnsPieces) {
  VmaSet s;
  s.Insert(MakeVma(10 * P, 20 * P));
  s.Insert(MakeVma(25 * P, 30 * P));
  std::vector<Vma> removed = s.RemoveRange(15 * P, 27 * P);
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(removed[0].start, 15 * P);
  EXPECT_EQ(removed[0].end, 20 * P);
  EXPECT_EQ(removed[1].start, 25 * P);
  EXPECT_EQ(removed[1].end, 27 * P);
  EXPECT_EQ(Ranges(s), (std::vector<AddrRange>{{10 * P, 15 * P}, {27 * P, 30 * P}}));
  // Removing the middle of one VMA leaves two.
  s.RemoveRange(11 * P, 12 * P);
  EXPECT_EQ(Ranges(s),
            (std::vector<AddrRange>{{10 * P, 11 * P}, {12 * P, 15 * P}, {27 * P, 30 * P}}));
  EXPECT_TRUE(s.RemoveRange(40 * P, 50 * P).empty());
}

TEST(VmaSetTest, MergeRangeMergesOnlyCompatibleNeighbours) {
  VmaSet s;
  s.Insert(MakeVma(10 * P, 20 * P));
  s.Insert(MakeVma(20 * P, 30 * P));
  s.Insert(MakeVma(30 * P, 40 * P, linux::kProtRead));            // other prot
  s.Insert(MakeVma(40 * P, 50 * P, linux::kProtRead, "[heap]"));  // other name
  s.Insert(MakeVma(51 * P, 60 * P, linux::kProtRead, "[heap]"));  // not adjacent
  s.MergeRange(0, 100 * P);
  EXPECT_EQ(Ranges(s),
            (std::vector<AddrRange>{
                {10 * P, 30 * P}, {30 * P, 40 * P}, {40 * P, 50 * P}, {51 * P, 60 * P}}));
}

TEST(VmaSetTest, MergeRangeReachesEdgeNeighbours) {
  VmaSet s;
  s.Insert(MakeVma(10 * P, 20 * P));
  s.Insert(MakeVma(20 * P, 30 * P));
  s.Insert(MakeVma(30 * P, 40 * P));
  // Merging "around" the middle VMA folds both neighbours in.
  s.MergeRange(20 * P, 30 * P);
  EXPECT_EQ(Ranges(s), (std::vector<AddrRange>{{10 * P, 40 * P}}));
}

TEST(VmaSetTest, SharedPiecesMergeOnlyWhereBackingContinues) {
  auto mf = MemoryFile::Create(64 * P);
  ASSERT_TRUE(mf.ok());
  auto backing = std::make_shared<SharedAnonMemory>(**mf, *(*mf)->Allocate(30 * P));
  auto other = std::make_shared<SharedAnonMemory>(**mf, *(*mf)->Allocate(10 * P));
  auto piece = [&](uint64_t start, uint64_t end, std::shared_ptr<SharedAnonMemory> b,
                   uint64_t offset) {
    Vma v = MakeVma(start, end);
    v.shared = true;
    v.backing = std::move(b);
    v.offset = offset;
    return v;
  };
  const uint64_t base = backing->range().start;
  VmaSet s;
  s.Insert(piece(10 * P, 20 * P, backing, base));
  s.Insert(piece(20 * P, 30 * P, backing, base + 10 * P));       // continues
  s.Insert(piece(30 * P, 40 * P, backing, base + 25 * P));       // skips pages
  s.Insert(piece(40 * P, 50 * P, other, other->range().start));  // other object
  s.MergeRange(0, 100 * P);
  EXPECT_EQ(Ranges(s),
            (std::vector<AddrRange>{{10 * P, 30 * P}, {30 * P, 40 * P}, {40 * P, 50 * P}}));
}

TEST(VmaSetTest, FindGapTopDown) {
  VmaSet s;
  s.Insert(MakeVma(10 * P, 20 * P));
  s.Insert(MakeVma(22 * P, 30 * P));
  s.Insert(MakeVma(35 * P, 40 * P));
  // Highest gap first.
  EXPECT_EQ(s.FindGapTopDown(5 * P, 0, 100 * P), 95 * P);
  EXPECT_EQ(s.FindGapTopDown(5 * P, 0, 40 * P), 30 * P);
  EXPECT_EQ(s.FindGapTopDown(2 * P, 0, 35 * P), 33 * P);
  // hi inside a VMA: the gap below it.
  EXPECT_EQ(s.FindGapTopDown(2 * P, 0, 25 * P), 20 * P);
  EXPECT_EQ(s.FindGapTopDown(3 * P, 0, 25 * P), 7 * P);
  EXPECT_EQ(s.FindGapTopDown(3 * P, 8 * P, 25 * P), std::nullopt);
  EXPECT_EQ(s.FindGapTopDown(10 * P, 0, 40 * P), 0u);
  EXPECT_EQ(s.FindGapTopDown(11 * P, 0, 40 * P), std::nullopt);
  EXPECT_EQ(s.FindGapTopDown(0, 0, 40 * P), std::nullopt);
}

TEST(VmaSetTest, ExtendStartDownAndEnd) {
  VmaSet s;
  s.Insert(MakeVma(10 * P, 20 * P));
  s.Insert(MakeVma(30 * P, 40 * P, linux::kProtRead));
  auto it = s.ExtendStartDown(s.Find(30 * P), 25 * P);
  EXPECT_EQ(it->first, 25 * P);
  EXPECT_EQ(s.Find(26 * P)->second.start, 25 * P);
  s.ExtendEnd(s.Find(10 * P), 25 * P);
  EXPECT_EQ(Ranges(s), (std::vector<AddrRange>{{10 * P, 25 * P}, {25 * P, 40 * P}}));
}

TEST(VmaSetTest, BackedEnd) {
  auto mf = MemoryFile::Create(64 * P);
  ASSERT_TRUE(mf.ok());
  auto fr = (*mf)->Allocate(4 * P);
  ASSERT_TRUE(fr.ok());
  Vma v = MakeVma(10 * P, 20 * P);
  v.shared = true;
  v.backing = std::make_shared<SharedAnonMemory>(**mf, *fr);
  v.offset = fr->start + P;  // the VMA starts one page into the backing
  EXPECT_EQ(v.BackedEnd(), 13 * P);
  v.offset = fr->end;  // past it entirely
  EXPECT_EQ(v.BackedEnd(), 10 * P);
  v.backing.reset();
  EXPECT_EQ((*mf)->usage(), 0u);  // the backing let go of its pages
}

}  // namespace
}  // namespace kekkai::sentry::mm

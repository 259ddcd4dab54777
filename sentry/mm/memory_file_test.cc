#include "sentry/mm/memory_file.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "abi/linux/guest_addr.h"

namespace kekkai::sentry::mm {
namespace {

constexpr uint64_t P = kPageSize;

std::unique_ptr<MemoryFile> NewFile(uint64_t size) {
  auto mf = MemoryFile::Create(size);
  EXPECT_TRUE(mf.ok());
  return std::move(mf).value();
}

bool AllZero(std::span<const std::byte> s) {
  return std::all_of(s.begin(), s.end(), [](std::byte b) { return b == std::byte{0}; });
}

TEST(MemoryFileTest, CreateRejectsZeroSize) {
  auto mf = MemoryFile::Create(0);
  ASSERT_FALSE(mf.ok());
  EXPECT_EQ(mf.error().value(), EINVAL);
}

TEST(MemoryFileTest, AllocateGivesDistinctZeroedPages) {
  auto mf = NewFile(16 * P);
  EXPECT_EQ(mf->size(), 16 * P);
  auto a = mf->Allocate(1);  // rounded up to a page
  auto b = mf->Allocate(3 * P);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->length(), P);
  EXPECT_EQ(b->length(), 3 * P);
  EXPECT_TRUE(IsPageAligned(a->start) && IsPageAligned(b->start));
  EXPECT_TRUE(a->end <= b->start || b->end <= a->start);
  EXPECT_TRUE(AllZero(mf->View(*b)));
  EXPECT_EQ(mf->usage(), 4 * P);
  EXPECT_EQ(mf->RefCount(a->start), 1u);
  EXPECT_EQ(mf->RefCount(b->end), 0u);  // first free page
  auto zero = mf->Allocate(0);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().value(), EINVAL);
}

TEST(MemoryFileTest, AllocateFailsWhenFull) {
  auto mf = NewFile(4 * P);
  ASSERT_TRUE(mf->Allocate(3 * P).ok());
  auto r = mf->Allocate(2 * P);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), ENOMEM);
  EXPECT_TRUE(mf->Allocate(P).ok());
  auto huge = mf->Allocate(UINT64_MAX);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().value(), ENOMEM);
}

TEST(MemoryFileTest, RefCountsArePerPage) {
  auto mf = NewFile(16 * P);
  auto r = mf->Allocate(4 * P);
  ASSERT_TRUE(r.ok());
  mf->IncRef({r->start + P, r->start + 3 * P});
  EXPECT_EQ(mf->RefCount(r->start), 1u);
  EXPECT_EQ(mf->RefCount(r->start + P), 2u);
  EXPECT_EQ(mf->RefCount(r->start + 2 * P), 2u);
  EXPECT_EQ(mf->RefCount(r->start + 3 * P), 1u);
  // Dropping the whole range frees the pages that had one reference only.
  mf->DecRef(*r);
  EXPECT_EQ(mf->RefCount(r->start), 0u);
  EXPECT_EQ(mf->RefCount(r->start + P), 1u);
  EXPECT_EQ(mf->RefCount(r->start + 3 * P), 0u);
  EXPECT_EQ(mf->usage(), 2 * P);
  mf->DecRef({r->start + P, r->start + 3 * P});
  EXPECT_EQ(mf->usage(), 0u);
}

TEST(MemoryFileTest, FreedPagesReadZeroWhenReused) {
  auto mf = NewFile(4 * P);
  auto r = mf->Allocate(4 * P);
  ASSERT_TRUE(r.ok());
  std::span<std::byte> v = mf->View(*r);
  std::fill(v.begin(), v.end(), std::byte{0xab});
  mf->DecRef(*r);
  // The file is full-sized, so the only place to allocate is where the old pages were.
  auto again = mf->Allocate(4 * P);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *r);
  EXPECT_TRUE(AllZero(mf->View(*again)));
}

TEST(MemoryFileTest, FreeRangesCoalesce) {
  auto mf = NewFile(8 * P);
  std::vector<FileRange> pages;
  for (int i = 0; i < 8; ++i) {
    auto r = mf->Allocate(P);
    ASSERT_TRUE(r.ok());
    pages.push_back(*r);
  }
  // Free out of order; only a coalesced free map can satisfy the big request.
  for (int i : {1, 5, 0, 7, 3, 2, 6, 4}) mf->DecRef(pages[i]);
  auto all = mf->Allocate(8 * P);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (FileRange{0, 8 * P}));
}

TEST(MemoryFileTest, PartialDecRefFreesOnlyThatPart) {
  auto mf = NewFile(8 * P);
  auto r = mf->Allocate(4 * P);
  ASSERT_TRUE(r.ok());
  std::span<std::byte> v = mf->View(*r);
  std::fill(v.begin(), v.end(), std::byte{7});
  mf->DecRef({r->start + P, r->start + 2 * P});
  EXPECT_EQ(mf->usage(), 3 * P);
  EXPECT_EQ(mf->View({r->start, r->start + 1})[0], std::byte{7});
  EXPECT_EQ(mf->View({r->start + 2 * P, r->start + 2 * P + 1})[0], std::byte{7});
  // First fit hands the hole out again, zeroed.
  auto hole = mf->Allocate(P);
  ASSERT_TRUE(hole.ok());
  EXPECT_EQ(hole->start, r->start + P);
  EXPECT_TRUE(AllZero(mf->View(*hole)));
}

TEST(MemoryFileTest, ZeroDiscardsContentsButKeepsPages) {
  auto mf = NewFile(4 * P);
  auto r = mf->Allocate(2 * P);
  ASSERT_TRUE(r.ok());
  std::span<std::byte> v = mf->View(*r);
  std::fill(v.begin(), v.end(), std::byte{0x5a});
  mf->Zero({r->start, r->start + P});
  EXPECT_TRUE(AllZero(mf->View({r->start, r->start + P})));
  EXPECT_EQ(mf->View({r->start + P, r->start + P + 1})[0], std::byte{0x5a});
  EXPECT_EQ(mf->RefCount(r->start), 1u);
  EXPECT_EQ(mf->usage(), 2 * P);
}

TEST(MemoryFileTest, OtherMappingsOfTheFdSeeTheSameBytes) {
  // Platforms map ranges of fd() into guests; they must share the sentry's pages.
  auto mf = NewFile(4 * P);
  auto r = mf->Allocate(P);
  ASSERT_TRUE(r.ok());
  void* p =
      mmap(nullptr, P, PROT_READ | PROT_WRITE, MAP_SHARED, mf->fd(), static_cast<off_t>(r->start));
  ASSERT_NE(p, MAP_FAILED);
  static_cast<volatile char*>(p)[10] = 42;
  EXPECT_EQ(mf->View(*r)[10], std::byte{42});
  // Zeroing shows through the other mapping too.
  mf->Zero(*r);
  EXPECT_EQ(static_cast<volatile char*>(p)[10], 0);
  munmap(p, P);
}

TEST(MemoryFileTest, ConcurrentAllocateAndFree) {
  auto mf = NewFile(1024 * P);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&mf, t] {
      std::vector<FileRange> held;
      for (int i = 0; i < 500; ++i) {
        auto r = mf->Allocate((i % 3 + 1) * P);
        ASSERT_TRUE(r.ok());
        // Each owner's pages are its own.
        std::span<std::byte> v = mf->View(*r);
        ASSERT_TRUE(AllZero(v));
        std::fill(v.begin(), v.end(), std::byte(t + 1));
        mf->IncRef(*r);
        mf->DecRef(*r);
        held.push_back(*r);
        if (held.size() > 8) {
          mf->DecRef(held.front());
          held.erase(held.begin());
        }
      }
      for (const FileRange& r : held) mf->DecRef(r);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mf->usage(), 0u);
  auto all = mf->Allocate(1024 * P);
  EXPECT_TRUE(all.ok());
}

}  // namespace
}  // namespace kekkai::sentry::mm

#include "sentry/mm/memory_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "abi/linux/mman.h"
#include "sentry/mm/fake_address_space.h"
#include "sentry/mm/memory_manager_test_fixture.h"

namespace kekkai::sentry::mm {
namespace {

using namespace mm_test;  // NOLINT

// ---------------------------------------------------------------- mmap

TEST_F(MemoryManagerTest, MMapRoundsUpAndPlacesTopDownMergingNeighbours) {
  const uint64_t a = Map(1);
  EXPECT_EQ(a, kMmapBase - P);
  const uint64_t b = Map(2 * P);
  EXPECT_EQ(b, a - 2 * P);
  // Both are private anonymous read-write memory: one VMA, as Linux merges them.
  EXPECT_EQ(mm_->vma_count(), 1u);
  const uint64_t c = Map(P, kR);
  EXPECT_EQ(c, b - P);
  EXPECT_EQ(mm_->vma_count(), 2u);
  EXPECT_EQ(mm_->virtual_bytes(), 4 * P);
  // Nothing is backed until touched.
  EXPECT_EQ(mm_->resident_bytes(), 0u);
  EXPECT_TRUE(as_->calls.empty());
}

TEST_F(MemoryManagerTest, MMapArgumentErrors) {
  MMapOpts o;
  o.prot = kRW;
  EXPECT_EQ(MMapErr(*mm_, o), EINVAL);  // length 0
  o.length = UINT64_MAX;
  EXPECT_EQ(MMapErr(*mm_, o), ENOMEM);
  o.length = kMax + P;
  EXPECT_EQ(MMapErr(*mm_, o), ENOMEM);
  o.length = P;
  o.fixed = true;
  o.addr = kX + 1;
  EXPECT_EQ(MMapErr(*mm_, o), EINVAL);
  o.addr = 0x1000;  // below vm.mmap_min_addr
  EXPECT_EQ(MMapErr(*mm_, o), EPERM);
  o.addr = kMax;
  EXPECT_EQ(MMapErr(*mm_, o), ENOMEM);
  o.addr = kMax - P;
  EXPECT_EQ(MMapErr(*mm_, o), 0);
  EXPECT_EQ(mm_->vma_count(), 1u);
}

TEST_F(MemoryManagerTest, MMapUsesFreeHintElseSearches) {
  MMapOpts o;
  o.length = 2 * P;
  o.prot = kRW;
  o.addr = kX + 1;  // rounded up to the next page
  auto a = mm_->MMap(o);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(Raw(*a), kX + P);
  // The hint is taken now: the second mapping goes elsewhere and does not overlap.
  auto b = mm_->MMap(o);
  ASSERT_TRUE(b.ok());
  EXPECT_NE(Raw(*b), kX + P);
  EXPECT_TRUE(Raw(*b) + 2 * P <= kX + P || Raw(*b) >= kX + 3 * P);
  // A hint below vm.mmap_min_addr is ignored.
  o.addr = 0x2000;
  auto c = mm_->MMap(o);
  ASSERT_TRUE(c.ok());
  EXPECT_GE(Raw(*c), MemoryManager::kMinUserAddress);
  EXPECT_NE(Raw(*c), 0x2000u);
}

TEST_F(MemoryManagerTest, MMapFixedReplacesExistingMapping) {
  Map(4 * P, kRW, false, kX);
  Write(kX, std::string(4 * P, 'a'));
  for (uint64_t i = 0; i < 4; ++i) EXPECT_EQ(GuestRead(kX + i * P), 'a');
  ASSERT_TRUE(as_->Lookup(kX + P).has_value());
  const uint64_t used = mf_->usage();

  EXPECT_EQ(Map(P, kR, false, kX + P), kX + P);
  EXPECT_EQ(Read(kX + P, 4), std::string(4, '\0'));  // fresh memory
  EXPECT_EQ(Read(kX + 2 * P, 1), "a");
  EXPECT_FALSE(as_->Lookup(kX + P).has_value());  // the old page is gone
  EXPECT_TRUE(as_->Lookup(kX + 2 * P).has_value());
  EXPECT_EQ(mm_->vma_count(), 3u);
  EXPECT_EQ(mf_->usage(), used - P);
  // Replacing it again with compatible memory merges everything back.
  Map(P, kRW, false, kX + P);
  EXPECT_EQ(mm_->vma_count(), 1u);
}

TEST_F(MemoryManagerTest, MMapNoReplace) {
  Map(2 * P, kRW, false, kX);
  Write(kX, "keep");
  MMapOpts o;
  o.length = 4 * P;
  o.prot = kRW;
  o.addr = kX - P;
  o.noreplace = true;
  EXPECT_EQ(MMapErr(*mm_, o), EEXIST);
  EXPECT_EQ(Read(kX, 4), "keep");
  o.addr = kX + 2 * P;
  auto r = mm_->MMap(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Raw(*r), kX + 2 * P);
}

TEST_F(MemoryManagerTest, MMapENOMEMWhenNoGapLeft) {
  const uint64_t min = MemoryManager::kMinUserAddress;
  mm_->SetLayout(min + 8 * P, min + 8 * P);
  EXPECT_EQ(Map(8 * P), min);
  MMapOpts o;
  o.length = P;
  o.prot = kRW;
  EXPECT_EQ(MMapErr(*mm_, o), ENOMEM);
  EXPECT_EQ(mm_->max_address(), min + 8 * P);
}

TEST_F(MemoryManagerTest, MMapFallsBackAboveTheBase) {
  const uint64_t min = MemoryManager::kMinUserAddress;
  mm_->SetLayout(min + 2 * P, min + 10 * P);
  // Only two pages fit below the base.
  EXPECT_EQ(Map(4 * P), min + 6 * P);
  EXPECT_EQ(Map(2 * P), min);
}

TEST_F(MemoryManagerTest, SetLayoutIsClippedToThePlatform) {
  mm_->SetLayout(UINT64_MAX, UINT64_MAX);
  EXPECT_EQ(mm_->max_address(), 0x7ffffffff000u);
}

TEST_F(MemoryManagerTest, MMapPopulateBacksAndMaps) {
  MMapOpts o;
  o.length = 3 * P;
  o.prot = kRW;
  o.populate = true;
  auto r = mm_->MMap(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(mm_->resident_bytes(), 3 * P);
  for (uint64_t i = 0; i < 3; ++i) {
    auto page = as_->Lookup(Raw(*r) + i * P);
    ASSERT_TRUE(page.has_value());
    EXPECT_EQ(page->access, AccessType::ReadWrite());
  }
}

TEST_F(MemoryManagerTest, SharedAnonymousMemoryIsAllocatedAtMmap) {
  const uint64_t a = Map(4 * P, kRW, /*shared=*/true);
  EXPECT_EQ(mf_->usage(), 4 * P);
  EXPECT_NE(mm_->MapsText().find("rw-s"), std::string::npos);
  EXPECT_NE(mm_->MapsText().find("/dev/zero (deleted)"), std::string::npos);
  ASSERT_TRUE(mm_->MUnmap(GuestAddr(a), 4 * P).ok());
  EXPECT_EQ(mf_->usage(), 0u);
}

// ---------------------------------------------------------------- munmap

TEST_F(MemoryManagerTest, MUnmapArgumentErrors) {
  Map(2 * P, kRW, false, kX);
  EXPECT_EQ(mm_->MUnmap(GuestAddr(kX + 1), P).error().value(), EINVAL);
  EXPECT_EQ(mm_->MUnmap(GuestAddr(kX), 0).error().value(), EINVAL);
  EXPECT_EQ(mm_->MUnmap(GuestAddr(kX), UINT64_MAX).error().value(), EINVAL);
  EXPECT_EQ(mm_->MUnmap(GuestAddr(kMax - P), 2 * P).error().value(), EINVAL);
  // Holes are fine.
  EXPECT_TRUE(mm_->MUnmap(GuestAddr(kX - 4 * P), 16 * P).ok());
  EXPECT_EQ(mm_->vma_count(), 0u);
}

TEST_F(MemoryManagerTest, MUnmapSplitsAndReleasesPages) {
  Map(8 * P, kRW, false, kX);
  for (uint64_t i = 0; i < 8; ++i) Write(kX + i * P, std::string(1, static_cast<char>('0' + i)));
  for (uint64_t i = 0; i < 8; ++i) GuestRead(kX + i * P);  // mapped in the platform
  const uint64_t used = mf_->usage();
  const int flushes = as_->flushes;

  ASSERT_TRUE(mm_->MUnmap(GuestAddr(kX + 2 * P), 2 * P - 100).ok());  // length rounds up
  EXPECT_EQ(mm_->vma_count(), 2u);
  EXPECT_EQ(Read(kX + P, 1), "1");
  EXPECT_EQ(Read(kX + 4 * P, 1), "4");
  EXPECT_EQ(CopyInErr(*mm_, kX + 2 * P, 1), EFAULT);
  EXPECT_EQ(mm_->HandleFault(kX + 3 * P, kRead), FaultError::kMapErr);
  EXPECT_FALSE(as_->Lookup(kX + 2 * P).has_value());
  EXPECT_FALSE(as_->Lookup(kX + 3 * P).has_value());
  EXPECT_TRUE(as_->Lookup(kX + 4 * P).has_value());
  const auto& last = as_->calls.back();
  EXPECT_EQ(last.kind, FakeAddressSpace::Call::kUnmap);
  EXPECT_EQ(last.addr, kX + 2 * P);
  EXPECT_EQ(last.len, 2 * P);
  EXPECT_GT(as_->flushes, flushes);  // before the pages were freed
  EXPECT_EQ(mf_->usage(), used - 2 * P);
}

TEST_F(MemoryManagerTest, PagesAreKeptWhileThePlatformCannotFlush) {
  Map(4 * P, kRW, false, kX);
  Write(kX, std::string(4 * P, 'f'));
  GuestRead(kX);
  const uint64_t used = mf_->usage();
  as_->fail_flush = true;
  ASSERT_TRUE(mm_->MUnmap(GuestAddr(kX), 2 * P).ok());
  // The platform may still map them, so nobody else may get them yet.
  EXPECT_EQ(mf_->usage(), used);
  as_->fail_flush = false;
  ASSERT_TRUE(mm_->MUnmap(GuestAddr(kX + 3 * P), P).ok());
  EXPECT_EQ(mf_->usage(), used - 3 * P);
}

// ---------------------------------------------------------------- mprotect

TEST_F(MemoryManagerTest, MProtectArgumentErrors) {
  Map(2 * P, kRW, false, kX);
  EXPECT_EQ(mm_->MProtect(GuestAddr(kX + 1), P, kR).error().value(), EINVAL);
  EXPECT_EQ(mm_->MProtect(GuestAddr(kX), P, 0x40).error().value(), EINVAL);
  EXPECT_EQ(mm_->MProtect(GuestAddr(kX), P, kR | linux::kProtGrowsdown | linux::kProtGrowsup)
                .error()
                .value(),
            EINVAL);
  EXPECT_TRUE(mm_->MProtect(GuestAddr(kX), 0, kR).ok());
  EXPECT_EQ(mm_->MProtect(GuestAddr(kX), UINT64_MAX, kR).error().value(), ENOMEM);
  // GROWSDOWN needs a MAP_GROWSDOWN mapping.
  EXPECT_EQ(mm_->MProtect(GuestAddr(kX), P, kR | linux::kProtGrowsdown).error().value(), EINVAL);
}

TEST_F(MemoryManagerTest, MProtectWithHoleFailsAndAppliesNothing) {
  Map(2 * P, kRW, false, kX);
  Map(2 * P, kRW, false, kX + 3 * P);
  EXPECT_EQ(mm_->MProtect(GuestAddr(kX), 5 * P, kR).error().value(), ENOMEM);
  EXPECT_EQ(CopyOutErr(*mm_, kX, 1), 0);  // still writable
  EXPECT_EQ(CopyOutErr(*mm_, kX + 4 * P, 1), 0);
  EXPECT_EQ(mm_->vma_count(), 2u);
}

TEST_F(MemoryManagerTest, MProtectSplitsAndRemapsMappedPages) {
  Map(4 * P, kRW, false, kX);
  for (uint64_t i = 0; i < 4; ++i) ASSERT_EQ(GuestWrite(kX + i * P, 'w'), FaultError::kNone);
  ASSERT_TRUE(mm_->MProtect(GuestAddr(kX + P), 2 * P, kR).ok());
  EXPECT_EQ(mm_->vma_count(), 3u);
  EXPECT_EQ(as_->Lookup(kX)->access, AccessType::ReadWrite());
  EXPECT_EQ(as_->Lookup(kX + P)->access, AccessType::ReadOnly());
  EXPECT_EQ(as_->Lookup(kX + 2 * P)->access, AccessType::ReadOnly());
  EXPECT_EQ(as_->Lookup(kX + 3 * P)->access, AccessType::ReadWrite());
  EXPECT_EQ(CopyOutErr(*mm_, kX + P, 1), EFAULT);
  EXPECT_EQ(Read(kX + P, 1), "w");
  EXPECT_EQ(GuestWrite(kX + 2 * P, 'x'), FaultError::kAccErr);
  // Restoring the protection merges the VMAs back.
  ASSERT_TRUE(mm_->MProtect(GuestAddr(kX + P), 2 * P, kRW).ok());
  EXPECT_EQ(mm_->vma_count(), 1u);
  EXPECT_EQ(as_->Lookup(kX + P)->access, AccessType::ReadWrite());
  EXPECT_EQ(GuestWrite(kX + 2 * P, 'x'), FaultError::kNone);
}

TEST_F(MemoryManagerTest, MProtectNoneUnmapsButKeepsContents) {
  Map(2 * P, kRW, false, kX);
  Write(kX, "hello");
  GuestRead(kX);
  ASSERT_TRUE(as_->Lookup(kX).has_value());
  ASSERT_TRUE(mm_->MProtect(GuestAddr(kX), 2 * P, linux::kProtNone).ok());
  EXPECT_FALSE(as_->Lookup(kX).has_value());
  EXPECT_EQ(mm_->HandleFault(kX, kRead), FaultError::kAccErr);
  EXPECT_EQ(CopyInErr(*mm_, kX, 1), EFAULT);
  EXPECT_NE(mm_->MapsText().find("---p"), std::string::npos);
  ASSERT_TRUE(mm_->MProtect(GuestAddr(kX), 2 * P, kRW).ok());
  EXPECT_EQ(Read(kX, 5), "hello");
  EXPECT_EQ(GuestRead(kX + 1), 'e');
}

TEST_F(MemoryManagerTest, MProtectGrowsDownReachesTheVmaStart) {
  MMapOpts o;
  o.length = 4 * P;
  o.prot = kRW;
  o.addr = kX;
  o.fixed = true;
  o.grows_down = true;
  ASSERT_TRUE(mm_->MMap(o).ok());
  ASSERT_TRUE(mm_->MProtect(GuestAddr(kX + 2 * P), P, kR | linux::kProtGrowsdown).ok());
  EXPECT_EQ(CopyOutErr(*mm_, kX, 1), EFAULT);
  EXPECT_EQ(CopyOutErr(*mm_, kX + 2 * P, 1), EFAULT);
  EXPECT_EQ(CopyOutErr(*mm_, kX + 3 * P, 1), 0);
}

// ---------------------------------------------------------------- mremap

TEST_F(MemoryManagerTest, MRemapShrinksInPlace) {
  Map(4 * P, kRW, false, kX);
  Write(kX, "data");
  auto r = mm_->MRemap(GuestAddr(kX), 4 * P, 2 * P, 0, GuestAddr(0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Raw(*r), kX);
  EXPECT_EQ(Read(kX, 4), "data");
  EXPECT_EQ(CopyInErr(*mm_, kX + 2 * P, 1), EFAULT);
  EXPECT_EQ(mm_->virtual_bytes(), 2 * P);
}

TEST_F(MemoryManagerTest, MRemapGrowsInPlaceWhenFree) {
  Map(2 * P, kRW, false, kX);
  Write(kX + P, "tail");
  auto r = mm_->MRemap(GuestAddr(kX), 2 * P, 4 * P, 0, GuestAddr(0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Raw(*r), kX);
  EXPECT_EQ(Read(kX + P, 4), "tail");
  EXPECT_EQ(Read(kX + 3 * P, 4), std::string(4, '\0'));
  EXPECT_EQ(mm_->vma_count(), 1u);
  EXPECT_EQ(mm_->virtual_bytes(), 4 * P);
}

TEST_F(MemoryManagerTest, MRemapMovesPagesWithoutCopying) {
  Map(2 * P, kRW, false, kX);
  Map(P, kR, false, kX + 2 * P);  // blocks growth in place
  Write(kX, "first");
  Write(kX + P, "second");
  GuestRead(kX);
  GuestRead(kX + P);
  const uint64_t off0 = as_->Lookup(kX)->offset;
  const uint64_t off1 = as_->Lookup(kX + P)->offset;
  const uint64_t used = mf_->usage();

  auto no_move = mm_->MRemap(GuestAddr(kX), 2 * P, 4 * P, 0, GuestAddr(0));
  ASSERT_FALSE(no_move.ok());
  EXPECT_EQ(no_move.error().value(), ENOMEM);

  auto r = mm_->MRemap(GuestAddr(kX), 2 * P, 4 * P, linux::kMremapMaymove, GuestAddr(0));
  ASSERT_TRUE(r.ok());
  const uint64_t y = Raw(*r);
  EXPECT_NE(y, kX);
  EXPECT_EQ(Read(y, 5), "first");
  EXPECT_EQ(Read(y + P, 6), "second");
  EXPECT_EQ(Read(y + 2 * P, 2), std::string(2, '\0'));
  // The platform maps the same MemoryFile pages at the new address.
  ASSERT_TRUE(as_->Lookup(y).has_value());
  EXPECT_EQ(as_->Lookup(y)->offset, off0);
  EXPECT_EQ(as_->Lookup(y + P)->offset, off1);
  EXPECT_EQ(GuestRead(y + 1), 'i');
  EXPECT_FALSE(as_->Lookup(kX).has_value());
  EXPECT_EQ(CopyInErr(*mm_, kX, 1), EFAULT);
  EXPECT_EQ(mf_->usage(), used);
}

TEST_F(MemoryManagerTest, MRemapFixed) {
  Map(2 * P, kRW, false, kX);
  Write(kX, "moved");
  const uint64_t z = kX + 64 * P;
  Map(P, kR, false, z);  // replaced by the move
  auto r = mm_->MRemap(GuestAddr(kX), 2 * P, 2 * P, linux::kMremapMaymove | linux::kMremapFixed,
                       GuestAddr(z));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Raw(*r), z);
  EXPECT_EQ(Read(z, 5), "moved");
  EXPECT_EQ(CopyOutErr(*mm_, z + P, 1), 0);  // the old read-only mapping is gone
  EXPECT_EQ(CopyInErr(*mm_, kX, 1), EFAULT);
  EXPECT_EQ(mm_->vma_count(), 1u);
}

TEST_F(MemoryManagerTest, MRemapFixedShrinkingMovesOnlyTheHead) {
  Map(4 * P, kRW, false, kX);
  Write(kX, "head");
  Write(kX + 3 * P, "tail");
  const uint64_t z = kX + 64 * P;
  auto r = mm_->MRemap(GuestAddr(kX), 4 * P, P, linux::kMremapMaymove | linux::kMremapFixed,
                       GuestAddr(z));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Read(z, 4), "head");
  EXPECT_EQ(CopyInErr(*mm_, z + P, 1), EFAULT);
  EXPECT_EQ(mm_->vma_count(), 1u);
  EXPECT_EQ(mm_->virtual_bytes(), P);
}

TEST_F(MemoryManagerTest, MRemapErrors) {
  Map(2 * P, kRW, false, kX);
  auto err = [&](uint64_t old_addr, uint64_t old_size, uint64_t new_size, int flags,
                 uint64_t new_addr) {
    auto r = mm_->MRemap(GuestAddr(old_addr), old_size, new_size, flags, GuestAddr(new_addr));
    return r.ok() ? 0 : r.error().value();
  };
  const int kMove = linux::kMremapMaymove;
  const int kFixed = linux::kMremapFixed;
  EXPECT_EQ(err(kX, 2 * P, 2 * P, 0x80, 0), EINVAL);                 // unknown flag
  EXPECT_EQ(err(kX, 2 * P, 2 * P, kFixed, kX + 64 * P), EINVAL);     // FIXED without MAYMOVE
  EXPECT_EQ(err(kX + 1, P, P, 0, 0), EINVAL);                        // unaligned
  EXPECT_EQ(err(kX, 2 * P, 0, kMove, 0), EINVAL);                    // new size 0
  EXPECT_EQ(err(kX, 0, P, kMove, 0), EINVAL);                        // duplication
  EXPECT_EQ(err(kX - 16 * P, P, 2 * P, kMove, 0), EFAULT);           // nothing there
  EXPECT_EQ(err(kX, 3 * P, 4 * P, kMove, 0), EFAULT);                // past the VMA
  EXPECT_EQ(err(kX, 2 * P, 2 * P, kMove | kFixed, kX + P), EINVAL);  // overlap
  EXPECT_EQ(err(kX, 2 * P, 2 * P, kMove | kFixed, kX + 64 * P + 1), EINVAL);
  EXPECT_EQ(err(kX, 2 * P, 3 * P, kMove | linux::kMremapDontunmap, 0), EINVAL);
  EXPECT_EQ(mm_->vma_count(), 1u);
}

TEST_F(MemoryManagerTest, MRemapDontUnmapLeavesAnEmptyMapping) {
  Map(2 * P, kRW, false, kX);
  Write(kX, "payload");
  auto r = mm_->MRemap(GuestAddr(kX), 2 * P, 2 * P, linux::kMremapMaymove | linux::kMremapDontunmap,
                       GuestAddr(0));
  ASSERT_TRUE(r.ok());
  EXPECT_NE(Raw(*r), kX);
  EXPECT_EQ(Read(Raw(*r), 7), "payload");
  EXPECT_EQ(Read(kX, 7), std::string(7, '\0'));
  EXPECT_EQ(mm_->vma_count(), 2u);
}

// ---------------------------------------------------------------- madvise

TEST_F(MemoryManagerTest, MAdviseDontneedZeroesPrivateMemory) {
  Map(4 * P, kRW, false, kX);
  Write(kX, std::string(4 * P, 'z'));
  GuestRead(kX);
  ASSERT_TRUE(as_->Lookup(kX).has_value());
  const uint64_t used = mf_->usage();
  ASSERT_TRUE(mm_->MAdvise(GuestAddr(kX), 2 * P, linux::kMadvDontneed).ok());
  EXPECT_FALSE(as_->Lookup(kX).has_value());
  EXPECT_EQ(Read(kX, 2), std::string(2, '\0'));
  EXPECT_EQ(GuestRead(kX + P), '\0');
  EXPECT_EQ(Read(kX + 2 * P, 2), "zz");
  EXPECT_LT(mf_->usage(), used + 2 * P);  // the pages were released (faults may refill)
  EXPECT_EQ(mm_->vma_count(), 1u);
}

TEST_F(MemoryManagerTest, MAdviseDontneedKeepsSharedContents) {
  const uint64_t a = Map(2 * P, kRW, /*shared=*/true);
  Write(a, "shared");
  GuestRead(a);
  ASSERT_TRUE(mm_->MAdvise(GuestAddr(a), 2 * P, linux::kMadvDontneed).ok());
  EXPECT_FALSE(as_->Lookup(a).has_value());
  EXPECT_EQ(Read(a, 6), "shared");
  EXPECT_EQ(GuestRead(a + 1), 'h');
  // MADV_FREE is for private memory only; MADV_REMOVE for shared only.
  EXPECT_EQ(mm_->MAdvise(GuestAddr(a), P, linux::kMadvFree).error().value(), EINVAL);
  ASSERT_TRUE(mm_->MAdvise(GuestAddr(a), P, linux::kMadvRemove).ok());
  EXPECT_EQ(Read(a, 6), std::string(6, '\0'));
  const uint64_t priv = Map(P, kRW);
  EXPECT_EQ(mm_->MAdvise(GuestAddr(priv), P, linux::kMadvRemove).error().value(), EINVAL);
}

TEST_F(MemoryManagerTest, MAdviseArgumentsAndHints) {
  Map(2 * P, kRW, false, kX);
  Write(kX, "x");
  EXPECT_EQ(mm_->MAdvise(GuestAddr(kX), P, 12345).error().value(), EINVAL);
  EXPECT_EQ(mm_->MAdvise(GuestAddr(kX + 1), P, linux::kMadvNormal).error().value(), EINVAL);
  for (int advice :
       {linux::kMadvNormal, linux::kMadvRandom, linux::kMadvSequential, linux::kMadvWillneed,
        linux::kMadvHugepage, linux::kMadvNohugepage, linux::kMadvMergeable, linux::kMadvDontdump,
        linux::kMadvDodump, linux::kMadvDofork}) {
    EXPECT_TRUE(mm_->MAdvise(GuestAddr(kX), 2 * P, advice).ok()) << advice;
  }
  EXPECT_EQ(Read(kX, 1), "x");
  EXPECT_EQ(mm_->vma_count(), 1u);
  // A hole is ENOMEM, but the mapped part is still advised.
  EXPECT_EQ(mm_->MAdvise(GuestAddr(kX), 4 * P, linux::kMadvDontneed).error().value(), ENOMEM);
  EXPECT_EQ(Read(kX, 1), std::string(1, '\0'));
  EXPECT_TRUE(mm_->MAdvise(GuestAddr(kX), 0, linux::kMadvDontneed).ok());
}

// ---------------------------------------------------------------- brk

TEST_F(MemoryManagerTest, BrkGrowsAndShrinksTheHeap) {
  const uint64_t start = 0x555555560000;
  mm_->SetBrkStart(GuestAddr(start - 100));  // rounded up to the page
  EXPECT_EQ(Raw(mm_->Brk(GuestAddr(0))), start);
  EXPECT_EQ(Raw(mm_->Brk(GuestAddr(start - P))), start);  // below the start
  EXPECT_EQ(Raw(mm_->Brk(GuestAddr(start + 3 * P + 5))), start + 3 * P + 5);
  EXPECT_NE(mm_->MapsText().find("[heap]"), std::string::npos);
  EXPECT_EQ(mm_->virtual_bytes(), 4 * P);
  Write(start + 2 * P, "heap");
  Write(start + 4 * P - 1, "e");  // the last byte of the rounded-up break

  EXPECT_EQ(Raw(mm_->Brk(GuestAddr(start + P))), start + P);
  EXPECT_EQ(CopyInErr(*mm_, start + 2 * P, 1), EFAULT);
  EXPECT_EQ(Raw(mm_->Brk(GuestAddr(start + 3 * P))), start + 3 * P);
  EXPECT_EQ(Read(start + 2 * P, 4), std::string(4, '\0'));  // freed pages read zero
  EXPECT_EQ(mm_->vma_count(), 1u);
}

TEST_F(MemoryManagerTest, BrkStopsBeforeMappings) {
  const uint64_t start = 0x555555560000;
  mm_->SetBrkStart(GuestAddr(start));
  Map(P, kRW, false, start + 10 * P);
  // The heap keeps one free page below a mapping.
  EXPECT_EQ(Raw(mm_->Brk(GuestAddr(start + 10 * P))), start);
  EXPECT_EQ(Raw(mm_->Brk(GuestAddr(start + 9 * P))), start + 9 * P);
  EXPECT_EQ(Raw(mm_->Brk(GuestAddr(kMax + P))), start + 9 * P);
}

TEST_F(MemoryManagerTest, BrkBeforeExecDoesNothing) {
  EXPECT_EQ(Raw(mm_->Brk(GuestAddr(kX))), 0u);
  EXPECT_EQ(mm_->vma_count(), 0u);
}

// ---------------------------------------------------------------- faults

TEST_F(MemoryManagerTest, FaultErrors) {
  Map(P, kRW, false, kX);
  Map(P, linux::kProtNone, false, kX + P);
  Map(P, kR, false, kX + 2 * P);
  EXPECT_EQ(mm_->HandleFault(kX - 1, kRead), FaultError::kMapErr);
  EXPECT_EQ(mm_->HandleFault(kMax, kRead), FaultError::kMapErr);
  EXPECT_EQ(mm_->HandleFault(UINT64_MAX, kRead), FaultError::kMapErr);
  EXPECT_EQ(mm_->HandleFault(kX + P, kRead), FaultError::kAccErr);
  EXPECT_EQ(mm_->HandleFault(kX + 2 * P, kWrite), FaultError::kAccErr);
  EXPECT_EQ(mm_->HandleFault(kX, kExec), FaultError::kAccErr);
  EXPECT_EQ(mm_->HandleFault(kX + 2 * P, kRead), FaultError::kNone);
  EXPECT_FALSE(as_->Lookup(kX + P).has_value());  // PROT_NONE is never mapped
  EXPECT_EQ(as_->Lookup(kX + 2 * P)->access, AccessType::ReadOnly());
}

TEST_F(MemoryManagerTest, FaultMapsTheAlignedWindow) {
  Map(64 * P, kRW, false, kX);
  ASSERT_EQ(mm_->HandleFault(kX + 20 * P + 5, kRead), FaultError::kNone);
  std::vector<uint64_t> mapped;
  for (const auto& [addr, page] : as_->pages) mapped.push_back(addr);
  std::vector<uint64_t> want;
  for (uint64_t i = 16; i < 32; ++i) want.push_back(kX + i * P);
  EXPECT_EQ(mapped, want);
  EXPECT_EQ(as_->CountCalls(FakeAddressSpace::Call::kMap), 1u);  // one contiguous run
  EXPECT_EQ(as_->calls[0].access, AccessType::ReadWrite());
  EXPECT_EQ(mm_->resident_bytes(), 16 * P);
}

TEST_F(MemoryManagerTest, FaultWindowIsClippedToTheVma) {
  Map(4 * P, kRW, false, kX + P);
  Map(4 * P, kR, false, kX + 5 * P);
  ASSERT_EQ(mm_->HandleFault(kX + 2 * P, kRead), FaultError::kNone);
  std::vector<uint64_t> mapped;
  for (const auto& [addr, page] : as_->pages) mapped.push_back(addr);
  EXPECT_EQ(mapped, (std::vector<uint64_t>{kX + P, kX + 2 * P, kX + 3 * P, kX + 4 * P}));
}

TEST_F(MemoryManagerTest, FaultWindowKeepsExistingPages) {
  Map(16 * P, kRW, false, kX);
  Write(kX + 5 * P, "z");  // backs page 5 only
  EXPECT_EQ(mm_->resident_bytes(), P);
  EXPECT_TRUE(as_->pages.empty());  // CopyOut maps nothing
  ASSERT_EQ(mm_->HandleFault(kX, kRead), FaultError::kNone);
  EXPECT_EQ(as_->pages.size(), 16u);
  EXPECT_EQ(mm_->resident_bytes(), 16 * P);
  EXPECT_EQ(GuestRead(kX + 5 * P), 'z');
  EXPECT_LE(as_->CountCalls(FakeAddressSpace::Call::kMap), 3u);
}

TEST_F(MemoryManagerTest, WriteToUnmappedPageNeedsOneFault) {
  Map(P, kRW, false, kX);
  ASSERT_EQ(GuestWrite(kX, 'q'), FaultError::kNone);
  EXPECT_EQ(as_->CountCalls(FakeAddressSpace::Call::kMap), 1u);
  EXPECT_EQ(as_->Lookup(kX)->access, AccessType::ReadWrite());
  EXPECT_EQ(Read(kX, 1), "q");
}

TEST_F(MemoryManagerTest, RepeatedFaultWithNothingToDoIsAccErr) {
  Map(P, kR, false, kX);
  ASSERT_EQ(mm_->HandleFault(kX, kRead), FaultError::kNone);
  // A read fault on a page that is mapped readable: maybe a race, so retry once...
  EXPECT_EQ(mm_->HandleFault(kX, kRead), FaultError::kNone);
  // ...but the same fault again means the guest would loop forever.
  EXPECT_EQ(mm_->HandleFault(kX, kRead), FaultError::kAccErr);
  const size_t calls = as_->calls.size();
  EXPECT_EQ(mm_->HandleFault(kX, kRead), FaultError::kNone);  // a new round
  EXPECT_EQ(mm_->HandleFault(kX, kRead), FaultError::kAccErr);
  EXPECT_EQ(as_->calls.size(), calls);
}

TEST_F(MemoryManagerTest, FaultRacingAnotherThreadIsRetried) {
  Map(P, kRW, false, kX);
  ASSERT_EQ(mm_->HandleFault(kX, kRead), FaultError::kNone);
  // Another guest thread that faulted on the page before it was mapped arrives
  // now: it must be let back in, not killed.
  std::thread t([&] { EXPECT_EQ(mm_->HandleFault(kX, kRead), FaultError::kNone); });
  t.join();
  std::thread t2([&] { EXPECT_EQ(mm_->HandleFault(kX, kRead), FaultError::kNone); });
  t2.join();
}

TEST_F(MemoryManagerTest, GrowsDownMappingGrowsOnFault) {
  MMapOpts o;
  o.length = 4 * P;
  o.prot = kRW;
  o.addr = kX + 1024 * P;
  o.fixed = true;
  o.grows_down = true;
  o.name = "[stack]";
  ASSERT_TRUE(mm_->MMap(o).ok());
  ASSERT_EQ(mm_->HandleFault(kX + 1023 * P + 8, kWrite), FaultError::kNone);
  EXPECT_EQ(mm_->virtual_bytes(), 5 * P);
  EXPECT_NE(mm_->MapsText().find("103ff000-10404000 rw-p"), std::string::npos);
  // CopyOut below the stack grows it too (as a kernel-mode fault would).
  EXPECT_EQ(CopyOutErr(*mm_, kX + 1021 * P, 1), 0);
  EXPECT_EQ(mm_->virtual_bytes(), 7 * P);
  // Not past the stack limit...
  mm_->SetStackLimit(8 * P);
  EXPECT_EQ(mm_->HandleFault(kX + 1019 * P, kRead), FaultError::kMapErr);
  EXPECT_EQ(mm_->HandleFault(kX + 1020 * P, kRead), FaultError::kNone);
  // ...nor into the guard gap above another mapping.
  mm_->SetStackLimit(MemoryManager::kDefaultStackLimit);
  Map(P, kRW, false, kX + 600 * P);
  const uint64_t lowest = kX + 601 * P + MemoryManager::kStackGuardGap;
  EXPECT_EQ(mm_->HandleFault(lowest - 1, kRead), FaultError::kMapErr);
  EXPECT_EQ(mm_->HandleFault(lowest, kRead), FaultError::kNone);
  EXPECT_EQ(mm_->vma_count(), 2u);
}

TEST_F(MemoryManagerTest, SharedMemoryGrownPastItsPagesIsBusErr) {
  Map(2 * P, kRW, /*shared=*/true, kX);
  auto r = mm_->MRemap(GuestAddr(kX), 2 * P, 4 * P, 0, GuestAddr(0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(mm_->HandleFault(kX + P, kWrite), FaultError::kNone);
  EXPECT_EQ(mm_->HandleFault(kX + 3 * P, kRead), FaultError::kBusErr);
  EXPECT_EQ(CopyInErr(*mm_, kX + 3 * P, 1), EFAULT);
  // A copy running into the end stops there.
  std::string buf(2 * P, 'b');
  auto n = mm_->CopyOut(GuestAddr(kX + P), std::as_bytes(std::span(buf.data(), buf.size())));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, P);
}

// ---------------------------------------------------------------- CopyIn / CopyOut

TEST_F(MemoryManagerTest, CopyPermissions) {
  Map(P, kR, false, kX);
  Map(P, linux::kProtNone, false, kX + 2 * P);
  Map(P, linux::kProtWrite, false, kX + 4 * P);
  EXPECT_EQ(CopyOutErr(*mm_, kX, 1), EFAULT);  // copy_to_user to read-only memory
  EXPECT_EQ(CopyInErr(*mm_, kX, 1), 0);
  EXPECT_EQ(CopyInErr(*mm_, kX + 2 * P, 1), EFAULT);
  EXPECT_EQ(CopyOutErr(*mm_, kX + 2 * P, 1), EFAULT);
  EXPECT_EQ(CopyOutErr(*mm_, kX + 4 * P, 1), 0);
  EXPECT_EQ(CopyInErr(*mm_, kX + 4 * P, 1), 0);   // x86: writable implies readable
  EXPECT_EQ(CopyInErr(*mm_, kX + P, 1), EFAULT);  // nothing there
}

TEST_F(MemoryManagerTest, PartialCopies) {
  Map(2 * P, kRW, false, kX);
  Map(P, kR, false, kX + 2 * P);
  std::string buf(20, 'p');
  auto out = mm_->CopyOut(GuestAddr(kX + 2 * P - 10), std::as_bytes(std::span(buf.data(), 20)));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, 10u);  // stops at the read-only page
  auto in =
      mm_->CopyIn(GuestAddr(kX + 3 * P - 10), std::as_writable_bytes(std::span(buf.data(), 20)));
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(*in, 10u);  // stops at the end of the mappings
  EXPECT_EQ(CopyOutErr(*mm_, kX + 2 * P, 20), EFAULT);
  EXPECT_EQ(mm_->CopyOutFull(GuestAddr(kX + 2 * P - 10), std::as_bytes(std::span(buf.data(), 20)))
                .error()
                .value(),
            EFAULT);
  auto empty = mm_->CopyIn(GuestAddr(0), std::span<std::byte>());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, 0u);
}

TEST_F(MemoryManagerTest, CopyNearTheTopOfTheAddressSpaceDoesNotOverflow) {
  Map(P, kRW, false, kMax - P);
  EXPECT_EQ(CopyInErr(*mm_, UINT64_MAX - 5, 16), EFAULT);
  EXPECT_EQ(CopyOutErr(*mm_, UINT64_MAX - 5, 16), EFAULT);
  std::string buf(2 * P, 't');
  auto n = mm_->CopyOut(GuestAddr(kMax - 10), std::as_bytes(std::span(buf.data(), buf.size())));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 10u);
}

TEST_F(MemoryManagerTest, ReadingUntouchedMemoryAllocatesNothing) {
  Map(64 * P, kRW, false, kX);
  std::string buf(64 * P, 'x');
  ASSERT_TRUE(mm_->CopyInFull(GuestAddr(kX), std::as_writable_bytes(std::span(buf))).ok());
  EXPECT_EQ(buf, std::string(64 * P, '\0'));
  EXPECT_EQ(mm_->resident_bytes(), 0u);
  EXPECT_EQ(mf_->usage(), 0u);
}

TEST_F(MemoryManagerTest, CopyInStringAcrossPages) {
  Map(2 * P, kRW, false, kX);
  Write(kX + P - 3, std::string("hello\0", 6));
  auto s = mm_->CopyInString(GuestAddr(kX + P - 3), 100);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, "hello");
  // A string ending right before an unmapped page is still read.
  Write(kX + 2 * P - 4, std::string("abc\0", 4));
  auto t = mm_->CopyInString(GuestAddr(kX + 2 * P - 4), 100);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, "abc");
  // No NUL before the end of the mapping.
  Write(kX + 2 * P - 4, "abcd");
  EXPECT_EQ(mm_->CopyInString(GuestAddr(kX + 2 * P - 4), 100).error().value(), EFAULT);
  EXPECT_EQ(mm_->CopyInString(GuestAddr(kX + P - 3), 3).error().value(), ENAMETOOLONG);
}

TEST_F(MemoryManagerTest, CopyOutToSharedMemoryShowsThroughThePlatform) {
  const uint64_t a = Map(P, kRW, /*shared=*/true);
  EXPECT_EQ(GuestRead(a), '\0');
  Write(a, "S");
  EXPECT_EQ(GuestRead(a), 'S');
  ASSERT_EQ(GuestWrite(a + 1, 'T'), FaultError::kNone);
  EXPECT_EQ(Read(a, 2), "ST");
}

// ---------------------------------------------------------------- fork

TEST_F(MemoryManagerTest, ForkCopiesOnWrite) {
  Map(4 * P, kRW, false, kX);
  Write(kX, "parent");
  for (uint64_t i = 0; i < 4; ++i) ASSERT_EQ(GuestWrite(kX + i * P + 100, 'w'), FaultError::kNone);
  ASSERT_EQ(as_->Lookup(kX)->access, AccessType::ReadWrite());
  const int flushes = as_->flushes;
  const uint64_t used = mf_->usage();

  auto child_as = std::make_unique<FakeAddressSpace>();
  FakeAddressSpace* cas = child_as.get();
  auto forked = mm_->Fork(std::move(child_as));
  ASSERT_TRUE(forked.ok());
  MemoryManager& child = **forked;
  EXPECT_EQ(mf_->usage(), used);  // nothing copied yet
  // The parent's writable mappings turned read-only, and that took effect now.
  EXPECT_EQ(as_->Lookup(kX)->access, AccessType::ReadOnly());
  EXPECT_GT(as_->flushes, flushes);
  EXPECT_TRUE(cas->pages.empty());
  EXPECT_EQ(child.vma_count(), 1u);
  EXPECT_EQ(Read(child, kX, 6), "parent");
  EXPECT_EQ(GuestRead(child, *cas, kX + 1), 'a');
  EXPECT_EQ(cas->Lookup(kX)->access, AccessType::ReadOnly());
  EXPECT_EQ(cas->Lookup(kX)->offset, as_->Lookup(kX)->offset);

  // A write fault in the child copies the page; the parent keeps its bytes.
  ASSERT_EQ(GuestWrite(child, *cas, kX, 'C'), FaultError::kNone);
  EXPECT_NE(cas->Lookup(kX)->offset, as_->Lookup(kX)->offset);
  EXPECT_EQ(cas->Lookup(kX)->access, AccessType::ReadWrite());
  EXPECT_EQ(Read(child, kX, 6), "Carent");
  EXPECT_EQ(Read(kX, 6), "parent");
  EXPECT_EQ(mf_->usage(), used + P);

  // And the other way round, through CopyOut.
  Write(kX + P, "from parent");
  EXPECT_EQ(Read(child, kX + P, 11), std::string(11, '\0'));
  EXPECT_EQ(Read(kX + P, 11), "from parent");
  Write(child, kX + 2 * P, "from child");
  EXPECT_EQ(Read(kX + 2 * P, 10), std::string(10, '\0'));
  EXPECT_EQ(GuestRead(kX + 2 * P + 100), 'w');
  EXPECT_EQ(GuestRead(child, *cas, kX + 2 * P), 'f');
}

TEST_F(MemoryManagerTest, CopyOutBreakingCowRemapsThePlatform) {
  Map(P, kRW, false, kX);
  ASSERT_EQ(GuestWrite(kX, 'o'), FaultError::kNone);
  auto forked = mm_->Fork(std::make_unique<FakeAddressSpace>());
  ASSERT_TRUE(forked.ok());
  const uint64_t old_offset = as_->Lookup(kX)->offset;
  Write(kX, "n");
  // The guest must see its own write, so the platform now maps the new page.
  EXPECT_NE(as_->Lookup(kX)->offset, old_offset);
  EXPECT_EQ(GuestRead(kX), 'n');
  EXPECT_EQ(Read(**forked, kX, 1), "o");
}

TEST_F(MemoryManagerTest, CowPageIsReusedOnceTheOtherSideLetGo) {
  Map(2 * P, kRW, false, kX);
  ASSERT_EQ(GuestWrite(kX, 'k'), FaultError::kNone);
  ASSERT_EQ(GuestWrite(kX + P, 'k'), FaultError::kNone);
  auto forked = mm_->Fork(std::make_unique<FakeAddressSpace>());
  ASSERT_TRUE(forked.ok());
  const uint64_t offset = as_->Lookup(kX)->offset;
  EXPECT_EQ(mf_->RefCount(offset), 2u);
  ASSERT_TRUE((*forked)->MUnmap(GuestAddr(kX), P).ok());
  EXPECT_EQ(mf_->RefCount(offset), 1u);
  const uint64_t used = mf_->usage();
  ASSERT_EQ(GuestWrite(kX, 'K'), FaultError::kNone);
  EXPECT_EQ(as_->Lookup(kX)->offset, offset);  // taken over in place
  EXPECT_EQ(as_->Lookup(kX)->access, AccessType::ReadWrite());
  EXPECT_EQ(mf_->usage(), used);
  // The page the child still holds is copied.
  ASSERT_EQ(GuestWrite(kX + P, 'K'), FaultError::kNone);
  EXPECT_EQ(mf_->usage(), used + P);
  EXPECT_EQ(Read(**forked, kX + P, 1), "k");
  // Destroying the child lets its pages go.
  forked->reset();
  EXPECT_EQ(mf_->usage(), used);
}

TEST_F(MemoryManagerTest, ForkKeepsSharedMemoryShared) {
  const uint64_t a = Map(2 * P, kRW, /*shared=*/true);
  Write(a, "before");
  GuestRead(a);
  auto child_as = std::make_unique<FakeAddressSpace>();
  FakeAddressSpace* cas = child_as.get();
  auto forked = mm_->Fork(std::move(child_as));
  ASSERT_TRUE(forked.ok());
  EXPECT_EQ(as_->Lookup(a)->access, AccessType::ReadWrite());  // not copy-on-write
  ASSERT_EQ(GuestWrite(**forked, *cas, a, 'B'), FaultError::kNone);
  EXPECT_EQ(cas->Lookup(a)->offset, as_->Lookup(a)->offset);
  EXPECT_EQ(Read(a, 6), "Before");
  Write(a + P, "parent");
  EXPECT_EQ(Read(**forked, a + P, 6), "parent");
  // The pages live until the last sharer unmaps them.
  const uint64_t used = mf_->usage();
  ASSERT_TRUE(mm_->MUnmap(GuestAddr(a), 2 * P).ok());
  EXPECT_EQ(mf_->usage(), used);
  EXPECT_EQ(Read(**forked, a, 6), "Before");
  forked->reset();
  EXPECT_EQ(mf_->usage(), 0u);
}

TEST_F(MemoryManagerTest, ForkHonoursDontforkAndWipeonfork) {
  Map(P, kRW, false, kX);
  Map(P, kR, false, kX + P);
  Map(P, kRW, false, kX + 2 * P);
  Write(kX, "gone");
  Write(kX + 2 * P, "wiped");
  ASSERT_TRUE(mm_->MAdvise(GuestAddr(kX), P, linux::kMadvDontfork).ok());
  ASSERT_TRUE(mm_->MAdvise(GuestAddr(kX + 2 * P), P, 18 /* MADV_WIPEONFORK */).ok());
  auto forked = mm_->Fork(std::make_unique<FakeAddressSpace>());
  ASSERT_TRUE(forked.ok());
  EXPECT_EQ(CopyInErr(**forked, kX, 1), EFAULT);
  EXPECT_EQ(Read(**forked, kX + 2 * P, 5), std::string(5, '\0'));
  EXPECT_EQ(Read(kX, 4), "gone");
  EXPECT_EQ(Read(kX + 2 * P, 5), "wiped");
}

TEST_F(MemoryManagerTest, ForkCopiesLayoutAndBrk) {
  const uint64_t start = 0x555555560000;
  mm_->SetBrkStart(GuestAddr(start));
  mm_->Brk(GuestAddr(start + 2 * P));
  auto forked = mm_->Fork(std::make_unique<FakeAddressSpace>());
  ASSERT_TRUE(forked.ok());
  EXPECT_EQ(Raw((*forked)->Brk(GuestAddr(0))), start + 2 * P);
  EXPECT_EQ((*forked)->MapsText(), mm_->MapsText());
  EXPECT_EQ((*forked)->max_address(), kMax);
}

// ---------------------------------------------------------------- /proc/PID/maps

TEST_F(MemoryManagerTest, MapsTextMatchesLinuxFormat) {
  // The heap line as Linux prints it (from a real /proc/self/maps).
  mm_->SetBrkStart(GuestAddr(0x55abe603d000));
  mm_->Brk(GuestAddr(0x55abe605e000));
  Map(2 * P, kR | linux::kProtExec, false, 0x7fc09bf7d000);
  EXPECT_EQ(mm_->MapsText(),
            "55abe603d000-55abe605e000 rw-p 00000000 00:00 0                          [heap]\n"
            "7fc09bf7d000-7fc09bf7f000 r-xp 00000000 00:00 0 \n");
}

// ---------------------------------------------------------------- threads

TEST_F(MemoryManagerTest, ConcurrentOperations) {
  // The fake platform is not thread-safe: this also checks that every call to
  // it is serialized by the MemoryManager.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        MMapOpts o;
        o.length = 8 * P;
        o.prot = kRW;
        auto a = mm_->MMap(o);
        if (!a.ok()) {
          ++failures;
          continue;
        }
        std::string msg = "t" + std::to_string(t) + "i" + std::to_string(i);
        if (!mm_->CopyOutFull(*a + 3 * P, std::as_bytes(std::span(msg))).ok()) ++failures;
        if (mm_->HandleFault(Raw(*a) + P, kWrite) != FaultError::kNone) ++failures;
        std::string back(msg.size(), '\0');
        if (!mm_->CopyInFull(*a + 3 * P, std::as_writable_bytes(std::span(back))).ok() ||
            back != msg) {
          ++failures;
        }
        if (!mm_->MUnmap(*a, 8 * P).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mm_->vma_count(), 0u);
  EXPECT_EQ(mf_->usage(), 0u);
}

}  // namespace
}  // namespace kekkai::sentry::mm

// Anonymous memory: mmap(2), munmap(2), mprotect(2), mremap(2), madvise(2) and
// brk(2) — placement (MAP_FIXED, MAP_FIXED_NOREPLACE, hints), argument checks,
// and the faults that protections produce, caught with a SIGSEGV handler.
#include <errno.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/util/fault_probe.h"
#include "tests/syscalls/util/mapping.h"
#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {
namespace {

using ::testing::AnyOf;

constexpr int kRW = PROT_READ | PROT_WRITE;
constexpr int kPrivAnon = MAP_PRIVATE | MAP_ANONYMOUS;

void* At(uintptr_t addr) { return reinterpret_cast<void*>(addr); }

// Returns whether every byte of [p, p+len) reads as `value`.
bool AllBytesAre(const char* p, size_t len, char value) {
  for (size_t i = 0; i < len; ++i) {
    if (p[i] != value) return false;
  }
  return true;
}

TEST(MmapTest, PageSizeIs4096) { EXPECT_EQ(sysconf(_SC_PAGESIZE), static_cast<long>(kPageSize)); }

TEST(MmapTest, AnonymousMemoryIsZeroedAndWritable) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(4 * kPageSize, kRW));
  EXPECT_EQ(m.addr() % kPageSize, 0u);
  EXPECT_TRUE(AllBytesAre(m.bytes(), m.len(), 0));
  memset(m.ptr(), 0x5a, m.len());
  EXPECT_TRUE(AllBytesAre(m.bytes(), m.len(), 0x5a));
}

TEST(MmapTest, LengthIsRoundedUpToAPage) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(10, kRW));
  // The rest of the page is there too.
  EXPECT_FALSE(ProbeWrite(m.bytes() + kPageSize - 1, 1).faulted);
}

TEST(MmapTest, ZeroLengthFailsWithEinval) {
  EXPECT_THAT(mmap(nullptr, 0, kRW, kPrivAnon, -1, 0), SyscallFailsWithErrno(EINVAL));
}

TEST(MmapTest, HugeLengthFailsWithEnomem) {
  // Rounds up to 0, or leaves no room: either way no memory.
  EXPECT_THAT(mmap(nullptr, SIZE_MAX, kRW, kPrivAnon, -1, 0), SyscallFailsWithErrno(ENOMEM));
  EXPECT_THAT(mmap(nullptr, 1ULL << 62, kRW, kPrivAnon, -1, 0), SyscallFailsWithErrno(ENOMEM));
}

TEST(MmapTest, NeitherSharedNorPrivateFailsWithEinval) {
  EXPECT_THAT(mmap(nullptr, kPageSize, kRW, MAP_ANONYMOUS, -1, 0), SyscallFailsWithErrno(EINVAL));
}

TEST(MmapTest, SharedValidateOfAnonymousMemoryFailsWithEinval) {
  EXPECT_THAT(mmap(nullptr, kPageSize, kRW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0),
              SyscallFailsWithErrno(EINVAL));
}

TEST(MmapTest, UnalignedOffsetFailsWithEinval) {
  EXPECT_THAT(mmap(nullptr, kPageSize, kRW, kPrivAnon, -1, 1), SyscallFailsWithErrno(EINVAL));
}

TEST(MmapTest, AnonymousIgnoresTheFd) {
  void* p = mmap(nullptr, kPageSize, kRW, kPrivAnon, 12345, 0);
  ASSERT_THAT(p, SyscallSucceeds());
  Mapping m(p, kPageSize);
  EXPECT_FALSE(ProbeWrite(m.ptr(), 1).faulted);
}

TEST(MmapTest, SharedAnonymousMemoryIsZeroedAndWritable) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(2 * kPageSize, kRW, MAP_SHARED));
  EXPECT_TRUE(AllBytesAre(m.bytes(), m.len(), 0));
  memset(m.ptr(), 7, m.len());
  EXPECT_TRUE(AllBytesAre(m.bytes(), m.len(), 7));
}

TEST(MmapTest, SharedGrowsdownFailsWithEinval) {
  EXPECT_THAT(mmap(nullptr, kPageSize, kRW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0),
              SyscallFailsWithErrno(EINVAL));
}

TEST(MmapTest, FreeHintIsHonoured) {
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(4));
  void* p = mmap(At(free_addr + kPageSize), kPageSize, kRW, kPrivAnon, -1, 0);
  ASSERT_THAT(p, SyscallSucceeds());
  Mapping m(p, kPageSize);
  EXPECT_EQ(m.addr(), free_addr + kPageSize);
}

TEST(MmapTest, UnalignedHintIsNotAnError) {
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(4));
  void* p = mmap(At(free_addr + kPageSize + 123), kPageSize, kRW, kPrivAnon, -1, 0);
  ASSERT_THAT(p, SyscallSucceeds());
  Mapping m(p, kPageSize);
  EXPECT_EQ(m.addr() % kPageSize, 0u);
}

TEST(MmapTest, FixedUnalignedAddressFailsWithEinval) {
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(2));
  EXPECT_THAT(mmap(At(free_addr + 1), kPageSize, kRW, kPrivAnon | MAP_FIXED, -1, 0),
              SyscallFailsWithErrno(EINVAL));
}

TEST(MmapTest, FixedReplacesWhatIsThere) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(3 * kPageSize, kRW));
  memset(m.ptr(), 'a', m.len());
  char* middle = m.bytes() + kPageSize;
  ASSERT_THAT(mmap(middle, kPageSize, PROT_READ, kPrivAnon | MAP_FIXED, -1, 0),
              SyscallSucceedsWithValue(static_cast<void*>(middle)));
  EXPECT_TRUE(AllBytesAre(middle, kPageSize, 0));
  EXPECT_TRUE(AllBytesAre(m.bytes(), kPageSize, 'a'));
  EXPECT_TRUE(AllBytesAre(m.bytes() + 2 * kPageSize, kPageSize, 'a'));
  // The new page has the new protection.
  Fault f = ProbeWrite(middle, 1);
  EXPECT_TRUE(f.faulted);
  EXPECT_EQ(f.code, SEGV_ACCERR);
}

TEST(MmapTest, FixedNoreplaceOnFreeSpaceMapsExactlyThere) {
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(2));
  void* p = mmap(At(free_addr), kPageSize, kRW, kPrivAnon | MAP_FIXED_NOREPLACE, -1, 0);
  ASSERT_THAT(p, SyscallSucceedsWithValue(At(free_addr)));
  Mapping m(p, kPageSize);
  EXPECT_FALSE(ProbeWrite(p, 1).faulted);
}

TEST(MmapTest, FixedNoreplaceOverAMappingFailsWithEexist) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(2 * kPageSize, kRW));
  m.bytes()[0] = 'x';
  EXPECT_THAT(mmap(m.ptr(), kPageSize, kRW, kPrivAnon | MAP_FIXED_NOREPLACE, -1, 0),
              SyscallFailsWithErrno(EEXIST));
  // Overlapping only the last page: also refused.
  EXPECT_THAT(
      mmap(m.bytes() + kPageSize, 2 * kPageSize, kRW, kPrivAnon | MAP_FIXED_NOREPLACE, -1, 0),
      SyscallFailsWithErrno(EEXIST));
  EXPECT_EQ(m.bytes()[0], 'x');
}

TEST(MmapTest, PopulateAndNoreserveAreAccepted) {
  Mapping a = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(2 * kPageSize, kRW, MAP_PRIVATE | MAP_POPULATE));
  EXPECT_TRUE(AllBytesAre(a.bytes(), a.len(), 0));
  Mapping b = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(2 * kPageSize, kRW, MAP_PRIVATE | MAP_NORESERVE));
  EXPECT_TRUE(AllBytesAre(b.bytes(), b.len(), 0));
}

TEST(MmapTest, ProtNoneFaultsWithAccerrAtTheAddress) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, PROT_NONE));
  Fault f = ProbeRead(m.bytes() + 100);
  ASSERT_TRUE(f.faulted);
  EXPECT_EQ(f.signo, SIGSEGV);
  EXPECT_EQ(f.code, SEGV_ACCERR);
  EXPECT_EQ(f.addr, m.addr() + 100);
  f = ProbeWrite(m.bytes() + 200, 1);
  ASSERT_TRUE(f.faulted);
  EXPECT_EQ(f.code, SEGV_ACCERR);
  EXPECT_EQ(f.addr, m.addr() + 200);
}

TEST(MmapTest, ReadOnlyMemoryFaultsOnWriteOnly) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, PROT_READ));
  char v = 1;
  EXPECT_FALSE(ProbeRead(m.ptr(), &v).faulted);
  EXPECT_EQ(v, 0);
  Fault f = ProbeWrite(m.ptr(), 1);
  ASSERT_TRUE(f.faulted);
  EXPECT_EQ(f.signo, SIGSEGV);
  EXPECT_EQ(f.code, SEGV_ACCERR);
  EXPECT_EQ(f.addr, m.addr());
}

TEST(MmapTest, CodeWrittenToAnonymousMemoryRunsOnceExecutable) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  // mov $42, %eax; ret
  const unsigned char code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};
  memcpy(m.ptr(), code, sizeof(code));
  ASSERT_THAT(mprotect(m.ptr(), kPageSize, PROT_READ | PROT_EXEC), SyscallSucceeds());
  auto fn = reinterpret_cast<int (*)()>(m.ptr());
  EXPECT_EQ(fn(), 42);
}

// munmap(2).

TEST(MunmapTest, UnmappedMemoryFaultsWithMaperr) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  const uintptr_t addr = m.addr();
  m.reset();
  Fault f = ProbeRead(At(addr + 8));
  ASSERT_TRUE(f.faulted);
  EXPECT_EQ(f.signo, SIGSEGV);
  EXPECT_EQ(f.code, SEGV_MAPERR);
  EXPECT_EQ(f.addr, addr + 8);
}

TEST(MunmapTest, MiddlePageSplitsTheMapping) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(3 * kPageSize, kRW));
  memset(m.ptr(), 'q', m.len());
  ASSERT_THAT(munmap(m.bytes() + kPageSize, kPageSize), SyscallSucceeds());
  EXPECT_TRUE(ProbeRead(m.bytes() + kPageSize).faulted);
  EXPECT_TRUE(AllBytesAre(m.bytes(), kPageSize, 'q'));
  EXPECT_TRUE(AllBytesAre(m.bytes() + 2 * kPageSize, kPageSize, 'q'));
}

TEST(MunmapTest, LengthIsRoundedUp) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(2 * kPageSize, kRW));
  ASSERT_THAT(munmap(m.ptr(), 1), SyscallSucceeds());
  EXPECT_TRUE(ProbeRead(m.bytes() + kPageSize - 1).faulted);
  EXPECT_FALSE(ProbeRead(m.bytes() + kPageSize).faulted);
}

TEST(MunmapTest, NothingMappedThereSucceeds) {
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(2));
  EXPECT_THAT(munmap(At(free_addr), 2 * kPageSize), SyscallSucceeds());
}

TEST(MunmapTest, ZeroLengthFailsWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  EXPECT_THAT(munmap(m.ptr(), 0), SyscallFailsWithErrno(EINVAL));
}

TEST(MunmapTest, UnalignedAddressFailsWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  EXPECT_THAT(munmap(m.bytes() + 1, kPageSize), SyscallFailsWithErrno(EINVAL));
  EXPECT_FALSE(ProbeRead(m.ptr()).faulted);
}

TEST(MunmapTest, RangeBeyondUserSpaceFailsWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  EXPECT_THAT(munmap(m.ptr(), SIZE_MAX - m.addr()), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(munmap(At(0xffff800000000000ULL), kPageSize), SyscallFailsWithErrno(EINVAL));
}

// mprotect(2).

TEST(MprotectTest, ProtNoneThenBackKeepsTheData) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(2 * kPageSize, kRW));
  memset(m.ptr(), 'z', m.len());
  ASSERT_THAT(mprotect(m.ptr(), m.len(), PROT_NONE), SyscallSucceeds());
  EXPECT_TRUE(ProbeRead(m.ptr()).faulted);
  ASSERT_THAT(mprotect(m.ptr(), m.len(), kRW), SyscallSucceeds());
  EXPECT_TRUE(AllBytesAre(m.bytes(), m.len(), 'z'));
}

TEST(MprotectTest, PartOfAMappingChangesOnlyThatPart) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(3 * kPageSize, kRW));
  ASSERT_THAT(mprotect(m.bytes() + kPageSize, kPageSize, PROT_READ), SyscallSucceeds());
  EXPECT_FALSE(ProbeWrite(m.bytes(), 1).faulted);
  EXPECT_TRUE(ProbeWrite(m.bytes() + kPageSize, 1).faulted);
  EXPECT_FALSE(ProbeRead(m.bytes() + kPageSize).faulted);
  EXPECT_FALSE(ProbeWrite(m.bytes() + 2 * kPageSize, 1).faulted);
}

TEST(MprotectTest, UnalignedAddressFailsWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  EXPECT_THAT(mprotect(m.bytes() + 1, kPageSize, PROT_READ), SyscallFailsWithErrno(EINVAL));
}

TEST(MprotectTest, UnknownProtBitsFailWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  EXPECT_THAT(mprotect(m.ptr(), kPageSize, 0x10), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(mprotect(m.ptr(), kPageSize, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_FALSE(ProbeWrite(m.ptr(), 1).faulted);
}

TEST(MprotectTest, GrowsdownOnANormalMappingFailsWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  EXPECT_THAT(mprotect(m.ptr(), kPageSize, PROT_READ | PROT_GROWSDOWN),
              SyscallFailsWithErrno(EINVAL));
}

TEST(MprotectTest, ZeroLengthSucceedsEvenUnmapped) {
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(1));
  EXPECT_THAT(mprotect(At(free_addr), 0, PROT_READ), SyscallSucceeds());
}

TEST(MprotectTest, UnmappedRangeFailsWithEnomem) {
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(2));
  EXPECT_THAT(mprotect(At(free_addr), kPageSize, PROT_READ), SyscallFailsWithErrno(ENOMEM));
}

TEST(MprotectTest, RangeWithAHoleFailsWithEnomem) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(3 * kPageSize, kRW));
  ASSERT_THAT(munmap(m.bytes() + kPageSize, kPageSize), SyscallSucceeds());
  EXPECT_THAT(mprotect(m.ptr(), 3 * kPageSize, PROT_READ), SyscallFailsWithErrno(ENOMEM));
}

// mremap(2).

TEST(MremapTest, GrowsInPlaceWhenTheNextPagesAreFree) {
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(4));
  void* p = mmap(At(free_addr), kPageSize, kRW, kPrivAnon | MAP_FIXED_NOREPLACE, -1, 0);
  ASSERT_THAT(p, SyscallSucceedsWithValue(At(free_addr)));
  Mapping m(p, kPageSize);
  m.bytes()[0] = 'g';
  ASSERT_THAT(mremap(p, kPageSize, 3 * kPageSize, 0), SyscallSucceedsWithValue(p));
  m.release();
  Mapping grown(p, 3 * kPageSize);
  EXPECT_EQ(grown.bytes()[0], 'g');
  EXPECT_TRUE(AllBytesAre(grown.bytes() + kPageSize, 2 * kPageSize, 0));
}

TEST(MremapTest, CannotGrowInPlaceWithoutMaymoveFailsWithEnomem) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(2 * kPageSize, kRW));
  ASSERT_THAT(mprotect(m.bytes() + kPageSize, kPageSize, PROT_NONE), SyscallSucceeds());
  // The second page (a different mapping now) blocks growth in place.
  EXPECT_THAT(mremap(m.ptr(), kPageSize, 2 * kPageSize, 0), SyscallFailsWithErrno(ENOMEM));
}

TEST(MremapTest, MaymoveMovesTheContents) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(2 * kPageSize, kRW));
  ASSERT_THAT(mprotect(m.bytes() + kPageSize, kPageSize, PROT_NONE), SyscallSucceeds());
  memset(m.ptr(), 'm', kPageSize);
  void* old = m.ptr();
  void* p = mremap(old, kPageSize, 4 * kPageSize, MREMAP_MAYMOVE);
  ASSERT_THAT(p, SyscallSucceeds());
  ASSERT_NE(p, old);
  Mapping moved(p, 4 * kPageSize);
  EXPECT_TRUE(AllBytesAre(moved.bytes(), kPageSize, 'm'));
  EXPECT_TRUE(AllBytesAre(moved.bytes() + kPageSize, 3 * kPageSize, 0));
  EXPECT_TRUE(ProbeRead(old).faulted);
}

TEST(MremapTest, ShrinkKeepsTheAddressAndUnmapsTheTail) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(3 * kPageSize, kRW));
  memset(m.ptr(), 's', m.len());
  ASSERT_THAT(mremap(m.ptr(), 3 * kPageSize, kPageSize, 0), SyscallSucceedsWithValue(m.ptr()));
  EXPECT_TRUE(AllBytesAre(m.bytes(), kPageSize, 's'));
  EXPECT_TRUE(ProbeRead(m.bytes() + kPageSize).faulted);
  EXPECT_TRUE(ProbeRead(m.bytes() + 2 * kPageSize).faulted);
}

TEST(MremapTest, FixedMovesToExactlyThere) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  memset(m.ptr(), 'f', kPageSize);
  Mapping target = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(2 * kPageSize, PROT_READ));
  void* p = mremap(m.ptr(), kPageSize, kPageSize, MREMAP_MAYMOVE | MREMAP_FIXED, target.ptr());
  ASSERT_THAT(p, SyscallSucceedsWithValue(target.ptr()));
  const uintptr_t old = m.addr();
  m.release();
  // The moved page keeps its protection and contents; the rest of the target
  // mapping is untouched; the old place is gone.
  EXPECT_TRUE(AllBytesAre(target.bytes(), kPageSize, 'f'));
  EXPECT_FALSE(ProbeWrite(target.ptr(), 'f').faulted);
  EXPECT_TRUE(ProbeWrite(target.bytes() + kPageSize, 1).faulted);
  EXPECT_TRUE(ProbeRead(At(old)).faulted);
}

TEST(MremapTest, FixedWithoutMaymoveFailsWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(1));
  EXPECT_THAT(mremap(m.ptr(), kPageSize, kPageSize, MREMAP_FIXED, At(free_addr)),
              SyscallFailsWithErrno(EINVAL));
}

TEST(MremapTest, FixedOntoTheOldRangeFailsWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(2 * kPageSize, kRW));
  EXPECT_THAT(mremap(m.ptr(), 2 * kPageSize, 2 * kPageSize, MREMAP_MAYMOVE | MREMAP_FIXED,
                     m.bytes() + kPageSize),
              SyscallFailsWithErrno(EINVAL));
}

TEST(MremapTest, FixedUnalignedTargetFailsWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(2));
  EXPECT_THAT(
      mremap(m.ptr(), kPageSize, kPageSize, MREMAP_MAYMOVE | MREMAP_FIXED, At(free_addr + 1)),
      SyscallFailsWithErrno(EINVAL));
}

TEST(MremapTest, UnalignedOldAddressFailsWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  EXPECT_THAT(mremap(m.bytes() + 1, kPageSize, kPageSize, 0), SyscallFailsWithErrno(EINVAL));
}

TEST(MremapTest, ZeroNewSizeFailsWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  EXPECT_THAT(mremap(m.ptr(), kPageSize, 0, MREMAP_MAYMOVE), SyscallFailsWithErrno(EINVAL));
}

TEST(MremapTest, UnknownFlagsFailWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  EXPECT_THAT(mremap(m.ptr(), kPageSize, kPageSize, 0x8), SyscallFailsWithErrno(EINVAL));
}

TEST(MremapTest, NothingMappedThereFailsWithEfault) {
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(2));
  EXPECT_THAT(mremap(At(free_addr), kPageSize, 2 * kPageSize, MREMAP_MAYMOVE),
              SyscallFailsWithErrno(EFAULT));
}

TEST(MremapTest, DontunmapLeavesTheOldRangeMappedButEmpty) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  memset(m.ptr(), 'd', kPageSize);
  // Without MREMAP_FIXED the new address is a hint; pass none.
  void* p = mremap(m.ptr(), kPageSize, kPageSize, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, nullptr);
  ASSERT_THAT(p, SyscallSucceeds());
  Mapping moved(p, kPageSize);
  EXPECT_NE(p, m.ptr());
  EXPECT_TRUE(AllBytesAre(moved.bytes(), kPageSize, 'd'));
  char v = 1;
  EXPECT_FALSE(ProbeRead(m.ptr(), &v).faulted);
  EXPECT_EQ(v, 0);
}

TEST(MremapTest, DontunmapWithADifferentSizeFailsWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  EXPECT_THAT(mremap(m.ptr(), kPageSize, 2 * kPageSize, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, nullptr),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(mremap(m.ptr(), kPageSize, kPageSize, MREMAP_DONTUNMAP, nullptr),
              SyscallFailsWithErrno(EINVAL));
}

// madvise(2).

TEST(MadviseTest, DontneedZeroesPrivateAnonymousMemory) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(3 * kPageSize, kRW));
  memset(m.ptr(), 'w', m.len());
  ASSERT_THAT(madvise(m.bytes() + kPageSize, kPageSize, MADV_DONTNEED), SyscallSucceeds());
  EXPECT_TRUE(AllBytesAre(m.bytes(), kPageSize, 'w'));
  EXPECT_TRUE(AllBytesAre(m.bytes() + kPageSize, kPageSize, 0));
  EXPECT_TRUE(AllBytesAre(m.bytes() + 2 * kPageSize, kPageSize, 'w'));
}

TEST(MadviseTest, DontneedKeepsSharedAnonymousMemory) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW, MAP_SHARED));
  memset(m.ptr(), 'h', m.len());
  ASSERT_THAT(madvise(m.ptr(), kPageSize, MADV_DONTNEED), SyscallSucceeds());
  EXPECT_TRUE(AllBytesAre(m.bytes(), kPageSize, 'h'));
}

TEST(MadviseTest, HarmlessAdviceSucceeds) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(2 * kPageSize, kRW));
  m.bytes()[0] = 1;
  for (int advice : {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED}) {
    EXPECT_THAT(madvise(m.ptr(), m.len(), advice), SyscallSucceeds()) << "advice " << advice;
  }
  EXPECT_EQ(m.bytes()[0], 1);
}

TEST(MadviseTest, UnknownAdviceFailsWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  EXPECT_THAT(madvise(m.ptr(), kPageSize, 999), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(madvise(m.ptr(), kPageSize, -1), SyscallFailsWithErrno(EINVAL));
}

TEST(MadviseTest, UnalignedAddressFailsWithEinval) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  EXPECT_THAT(madvise(m.bytes() + 1, kPageSize, MADV_NORMAL), SyscallFailsWithErrno(EINVAL));
}

TEST(MadviseTest, UnmappedRangeFailsWithEnomem) {
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(2));
  EXPECT_THAT(madvise(At(free_addr), kPageSize, MADV_NORMAL), SyscallFailsWithErrno(ENOMEM));
  EXPECT_THAT(madvise(At(free_addr), kPageSize, MADV_DONTNEED), SyscallFailsWithErrno(ENOMEM));
}

TEST(MadviseTest, ZeroLengthSucceeds) {
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(1));
  EXPECT_THAT(madvise(At(free_addr), 0, MADV_NORMAL), SyscallSucceeds());
}

// brk(2), called directly: the libc wrapper hides the kernel's way of failing
// (returning the unchanged break).

uintptr_t Brk(uintptr_t addr) { return static_cast<uintptr_t>(syscall(SYS_brk, addr)); }

TEST(BrkTest, QueryReturnsTheBreak) {
  const uintptr_t cur = Brk(0);
  EXPECT_NE(cur, 0u);
  EXPECT_EQ(Brk(0), cur);
}

TEST(BrkTest, GrowMakesMemoryThatShrinkTakesAway) {
  // No allocation while the break is moved: malloc may use it too.
  const uintptr_t start = Brk(0);
  const uintptr_t grown = Brk(start + 3 * kPageSize);
  Fault write_fault{};
  bool zero = false;
  if (grown == start + 3 * kPageSize) {
    // Whole pages above the old (page-rounded) break are new and zeroed.
    const uintptr_t page = (start + kPageSize - 1) & ~(kPageSize - 1);
    zero = AllBytesAre(reinterpret_cast<char*>(page), kPageSize, 0);
    write_fault = ProbeWrite(reinterpret_cast<char*>(start + 2 * kPageSize), 1);
  }
  const uintptr_t shrunk = Brk(start);
  ASSERT_EQ(grown, start + 3 * kPageSize);
  EXPECT_TRUE(zero);
  EXPECT_FALSE(write_fault.faulted) << write_fault;
  EXPECT_EQ(shrunk, start);
  // The pages beyond the break are gone again.
  const uintptr_t page_above = (start + kPageSize - 1) & ~(kPageSize - 1);
  EXPECT_TRUE(ProbeRead(reinterpret_cast<char*>(page_above + kPageSize)).faulted);
}

TEST(BrkTest, GrowingOntoAMappingLeavesTheBreak) {
  // Some mapping lies above the break (this one, or failing that the stack).
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, kRW));
  const uintptr_t cur = Brk(0);
  ASSERT_GT(m.addr(), cur);
  const uintptr_t onto_mapping = Brk(m.end());
  const uintptr_t kernel_half = Brk(0xffff800000000000ULL);
  const uintptr_t after = Brk(0);
  if (after != cur) Brk(cur);  // put it back before failing
  EXPECT_EQ(onto_mapping, cur);
  EXPECT_EQ(kernel_half, cur);
  EXPECT_EQ(after, cur);
}

TEST(BrkTest, BelowTheStartLeavesTheBreak) {
  const uintptr_t cur = Brk(0);
  EXPECT_EQ(Brk(4096), cur);
  EXPECT_EQ(Brk(0), cur);
}

// MAP_GROWSDOWN.

TEST(GrowsdownTest, TouchingJustBelowGrowsTheMapping) {
  // Room below for the mapping to grow into, beyond the stack guard gap.
  constexpr size_t kRoom = 2048;  // pages: 8 MiB
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(kRoom));
  const uintptr_t top = free_addr + (kRoom - 1) * kPageSize;
  void* p = mmap(At(top), kPageSize, kRW, kPrivAnon | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
  ASSERT_THAT(p, SyscallSucceedsWithValue(At(top)));
  Fault f = ProbeWrite(At(top - kPageSize + 16), 'x');
  EXPECT_FALSE(f.faulted) << f;
  char v = 0;
  EXPECT_FALSE(ProbeRead(At(top - kPageSize + 16), &v).faulted);
  EXPECT_EQ(v, 'x');
  // The grown part is now one mapping with the rest.
  EXPECT_THAT(munmap(At(top - kPageSize), 2 * kPageSize), SyscallSucceeds());
  EXPECT_TRUE(ProbeRead(At(top)).faulted);
}

TEST(GrowsdownTest, MprotectGrowsdownAppliesDownToTheStart) {
  constexpr size_t kRoom = 1024;
  const uintptr_t free_addr = ASSERT_NO_ERRNO_AND_VALUE(FindFreeRange(kRoom));
  const uintptr_t top = free_addr + (kRoom - 2) * kPageSize;
  void* p =
      mmap(At(top), 2 * kPageSize, kRW, kPrivAnon | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
  ASSERT_THAT(p, SyscallSucceedsWithValue(At(top)));
  Mapping m(p, 2 * kPageSize);
  // PROT_GROWSDOWN extends the change from the given page down to the start.
  EXPECT_THAT(mprotect(At(top + kPageSize), kPageSize, PROT_READ | PROT_GROWSDOWN),
              SyscallSucceeds());
  EXPECT_TRUE(ProbeWrite(At(top), 1).faulted);
  EXPECT_TRUE(ProbeWrite(At(top + kPageSize), 1).faulted);
}

}  // namespace
}  // namespace kekkai::syscall_test

// futex(2) within one thread: the value check (EAGAIN), timeouts — relative for
// FUTEX_WAIT, absolute on CLOCK_MONOTONIC or CLOCK_REALTIME for
// FUTEX_WAIT_BITSET — argument checks, and wake counts with nobody waiting.
#include <errno.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

#include "tests/syscalls/util/mapping.h"
#include "tests/syscalls/util/syscall_matchers.h"
#include "tests/syscalls/util/time_util.h"

namespace kekkai::syscall_test {
namespace {

void* const kKernelAddr = reinterpret_cast<void*>(0xffffffffff600000ULL);
constexpr int64_t kTimeoutNs = 20 * kNsPerMs;

long Futex(void* uaddr, int op, uint32_t val, const timespec* timeout = nullptr,
           void* uaddr2 = nullptr, uint32_t val3 = 0) {
  return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

// The same, with the fourth argument as the integer val2 (requeue counts).
long FutexVal2(void* uaddr, int op, uint32_t val, uintptr_t val2, void* uaddr2, uint32_t val3) {
  return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

class FutexTest : public ::testing::TestWithParam<bool> {
 protected:
  // Parameterized over private and shared futexes.
  int Op(int op) const { return GetParam() ? (op | FUTEX_PRIVATE_FLAG) : op; }

  alignas(8) uint32_t word_ = 42;
  alignas(8) uint32_t word2_ = 7;
};

TEST_P(FutexTest, WaitOnAChangedValueFailsWithEagain) {
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT), 41), SyscallFailsWithErrno(EAGAIN));
  const timespec timeout = {1, 0};
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT), 0, &timeout), SyscallFailsWithErrno(EAGAIN));
}

TEST_P(FutexTest, WaitBitsetOnAChangedValueFailsWithEagain) {
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT_BITSET), 41, nullptr, nullptr, FUTEX_BITSET_MATCH_ANY),
              SyscallFailsWithErrno(EAGAIN));
}

TEST_P(FutexTest, WaitTimesOutAfterTheRelativeTimeout) {
  const timespec timeout = NsToTimespec(kTimeoutNs);
  const int64_t start = NowNs(CLOCK_MONOTONIC);
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT), 42, &timeout), SyscallFailsWithErrno(ETIMEDOUT));
  EXPECT_GE(NowNs(CLOCK_MONOTONIC) - start, kTimeoutNs);
}

TEST_P(FutexTest, WaitWithAZeroTimeoutTimesOutAtOnce) {
  const timespec timeout = {0, 0};
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT), 42, &timeout), SyscallFailsWithErrno(ETIMEDOUT));
}

TEST_P(FutexTest, WaitBitsetTimesOutAtTheAbsoluteMonotonicDeadline) {
  const int64_t deadline = NowNs(CLOCK_MONOTONIC) + kTimeoutNs;
  const timespec ts = NsToTimespec(deadline);
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT_BITSET), 42, &ts, nullptr, FUTEX_BITSET_MATCH_ANY),
              SyscallFailsWithErrno(ETIMEDOUT));
  EXPECT_GE(NowNs(CLOCK_MONOTONIC), deadline);
}

TEST_P(FutexTest, WaitBitsetTimesOutAtTheAbsoluteRealtimeDeadline) {
  const int64_t deadline = NowNs(CLOCK_REALTIME) + kTimeoutNs;
  const timespec ts = NsToTimespec(deadline);
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME), 42, &ts, nullptr,
                    FUTEX_BITSET_MATCH_ANY),
              SyscallFailsWithErrno(ETIMEDOUT));
  EXPECT_GE(NowNs(CLOCK_REALTIME), deadline);
}

TEST_P(FutexTest, WaitBitsetWithAPastDeadlineTimesOutAtOnce) {
  const timespec past = NsToTimespec(NowNs(CLOCK_MONOTONIC) - kNsPerSec);
  const int64_t start = NowNs(CLOCK_MONOTONIC);
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT_BITSET), 42, &past, nullptr, FUTEX_BITSET_MATCH_ANY),
              SyscallFailsWithErrno(ETIMEDOUT));
  EXPECT_LT(NowNs(CLOCK_MONOTONIC) - start, kNsPerSec);
  const timespec epoch = {0, 0};
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT_BITSET), 42, &epoch, nullptr, FUTEX_BITSET_MATCH_ANY),
              SyscallFailsWithErrno(ETIMEDOUT));
}

TEST_P(FutexTest, WaitWithAnInvalidTimeoutFailsWithEinval) {
  const timespec bad_nsec = {0, 1000000000};
  const timespec negative_nsec = {0, -1};
  const timespec negative_sec = {-1, 0};
  for (const timespec* ts : {&bad_nsec, &negative_nsec, &negative_sec}) {
    EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT), 42, ts), SyscallFailsWithErrno(EINVAL));
    EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT_BITSET), 42, ts, nullptr, FUTEX_BITSET_MATCH_ANY),
                SyscallFailsWithErrno(EINVAL));
  }
  // The timeout is checked before the value.
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT), 41, &bad_nsec), SyscallFailsWithErrno(EINVAL));
}

TEST_P(FutexTest, WaitWithABadTimeoutPointerFailsWithEfault) {
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT), 42, static_cast<const timespec*>(kKernelAddr)),
              SyscallFailsWithErrno(EFAULT));
}

TEST_P(FutexTest, WaitBitsetWithBitsetZeroFailsWithEinval) {
  const timespec timeout = {0, 0};
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAIT_BITSET), 42, &timeout, nullptr, 0),
              SyscallFailsWithErrno(EINVAL));
}

TEST_P(FutexTest, WakeBitsetWithBitsetZeroFailsWithEinval) {
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAKE_BITSET), 1, nullptr, nullptr, 0),
              SyscallFailsWithErrno(EINVAL));
}

TEST_P(FutexTest, UnalignedAddressFailsWithEinval) {
  char* unaligned = reinterpret_cast<char*>(&word_) + 1;
  EXPECT_THAT(Futex(unaligned, Op(FUTEX_WAIT), 42), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(Futex(unaligned, Op(FUTEX_WAKE), 1), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(Futex(unaligned, Op(FUTEX_WAIT_BITSET), 42, nullptr, nullptr, FUTEX_BITSET_MATCH_ANY),
              SyscallFailsWithErrno(EINVAL));
}

TEST_P(FutexTest, WaitOnUnmappedMemoryFailsWithEfault) {
  const timespec timeout = {0, 0};
  EXPECT_THAT(Futex(nullptr, Op(FUTEX_WAIT), 0, &timeout), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(Futex(kKernelAddr, Op(FUTEX_WAIT), 0, &timeout), SyscallFailsWithErrno(EFAULT));
}

TEST_P(FutexTest, WakeWithNobodyWaitingWakesNobody) {
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAKE), 1), SyscallSucceedsWithValue(0));
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAKE), 0), SyscallSucceedsWithValue(0));
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAKE), INT_MAX), SyscallSucceedsWithValue(0));
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAKE_BITSET), 1, nullptr, nullptr, FUTEX_BITSET_MATCH_ANY),
              SyscallSucceedsWithValue(0));
}

TEST_P(FutexTest, WakeOnAKernelAddressFailsWithEfault) {
  EXPECT_THAT(Futex(kKernelAddr, Op(FUTEX_WAKE), 1), SyscallFailsWithErrno(EFAULT));
}

TEST_P(FutexTest, UnknownOperationFailsWithEnosys) {
  EXPECT_THAT(Futex(&word_, Op(99), 0), SyscallFailsWithErrno(ENOSYS));
}

TEST_P(FutexTest, ClockRealtimeWithWakeFailsWithEnosys) {
  EXPECT_THAT(Futex(&word_, Op(FUTEX_WAKE | FUTEX_CLOCK_REALTIME), 1),
              SyscallFailsWithErrno(ENOSYS));
}

TEST_P(FutexTest, CmpRequeueChecksTheValue) {
  EXPECT_THAT(FutexVal2(&word_, Op(FUTEX_CMP_REQUEUE), 1, 1, &word2_, 41),
              SyscallFailsWithErrno(EAGAIN));
  EXPECT_THAT(FutexVal2(&word_, Op(FUTEX_CMP_REQUEUE), 1, 1, &word2_, 42),
              SyscallSucceedsWithValue(0));
}

TEST_P(FutexTest, RequeueWithNobodyWaitingMovesNobody) {
  EXPECT_THAT(FutexVal2(&word_, Op(FUTEX_REQUEUE), 1, INT_MAX, &word2_, 0),
              SyscallSucceedsWithValue(0));
}

TEST_P(FutexTest, RequeueWithNegativeCountsFailsWithEinval) {
  EXPECT_THAT(FutexVal2(&word_, Op(FUTEX_CMP_REQUEUE), static_cast<uint32_t>(-1), 1, &word2_, 42),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(FutexVal2(&word_, Op(FUTEX_CMP_REQUEUE), 1, static_cast<uint32_t>(-1), &word2_, 42),
              SyscallFailsWithErrno(EINVAL));
}

TEST_P(FutexTest, WakeOpAppliesTheOperationToTheSecondWord) {
  // *word2_ += 5, wake word_'s waiters (none), and word2_'s if the old value was 7.
  const uint32_t op = FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 7);
  EXPECT_THAT(FutexVal2(&word_, Op(FUTEX_WAKE_OP), 1, 1, &word2_, op), SyscallSucceedsWithValue(0));
  EXPECT_EQ(std::atomic_ref<uint32_t>(word2_).load(), 12u);
}

INSTANTIATE_TEST_SUITE_P(PrivateAndShared, FutexTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Private" : "Shared";
                         });

TEST(FutexPrivateTest, WakeOnUnmappedUserMemoryWakesNobody) {
  // A private futex is only a key; nothing is read to wake it.
  EXPECT_THAT(Futex(nullptr, FUTEX_WAKE_PRIVATE, 1), SyscallSucceedsWithValue(0));
}

TEST(FutexPrivateTest, WaitOnReadOnlyMemoryChecksTheValue) {
  // (A shared futex there fails with EFAULT instead: the page behind it is the
  // zero page, which has no key.)
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, PROT_READ));
  EXPECT_THAT(Futex(m.ptr(), FUTEX_WAIT_PRIVATE, 1), SyscallFailsWithErrno(EAGAIN));
  const timespec timeout = {0, 0};
  EXPECT_THAT(Futex(m.ptr(), FUTEX_WAIT_PRIVATE, 0, &timeout), SyscallFailsWithErrno(ETIMEDOUT));
}

TEST(FutexSharedTest, WakeOnUnmappedUserMemoryFailsWithEfault) {
  // A shared futex is keyed by the page behind the address.
  EXPECT_THAT(Futex(nullptr, FUTEX_WAKE, 1), SyscallFailsWithErrno(EFAULT));
}

}  // namespace
}  // namespace kekkai::syscall_test

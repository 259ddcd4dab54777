// Clocks and sleeps: clock_gettime(2) and clock_getres(2) for every clock id
// (and invalid ones), gettimeofday(2), time(2), nanosleep(2), clock_nanosleep(2)
// relative and TIMER_ABSTIME. Called as system calls, not through the vDSO,
// except where the test compares the two.
#include <errno.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/util/syscall_matchers.h"
#include "tests/syscalls/util/time_util.h"

namespace kekkai::syscall_test {
namespace {

using ::testing::AllOf;
using ::testing::Ge;
using ::testing::Le;

void* const kKernelAddr = reinterpret_cast<void*>(0xffffffffff600000ULL);
constexpr int64_t kSleepNs = 20 * kNsPerMs;

// The CPU-time clocks of the calling process and thread as the kernel encodes
// them (what clock_getcpuclockid(0) / pthread_getcpuclockid(self) return).
constexpr clockid_t kSelfProcessCpuClock = (~0 << 3) | 2;     // pid 0, CPUCLOCK_SCHED
constexpr clockid_t kSelfThreadCpuClock = (~0 << 3) | 4 | 2;  // tid 0, per thread

long RawClockGettime(clockid_t clock, timespec* ts) {
  return syscall(SYS_clock_gettime, clock, ts);
}
long RawClockGetres(clockid_t clock, timespec* ts) { return syscall(SYS_clock_getres, clock, ts); }
long RawClockNanosleep(clockid_t clock, int flags, const timespec* req, timespec* rem) {
  return syscall(SYS_clock_nanosleep, clock, flags, req, rem);
}
long RawNanosleep(const timespec* req, timespec* rem) { return syscall(SYS_nanosleep, req, rem); }

bool Valid(const timespec& ts) {
  return ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < kNsPerSec;
}

// Burns CPU for about `ns` of monotonic time.
void Spin(int64_t ns) {
  const int64_t end = NowNs(CLOCK_MONOTONIC) + ns;
  volatile uint64_t x = 0;
  while (NowNs(CLOCK_MONOTONIC) < end) {
    for (int i = 0; i < 1000; ++i) x = x + i;
  }
}

// The clocks every Linux system has (not the *_ALARM clocks, which need an RTC
// that can wake the system and fail with EINVAL without one).
const clockid_t kClocks[] = {CLOCK_REALTIME,          CLOCK_MONOTONIC,     CLOCK_PROCESS_CPUTIME_ID,
                             CLOCK_THREAD_CPUTIME_ID, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE,
                             CLOCK_MONOTONIC_COARSE,  CLOCK_BOOTTIME,      CLOCK_TAI,
                             kSelfProcessCpuClock,    kSelfThreadCpuClock};

class ClockTest : public ::testing::TestWithParam<clockid_t> {};

TEST_P(ClockTest, GettimeReturnsAValidTime) {
  timespec ts = {-1, -1};
  ASSERT_THAT(RawClockGettime(GetParam(), &ts), SyscallSucceeds());
  EXPECT_TRUE(Valid(ts)) << ts.tv_sec << "." << ts.tv_nsec;
}

TEST_P(ClockTest, GettimeNeverGoesBackwards) {
  timespec prev;
  ASSERT_THAT(RawClockGettime(GetParam(), &prev), SyscallSucceeds());
  for (int i = 0; i < 100; ++i) {
    timespec now;
    ASSERT_THAT(RawClockGettime(GetParam(), &now), SyscallSucceeds());
    ASSERT_GE(TimespecToNs(now), TimespecToNs(prev)) << "read " << i;
    prev = now;
  }
}

TEST_P(ClockTest, GettimeIntoABadPointerFailsWithEfault) {
  EXPECT_THAT(RawClockGettime(GetParam(), nullptr), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(RawClockGettime(GetParam(), static_cast<timespec*>(kKernelAddr)),
              SyscallFailsWithErrno(EFAULT));
}

TEST_P(ClockTest, GetresIsPositiveAndAtMostATick) {
  timespec res = {-1, -1};
  ASSERT_THAT(RawClockGetres(GetParam(), &res), SyscallSucceeds());
  EXPECT_EQ(res.tv_sec, 0);
  // Between 1 ns (high-resolution timers) and a jiffy at HZ=100.
  EXPECT_THAT(res.tv_nsec, AllOf(Ge(1), Le(10 * kNsPerMs)));
}

TEST_P(ClockTest, GetresWithoutABufferSucceeds) {
  EXPECT_THAT(RawClockGetres(GetParam(), nullptr), SyscallSucceeds());
}

TEST_P(ClockTest, GetresIntoABadPointerFailsWithEfault) {
  EXPECT_THAT(RawClockGetres(GetParam(), static_cast<timespec*>(kKernelAddr)),
              SyscallFailsWithErrno(EFAULT));
}

INSTANTIATE_TEST_SUITE_P(AllClocks, ClockTest, ::testing::ValuesIn(kClocks),
                         [](const ::testing::TestParamInfo<clockid_t>& info) {
                           switch (info.param) {
                             case CLOCK_REALTIME:
                               return std::string("Realtime");
                             case CLOCK_MONOTONIC:
                               return std::string("Monotonic");
                             case CLOCK_PROCESS_CPUTIME_ID:
                               return std::string("ProcessCputime");
                             case CLOCK_THREAD_CPUTIME_ID:
                               return std::string("ThreadCputime");
                             case CLOCK_MONOTONIC_RAW:
                               return std::string("MonotonicRaw");
                             case CLOCK_REALTIME_COARSE:
                               return std::string("RealtimeCoarse");
                             case CLOCK_MONOTONIC_COARSE:
                               return std::string("MonotonicCoarse");
                             case CLOCK_BOOTTIME:
                               return std::string("Boottime");
                             case CLOCK_TAI:
                               return std::string("Tai");
                             case kSelfProcessCpuClock:
                               return std::string("SelfProcessCpuClock");
                             case kSelfThreadCpuClock:
                               return std::string("SelfThreadCpuClock");
                           }
                           return "Clock" + std::to_string(info.param);
                         });

class InvalidClockTest : public ::testing::TestWithParam<clockid_t> {};

TEST_P(InvalidClockTest, GettimeFailsWithEinval) {
  timespec ts;
  EXPECT_THAT(RawClockGettime(GetParam(), &ts), SyscallFailsWithErrno(EINVAL));
}

TEST_P(InvalidClockTest, GetresFailsWithEinval) {
  timespec ts;
  EXPECT_THAT(RawClockGetres(GetParam(), &ts), SyscallFailsWithErrno(EINVAL));
}

TEST_P(InvalidClockTest, NanosleepFailsWithEinval) {
  const timespec ts = {0, 1};
  EXPECT_THAT(RawClockNanosleep(GetParam(), 0, &ts, nullptr), SyscallFailsWithErrno(EINVAL));
}

// 10 was CLOCK_SGI_CYCLE (never implemented); 12..15 are unassigned; negative
// ids encode CPU clocks or fds, -1 neither validly.
INSTANTIATE_TEST_SUITE_P(Ids, InvalidClockTest, ::testing::Values(10, 12, 15, 16, 1000, -1),
                         [](const ::testing::TestParamInfo<clockid_t>& info) {
                           return info.param < 0 ? "Minus" + std::to_string(-info.param)
                                                 : std::to_string(info.param);
                         });

TEST(ClockRelationsTest, BoottimeIsAtLeastMonotonic) {
  const int64_t mono = NowNs(CLOCK_MONOTONIC);
  const int64_t boot = NowNs(CLOCK_BOOTTIME);
  EXPECT_GE(boot, mono);
}

TEST(ClockRelationsTest, TaiIsRealtimePlusLeapSecondsOffset) {
  const int64_t real = NowNs(CLOCK_REALTIME);
  const int64_t tai = NowNs(CLOCK_TAI);
  // The offset is 0 until set (ntpd, chrony) and 37 s today.
  EXPECT_GE(tai - real, -kNsPerSec);
  EXPECT_LE(tai - real, 40 * kNsPerSec);
}

TEST(ClockRelationsTest, CoarseClocksTrailTheFineOnesByLessThanATick) {
  for (auto [fine, coarse] : {std::pair{CLOCK_REALTIME, CLOCK_REALTIME_COARSE},
                              std::pair{CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE}}) {
    const int64_t c = NowNs(coarse);
    const int64_t f = NowNs(fine);
    EXPECT_LE(c, f) << coarse;
    EXPECT_LT(f - c, 100 * kNsPerMs) << coarse;
  }
}

TEST(ClockRelationsTest, MonotonicAdvancesWithRealTime) {
  const int64_t m0 = NowNs(CLOCK_MONOTONIC), r0 = NowNs(CLOCK_REALTIME);
  Spin(kSleepNs);
  const int64_t m1 = NowNs(CLOCK_MONOTONIC), r1 = NowNs(CLOCK_REALTIME);
  EXPECT_GE(m1 - m0, kSleepNs);
  // Unless someone steps the clock right now, both move together.
  EXPECT_NEAR(static_cast<double>(r1 - r0), static_cast<double>(m1 - m0), 50.0 * kNsPerMs);
}

TEST(ClockRelationsTest, CpuClocksCountRunningNotSleeping) {
  const int64_t cpu0 = NowNs(CLOCK_PROCESS_CPUTIME_ID);
  const int64_t thread0 = NowNs(CLOCK_THREAD_CPUTIME_ID);
  const timespec nap = NsToTimespec(100 * kNsPerMs);
  ASSERT_THAT(RawNanosleep(&nap, nullptr), SyscallSucceeds());
  const int64_t cpu1 = NowNs(CLOCK_PROCESS_CPUTIME_ID);
  const int64_t thread1 = NowNs(CLOCK_THREAD_CPUTIME_ID);
  EXPECT_LT(cpu1 - cpu0, 50 * kNsPerMs) << "100 ms of sleep counted as CPU time";
  EXPECT_LT(thread1 - thread0, 50 * kNsPerMs) << "100 ms of sleep counted as CPU time";
  // Running does count: spin until 10 ms of CPU time have passed (however busy
  // the machine), or give up after 5 s.
  const int64_t give_up = NowNs(CLOCK_MONOTONIC) + 5 * kNsPerSec;
  while (NowNs(CLOCK_THREAD_CPUTIME_ID) - thread1 < 10 * kNsPerMs &&
         NowNs(CLOCK_MONOTONIC) < give_up) {
    Spin(kNsPerMs);
  }
  EXPECT_GE(NowNs(CLOCK_THREAD_CPUTIME_ID) - thread1, 10 * kNsPerMs);
  EXPECT_GE(NowNs(CLOCK_PROCESS_CPUTIME_ID) - cpu1, 10 * kNsPerMs);
}

TEST(ClockRelationsTest, ThreadCpuTimeIsAtMostProcessCpuTime) {
  Spin(5 * kNsPerMs);
  const int64_t thread = NowNs(CLOCK_THREAD_CPUTIME_ID);
  const int64_t process = NowNs(CLOCK_PROCESS_CPUTIME_ID);
  EXPECT_LE(thread, process);
  EXPECT_GT(thread, 0);
}

TEST(ClockRelationsTest, NamedAndEncodedSelfCpuClocksAgree) {
  const int64_t named = NowNs(CLOCK_PROCESS_CPUTIME_ID);
  const int64_t encoded = NowNs(kSelfProcessCpuClock);
  EXPECT_GE(encoded, named);
  EXPECT_LT(encoded - named, 10 * kNsPerMs);
}

TEST(ClockRelationsTest, VdsoAndSyscallAgree) {
  for (clockid_t clock : {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME}) {
    timespec libc_ts;
    const int64_t before = NowNs(clock);
    ASSERT_THAT(clock_gettime(clock, &libc_ts), SyscallSucceeds());
    const int64_t after = NowNs(clock);
    EXPECT_GE(TimespecToNs(libc_ts), before) << clock;
    EXPECT_LE(TimespecToNs(libc_ts), after) << clock;
  }
}

TEST(ClockGetresTest, FineClocksShareAResolutionNoCoarserThanTheCoarseOnes) {
  timespec real, mono, coarse;
  ASSERT_THAT(RawClockGetres(CLOCK_REALTIME, &real), SyscallSucceeds());
  ASSERT_THAT(RawClockGetres(CLOCK_MONOTONIC, &mono), SyscallSucceeds());
  ASSERT_THAT(RawClockGetres(CLOCK_MONOTONIC_COARSE, &coarse), SyscallSucceeds());
  EXPECT_EQ(TimespecToNs(real), TimespecToNs(mono));
  EXPECT_LE(TimespecToNs(mono), TimespecToNs(coarse));
}

// gettimeofday(2) and time(2).

TEST(GettimeofdayTest, AgreesWithClockRealtime) {
  const int64_t before = NowNs(CLOCK_REALTIME);
  timeval tv = {-1, -1};
  ASSERT_THAT(syscall(SYS_gettimeofday, &tv, nullptr), SyscallSucceeds());
  const int64_t after = NowNs(CLOCK_REALTIME);
  EXPECT_THAT(tv.tv_usec, AllOf(Ge(0), Le(999999)));
  const int64_t ns = tv.tv_sec * kNsPerSec + tv.tv_usec * 1000;
  EXPECT_GE(ns, before - 1000);  // microseconds truncate
  EXPECT_LE(ns, after);
}

TEST(GettimeofdayTest, FillsTheTimezone) {
  struct timezone tz = {-12345, -12345};
  ASSERT_THAT(syscall(SYS_gettimeofday, nullptr, &tz), SyscallSucceeds());
  EXPECT_NE(tz.tz_minuteswest, -12345);
}

TEST(GettimeofdayTest, BadPointersFailWithEfault) {
  EXPECT_THAT(syscall(SYS_gettimeofday, kKernelAddr, nullptr), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(syscall(SYS_gettimeofday, nullptr, kKernelAddr), SyscallFailsWithErrno(EFAULT));
}

TEST(GettimeofdayTest, NullArgumentsSucceed) {
  EXPECT_THAT(syscall(SYS_gettimeofday, nullptr, nullptr), SyscallSucceeds());
}

TEST(TimeTest, ReturnsAndStoresTheSeconds) {
  const int64_t before = NowNs(CLOCK_REALTIME) / kNsPerSec;
  time_t stored = -1;
  const long t = syscall(SYS_time, &stored);
  const int64_t after = NowNs(CLOCK_REALTIME) / kNsPerSec;
  EXPECT_EQ(stored, t);
  // time(2) reads the coarse clock, which may trail by a tick.
  EXPECT_GE(t, before - 1);
  EXPECT_LE(t, after);
  EXPECT_GT(t, 1700000000);  // after November 2023
}

TEST(TimeTest, NullPointerOnlyReturns) {
  EXPECT_THAT(syscall(SYS_time, nullptr), SyscallSucceedsWithValue(Ge(1700000000)));
}

TEST(TimeTest, BadPointerFailsWithEfault) {
  EXPECT_THAT(syscall(SYS_time, kKernelAddr), SyscallFailsWithErrno(EFAULT));
}

// nanosleep(2).

TEST(NanosleepTest, SleepsAtLeastTheRequest) {
  const timespec req = NsToTimespec(kSleepNs);
  timespec rem = {77, 77};
  const int64_t start = NowNs(CLOCK_MONOTONIC);
  ASSERT_THAT(RawNanosleep(&req, &rem), SyscallSucceeds());
  EXPECT_GE(NowNs(CLOCK_MONOTONIC) - start, kSleepNs);
  // rem is written only when interrupted.
  EXPECT_EQ(rem.tv_sec, 77);
  EXPECT_EQ(rem.tv_nsec, 77);
}

TEST(NanosleepTest, ZeroReturnsAtOnce) {
  const timespec req = {0, 0};
  EXPECT_THAT(RawNanosleep(&req, nullptr), SyscallSucceeds());
}

TEST(NanosleepTest, InvalidTimespecFailsWithEinval) {
  for (const timespec& req : {timespec{0, 1000000000}, timespec{0, -1}, timespec{-1, 0}}) {
    EXPECT_THAT(RawNanosleep(&req, nullptr), SyscallFailsWithErrno(EINVAL))
        << req.tv_sec << "." << req.tv_nsec;
  }
}

TEST(NanosleepTest, BadPointerFailsWithEfault) {
  EXPECT_THAT(RawNanosleep(nullptr, nullptr), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(RawNanosleep(static_cast<const timespec*>(kKernelAddr), nullptr),
              SyscallFailsWithErrno(EFAULT));
}

// clock_nanosleep(2). The system call returns -1 and errno (the libc function
// returns the error number instead).

class ClockNanosleepTest : public ::testing::TestWithParam<clockid_t> {};

TEST_P(ClockNanosleepTest, RelativeSleepsAtLeastTheRequest) {
  const timespec req = NsToTimespec(kSleepNs);
  const int64_t start = NowNs(CLOCK_MONOTONIC);
  ASSERT_THAT(RawClockNanosleep(GetParam(), 0, &req, nullptr), SyscallSucceeds());
  EXPECT_GE(NowNs(CLOCK_MONOTONIC) - start, kSleepNs);
}

TEST_P(ClockNanosleepTest, AbsoluteSleepsUntilTheDeadline) {
  const int64_t deadline = NowNs(GetParam()) + kSleepNs;
  const timespec req = NsToTimespec(deadline);
  ASSERT_THAT(RawClockNanosleep(GetParam(), TIMER_ABSTIME, &req, nullptr), SyscallSucceeds());
  EXPECT_GE(NowNs(GetParam()), deadline);
}

TEST_P(ClockNanosleepTest, AbsoluteInThePastReturnsAtOnce) {
  const int64_t start = NowNs(CLOCK_MONOTONIC);
  const timespec past = NsToTimespec(NowNs(GetParam()) - kNsPerSec);
  ASSERT_THAT(RawClockNanosleep(GetParam(), TIMER_ABSTIME, &past, nullptr), SyscallSucceeds());
  const timespec zero = {0, 0};
  ASSERT_THAT(RawClockNanosleep(GetParam(), TIMER_ABSTIME, &zero, nullptr), SyscallSucceeds());
  EXPECT_LT(NowNs(CLOCK_MONOTONIC) - start, kNsPerSec / 2);
}

TEST_P(ClockNanosleepTest, InvalidTimespecFailsWithEinval) {
  for (const timespec& req : {timespec{0, 1000000000}, timespec{0, -1}, timespec{-1, 0}}) {
    EXPECT_THAT(RawClockNanosleep(GetParam(), 0, &req, nullptr), SyscallFailsWithErrno(EINVAL));
    EXPECT_THAT(RawClockNanosleep(GetParam(), TIMER_ABSTIME, &req, nullptr),
                SyscallFailsWithErrno(EINVAL));
  }
}

TEST_P(ClockNanosleepTest, BadPointerFailsWithEfault) {
  EXPECT_THAT(RawClockNanosleep(GetParam(), 0, nullptr, nullptr), SyscallFailsWithErrno(EFAULT));
}

INSTANTIATE_TEST_SUITE_P(SleepableClocks, ClockNanosleepTest,
                         ::testing::Values(CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
                                           CLOCK_TAI),
                         [](const ::testing::TestParamInfo<clockid_t>& info) {
                           switch (info.param) {
                             case CLOCK_REALTIME:
                               return std::string("Realtime");
                             case CLOCK_MONOTONIC:
                               return std::string("Monotonic");
                             case CLOCK_BOOTTIME:
                               return std::string("Boottime");
                           }
                           return std::string("Tai");
                         });

TEST(ClockNanosleepTest, ClocksWithoutSleepFailWithEopnotsupp) {
  const timespec req = {0, 1};
  for (clockid_t clock : {CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE,
                          CLOCK_THREAD_CPUTIME_ID}) {
    EXPECT_THAT(RawClockNanosleep(clock, 0, &req, nullptr), SyscallFailsWithErrno(EOPNOTSUPP))
        << clock;
  }
}

TEST(ClockNanosleepTest, OwnThreadCpuClockByIdFailsWithEinval) {
  // Waiting for one's own CPU time to advance could never end.
  const timespec req = {0, 1};
  EXPECT_THAT(RawClockNanosleep(kSelfThreadCpuClock, 0, &req, nullptr),
              SyscallFailsWithErrno(EINVAL));
}

TEST(ClockNanosleepTest, LibcReturnsTheErrorNumber) {
  const timespec req = {0, -1};
  EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, nullptr), EINVAL);
}

}  // namespace
}  // namespace kekkai::syscall_test

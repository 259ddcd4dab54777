// Time arithmetic for syscall tests: timespec <-> nanoseconds and clock reads.
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_TIME_UTIL_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_TIME_UTIL_H_

#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace kekkai::syscall_test {

inline constexpr int64_t kNsPerSec = 1'000'000'000;
inline constexpr int64_t kNsPerMs = 1'000'000;

inline int64_t TimespecToNs(const timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

inline timespec NsToTimespec(int64_t ns) {
  return timespec{static_cast<time_t>(ns / kNsPerSec), static_cast<long>(ns % kNsPerSec)};
}

// Returns `clock` now in nanoseconds, read with the clock_gettime system call
// (not the vDSO); -1 if that fails.
inline int64_t NowNs(clockid_t clock) {
  timespec ts;
  if (syscall(SYS_clock_gettime, clock, &ts) != 0) return -1;
  return TimespecToNs(ts);
}

}  // namespace kekkai::syscall_test

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_TIME_UTIL_H_

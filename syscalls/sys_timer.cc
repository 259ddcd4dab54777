// setitimer(2), getitimer(2), alarm(2): the process's ITIMER_REAL timer
// (sentry/kernel/real_timer.h). ITIMER_VIRTUAL and ITIMER_PROF are not
// implemented (EINVAL).
#include <chrono>

#include "abi/linux/types.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/thread_group.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;
using kernel::Clock;
using kernel::RealTimer;

namespace {

constexpr int64_t kUsPerSec = 1'000'000;

// Converts a timeval already checked by ValidTimeval.
Clock::duration ToDuration(const Timeval& tv) {
  return std::chrono::seconds(tv.sec) + std::chrono::microseconds(tv.usec);
}

// Returns `d` as a timeval, rounded down to the microsecond.
Timeval ToTimeval(Clock::duration d) {
  const int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return {us / kUsPerSec, us % kUsPerSec};
}

// timespec64_valid of the timeval Linux converts it to. Seconds are bounded so the
// duration can't overflow (Linux's own limit, KTIME_SEC_MAX, is about as large).
bool ValidTimeval(const Timeval& tv) {
  constexpr int64_t kMaxSec = int64_t{1} << 33;
  return tv.sec >= 0 && tv.usec >= 0 && tv.usec < kUsPerSec && tv.sec < kMaxSec;
}

Itimerval ToItimerval(const RealTimer::Setting& s) {
  return {ToTimeval(s.interval), ToTimeval(s.value)};
}

}  // namespace

// setitimer(2). A NULL new value disarms, as Linux still allows.
SyscallResult SysSetitimer(Task& t, const SyscallArgs& args) {
  const int32_t which = args.Int(0);
  const GuestAddr new_addr = args.Addr(1), old_addr = args.Addr(2);
  Itimerval nv{};
  if (new_addr != GuestAddr(0)) {
    ASSIGN_OR_RETURN(nv, t.mm().CopyInObj<Itimerval>(new_addr));
  }
  if (!ValidTimeval(nv.value) || !ValidTimeval(nv.interval)) return Errno(EINVAL);
  if (which != kItimerReal) return Errno(EINVAL);
  const RealTimer::Setting old =
      t.thread_group().real_timer().Set({ToDuration(nv.value), ToDuration(nv.interval)});
  if (old_addr != GuestAddr(0)) RETURN_IF_ERROR(t.mm().CopyOutObj(old_addr, ToItimerval(old)));
  return uint64_t{0};
}

// getitimer(2).
SyscallResult SysGetitimer(Task& t, const SyscallArgs& args) {
  if (args.Int(0) != kItimerReal) return Errno(EINVAL);
  const RealTimer::Setting s = t.thread_group().real_timer().Get();
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), ToItimerval(s)));
  return uint64_t{0};
}

// alarm(2).
SyscallResult SysAlarm(Task& t, const SyscallArgs& args) {
  const uint32_t seconds = args.Uint(0);
  const RealTimer::Setting old =
      t.thread_group().real_timer().Set({std::chrono::seconds(seconds), {}});
  const Timeval left = ToTimeval(old.value);
  // Rounded to the nearest second, but never 0 while armed (alarm_setitimer).
  uint64_t secs = static_cast<uint64_t>(left.sec);
  if ((secs == 0 && left.usec != 0) || left.usec >= 500000) ++secs;
  return secs;
}

}  // namespace kekkai::syscalls

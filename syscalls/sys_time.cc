// clock_gettime(2), clock_getres(2), gettimeofday(2), time(2), nanosleep(2),
// clock_nanosleep(2).
#include <time.h>

#include <algorithm>

#include "abi/linux/types.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;
using kernel::Clock;

namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

// Whether `id` names a CPU-time clock of the caller: CLOCK_PROCESS_CPUTIME_ID,
// CLOCK_THREAD_CPUTIME_ID, or an encoded pid/tid clock (negative ids, as
// clock_getcpuclockid(3) makes them) of the caller itself. EINVAL for other
// processes' clocks and malformed ids.
Result<bool> IsOwnCpuClock(Task& t, int32_t id) {
  if (id == kClockProcessCputimeId || id == kClockThreadCputimeId) return true;
  if (id >= 0) return false;
  // CPUCLOCK_PID(id) = ~(id >> 3); the low bits are the kind (3 is invalid).
  const int32_t pid = ~(id >> 3);
  if ((id & 3) == 3) return Errno(EINVAL);
  const bool thread = (id & 4) != 0;
  if (pid != 0 && pid != (thread ? t.tid() : t.tgid())) return Errno(EINVAL);
  return true;
}

// Maps a guest clock id to the host clock that serves it; EINVAL for unknown ids.
Result<clockid_t> HostClock(int32_t id) {
  switch (id) {
    case kClockRealtime: return CLOCK_REALTIME;
    case kClockMonotonic: return CLOCK_MONOTONIC;
    case kClockMonotonicRaw: return CLOCK_MONOTONIC_RAW;
    case kClockRealtimeCoarse: return CLOCK_REALTIME_COARSE;
    case kClockMonotonicCoarse: return CLOCK_MONOTONIC_COARSE;
    case kClockBoottime: return CLOCK_BOOTTIME;
    case kClockTai: return CLOCK_TAI;
    default:
      return Errno(EINVAL);
  }
}

// The process's CPU time is its one thread's so far (there are no other threads).
Result<Timespec> Now(Task& t, int32_t id) {
  ASSIGN_OR_RETURN(bool cpu, IsOwnCpuClock(t, id));
  if (cpu) {
    const uint64_t ns = t.CpuTimeNs();
    return Timespec{static_cast<int64_t>(ns / kNsPerSec), static_cast<int64_t>(ns % kNsPerSec)};
  }
  ASSIGN_OR_RETURN(clockid_t host, HostClock(id));
  timespec ts;
  if (clock_gettime(host, &ts) != 0) return LastErrno();
  return Timespec{ts.tv_sec, ts.tv_nsec};
}

Result<Timespec> CopyInTimespec(Task& t, GuestAddr addr) {
  ASSIGN_OR_RETURN(Timespec ts, t.mm().CopyInObj<Timespec>(addr));
  if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= kNsPerSec) return Errno(EINVAL);
  return ts;
}

Clock::time_point DeadlineAfter(const Timespec& ts) {
  // Saturate far-future deadlines instead of overflowing.
  constexpr int64_t kMaxSec = int64_t{1} << 32;
  const int64_t sec = std::min(ts.sec, kMaxSec);
  return Clock::now() + std::chrono::seconds(sec) + std::chrono::nanoseconds(ts.nsec);
}

// Sleeps until `deadline`. On interruption writes the time left to `rem` (if any)
// and arranges for restart_syscall(2) to continue the sleep.
SyscallResult SleepUntil(Task& t, Clock::time_point deadline, GuestAddr rem);

SyscallResult ResumeSleep(Task& t, const kernel::RestartBlock& rb) {
  const Clock::time_point deadline{Clock::duration(static_cast<int64_t>(rb.args[0]))};
  return SleepUntil(t, deadline, GuestAddr(rb.args[1]));
}

SyscallResult SleepUntil(Task& t, Clock::time_point deadline, GuestAddr rem) {
  for (;;) {
    Result<void> r = t.Block(deadline);
    if (r.ok()) continue;  // Spurious wake-up.
    if (r.error().value() == ETIMEDOUT) return uint64_t{0};
    break;
  }
  if (Raw(rem) != 0) {
    const auto left = std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now()).count());
    RETURN_IF_ERROR(t.mm().CopyOutObj(rem, Timespec{left / kNsPerSec, left % kNsPerSec}));
  }
  kernel::RestartBlock rb;
  rb.fn = ResumeSleep;
  rb.args[0] = static_cast<uint64_t>(deadline.time_since_epoch().count());
  rb.args[1] = Raw(rem);
  t.set_restart_block(rb);
  return Errno(kERESTART_RESTARTBLOCK);
}

}  // namespace

// clock_gettime(2).
SyscallResult SysClockGettime(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(Timespec ts, Now(t, args.Int(0)));
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), ts));
  return uint64_t{0};
}

// clock_getres(2).
SyscallResult SysClockGetres(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(bool cpu, IsOwnCpuClock(t, args.Int(0)));
  timespec ts{0, 1};
  if (!cpu) {
    ASSIGN_OR_RETURN(clockid_t host, HostClock(args.Int(0)));
    if (clock_getres(host, &ts) != 0) return LastErrno();
  }
  if (Raw(args.Addr(1)) != 0) {
    RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), Timespec{ts.tv_sec, ts.tv_nsec}));
  }
  return uint64_t{0};
}

// gettimeofday(2). The timezone is always UTC.
SyscallResult SysGettimeofday(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(Timespec ts, Now(t, kClockRealtime));
  if (Raw(args.Addr(0)) != 0) {
    RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(0), Timeval{ts.sec, ts.nsec / 1000}));
  }
  if (Raw(args.Addr(1)) != 0) RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), Timezone{0, 0}));
  return uint64_t{0};
}

// time(2).
SyscallResult SysTime(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(Timespec ts, Now(t, kClockRealtime));
  if (Raw(args.Addr(0)) != 0) RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(0), ts.sec));
  return static_cast<uint64_t>(ts.sec);
}

// nanosleep(2).
SyscallResult SysNanosleep(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(Timespec req, CopyInTimespec(t, args.Addr(0)));
  return SleepUntil(t, DeadlineAfter(req), args.Addr(1));
}

// clock_nanosleep(2). Absolute sleeps on CLOCK_REALTIME follow the clock as of the
// call (a later clock change doesn't move the deadline). Sleeping on CPU-time
// clocks is not supported (EINVAL; Linux supports the process clock).
SyscallResult SysClockNanosleep(Task& t, const SyscallArgs& args) {
  const int32_t id = args.Int(0);
  const int32_t flags = args.Int(1);
  switch (id) {
    case kClockRealtime:
    case kClockMonotonic:
    case kClockBoottime:
    case kClockTai:
      break;
    case kClockMonotonicRaw:
    case kClockRealtimeCoarse:
    case kClockMonotonicCoarse:
    case kClockThreadCputimeId:
      // Clocks with no sleep in Linux.
      return Errno(EOPNOTSUPP);
    default:
      return Errno(EINVAL);
  }
  ASSIGN_OR_RETURN(Timespec req, CopyInTimespec(t, args.Addr(2)));
  if ((flags & kTimerAbstime) == 0) return SleepUntil(t, DeadlineAfter(req), args.Addr(3));
  ASSIGN_OR_RETURN(Timespec now, Now(t, id));
  // Clamp before multiplying: a deadline centuries away must not overflow into the past.
  constexpr int64_t kMaxSec = int64_t{1} << 32;
  const int64_t dsec = std::clamp<int64_t>(req.sec - std::min(now.sec, req.sec), 0, kMaxSec);
  int64_t delta = dsec * kNsPerSec + (req.nsec - now.nsec);
  if (req.sec < now.sec || delta < 0) delta = 0;
  const Clock::time_point deadline = Clock::now() + std::chrono::nanoseconds(delta);
  for (;;) {
    Result<void> r = t.Block(deadline);
    if (r.ok()) continue;
    if (r.error().value() == ETIMEDOUT) return uint64_t{0};
    // An absolute sleep restarts from scratch or fails with EINTR; rem is unused.
    return Errno(kERESTARTNOHAND);
  }
}

}  // namespace kekkai::syscalls

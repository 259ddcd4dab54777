// futex(2): WAIT, WAKE, their _BITSET forms, REQUEUE and CMP_REQUEUE. Private and
// shared futexes are both keyed by address space (no memory is shared between
// address spaces yet). PI futexes and WAKE_OP are ENOSYS. FUTEX_WAIT's timeout is
// relative whatever clock is named. A timed wait interrupted
// by a signal returns EINTR instead of restarting.
#include "abi/linux/types.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;
using kernel::Clock;

namespace {

Result<std::optional<Clock::time_point>> Deadline(Task& t, GuestAddr addr, bool absolute,
                                                  bool realtime) {
  if (Raw(addr) == 0) return std::optional<Clock::time_point>();
  ASSIGN_OR_RETURN(Timespec ts, t.mm().CopyInObj<Timespec>(addr));
  if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1'000'000'000) return Errno(EINVAL);
  const int64_t sec = std::min<int64_t>(ts.sec, int64_t{1} << 32);
  const auto d = std::chrono::seconds(sec) + std::chrono::nanoseconds(ts.nsec);
  if (!absolute) return std::optional<Clock::time_point>(Clock::now() + d);
  if (!realtime) return std::optional<Clock::time_point>(Clock::time_point(d));
  const auto now_rt = std::chrono::system_clock::now().time_since_epoch();
  return std::optional<Clock::time_point>(
      Clock::now() + std::chrono::duration_cast<Clock::duration>(d - now_rt));
}

}  // namespace

// futex(2).
SyscallResult SysFutex(Task& t, const SyscallArgs& args) {
  const uint64_t addr = args.Uint64(0);
  const int32_t op = args.Int(1);
  const int32_t cmd = op & kFutexCmdMask;
  const uint32_t val = args.Uint(2);
  const bool realtime = (op & kFutexClockRealtime) != 0;
  auto& futexes = t.kernel().futexes();
  switch (cmd) {
    case kFutexWait:
    case kFutexWaitBitset: {
      const uint32_t bitset = cmd == kFutexWait ? kFutexBitsetMatchAny : args.Uint(5);
      ASSIGN_OR_RETURN(auto deadline,
                       Deadline(t, args.Addr(3), cmd == kFutexWaitBitset, realtime));
      Result<void> r = futexes.Wait(t, addr, val, bitset, deadline);
      if (r.ok()) return uint64_t{0};
      if (r.error().value() == EINTR) {
        return deadline ? Errno(EINTR) : Errno(kERESTARTSYS);
      }
      return r.error();
    }
    case kFutexWake:
    case kFutexWakeBitset: {
      if (addr % 4 != 0) return Errno(EINVAL);
      const uint32_t bitset = cmd == kFutexWake ? kFutexBitsetMatchAny : args.Uint(5);
      if (bitset == 0) return Errno(EINVAL);
      const int n = static_cast<int>(std::min<uint32_t>(val, INT32_MAX));
      return static_cast<uint64_t>(futexes.Wake(t, addr, bitset, n));
    }
    case kFutexRequeue:
    case kFutexCmpRequeue: {
      const uint64_t addr2 = args.Uint64(4);
      if (addr % 4 != 0 || addr2 % 4 != 0) return Errno(EINVAL);
      const int n = static_cast<int>(std::min<uint32_t>(val, INT32_MAX));
      const int n2 = static_cast<int>(std::min<uint64_t>(args.Uint64(3), INT32_MAX));
      if (cmd == kFutexCmpRequeue) {
        ASSIGN_OR_RETURN(uint32_t cur, t.mm().CopyInObj<uint32_t>(GuestAddr(addr)));
        if (cur != args.Uint(5)) return Errno(EAGAIN);
      }
      return static_cast<uint64_t>(futexes.Requeue(t, addr, addr2, n, n2));
    }
    default:
      return Errno(ENOSYS);
  }
}

}  // namespace kekkai::syscalls

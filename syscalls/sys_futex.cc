// futex(2): WAIT, WAKE, their _BITSET forms, REQUEUE, CMP_REQUEUE and WAKE_OP.
// Private and shared futexes are both keyed by address space (no memory is shared
// between address spaces yet). PI futexes are ENOSYS. FUTEX_WAIT's timeout is
// relative whatever clock is named. WAKE_OP's read-modify-write is atomic with
// respect to other futex calls, not to guest stores on other CPUs (there are no
// other guest threads yet). A timed wait interrupted
// by a signal returns EINTR instead of restarting.
#include <optional>

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

// get_futex_key()'s checks: alignment, the user half, and for shared futexes a
// readable word (they are keyed by the page behind it).
Result<void> CheckFutexWord(Task& t, uint64_t addr, bool shared) {
  if (addr % 4 != 0) return Errno(EINVAL);
  if (!AccessOk(GuestAddr(addr), sizeof(uint32_t))) return Errno(EFAULT);
  if (shared) RETURN_IF_ERROR(t.mm().CopyInObj<uint32_t>(GuestAddr(addr)));
  return Ok();
}

// Applies FUTEX_OP's operation to `old`; EINVAL-worthy ops return nullopt.
std::optional<uint32_t> ApplyWakeOp(uint32_t encoded, uint32_t old) {
  const uint32_t op = (encoded >> 28) & 7;
  int32_t oparg = static_cast<int32_t>(encoded << 8) >> 20;
  if (encoded & (8u << 28)) oparg = 1 << (oparg & 31);  // FUTEX_OP_OPARG_SHIFT
  switch (op) {
    case 0: return static_cast<uint32_t>(oparg);                // SET
    case 1: return old + static_cast<uint32_t>(oparg);          // ADD
    case 2: return old | static_cast<uint32_t>(oparg);          // OR
    case 3: return old & ~static_cast<uint32_t>(oparg);         // ANDN
    case 4: return old ^ static_cast<uint32_t>(oparg);          // XOR
    default: return std::nullopt;
  }
}

// Compares FUTEX_OP's old value; nullopt for an unknown comparison (ENOSYS).
std::optional<bool> WakeOpCompare(uint32_t encoded, uint32_t old) {
  const uint32_t cmp = (encoded >> 24) & 15;
  const int32_t arg = static_cast<int32_t>(encoded << 20) >> 20;
  const int32_t v = static_cast<int32_t>(old);
  switch (cmp) {
    case 0: return v == arg;
    case 1: return v != arg;
    case 2: return v < arg;
    case 3: return v <= arg;
    case 4: return v > arg;
    case 5: return v >= arg;
    default: return std::nullopt;
  }
}

}  // namespace

// futex(2).
SyscallResult SysFutex(Task& t, const SyscallArgs& args) {
  const uint64_t addr = args.Uint64(0);
  const int32_t op = args.Int(1);
  const int32_t cmd = op & kFutexCmdMask;
  const uint32_t val = args.Uint(2);
  const bool realtime = (op & kFutexClockRealtime) != 0;
  const bool shared = (op & kFutexPrivateFlag) == 0;
  if (realtime && cmd != kFutexWait && cmd != kFutexWaitBitset && cmd != kFutexWaitRequeuePi &&
      cmd != kFutexLockPi2) {
    return Errno(ENOSYS);
  }
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
      const uint32_t bitset = cmd == kFutexWake ? kFutexBitsetMatchAny : args.Uint(5);
      if (bitset == 0) return Errno(EINVAL);
      RETURN_IF_ERROR(CheckFutexWord(t, addr, shared));
      const int n = static_cast<int>(std::min<uint32_t>(val, INT32_MAX));
      return static_cast<uint64_t>(futexes.Wake(t, addr, bitset, n));
    }
    case kFutexRequeue:
    case kFutexCmpRequeue: {
      const uint64_t addr2 = args.Uint64(4);
      // Both counts are ints: negative ones are EINVAL.
      const int n = static_cast<int>(val);
      const int n2 = args.Int(3);
      if (n < 0 || n2 < 0) return Errno(EINVAL);
      RETURN_IF_ERROR(CheckFutexWord(t, addr, shared));
      RETURN_IF_ERROR(CheckFutexWord(t, addr2, shared));
      if (cmd == kFutexCmpRequeue) {
        ASSIGN_OR_RETURN(uint32_t cur, t.mm().CopyInObj<uint32_t>(GuestAddr(addr)));
        if (cur != args.Uint(5)) return Errno(EAGAIN);
      }
      return static_cast<uint64_t>(futexes.Requeue(t, addr, addr2, n, n2));
    }
    case kFutexWakeOp: {
      const uint64_t addr2 = args.Uint64(4);
      const uint32_t encoded = args.Uint(5);
      const int n = static_cast<int>(std::min<uint32_t>(val, INT32_MAX));
      const int n2 = static_cast<int>(std::min<uint32_t>(args.Uint(3), INT32_MAX));
      RETURN_IF_ERROR(CheckFutexWord(t, addr, shared));
      RETURN_IF_ERROR(CheckFutexWord(t, addr2, /*shared=*/false));
      ASSIGN_OR_RETURN(uint32_t old, t.mm().CopyInObj<uint32_t>(GuestAddr(addr2)));
      const std::optional<uint32_t> updated = ApplyWakeOp(encoded, old);
      if (!updated) return Errno(ENOSYS);
      const std::optional<bool> wake2 = WakeOpCompare(encoded, old);
      if (!wake2) return Errno(ENOSYS);
      RETURN_IF_ERROR(t.mm().CopyOutObj(GuestAddr(addr2), *updated));
      int woken = futexes.Wake(t, addr, kFutexBitsetMatchAny, n);
      if (*wake2) woken += futexes.Wake(t, addr2, kFutexBitsetMatchAny, n2);
      return static_cast<uint64_t>(woken);
    }
    default:
      return Errno(ENOSYS);
  }
}

}  // namespace kekkai::syscalls

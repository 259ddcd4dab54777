// The syscall table types: arguments, handler signature, support level and the
// per-argument kinds that drive --strace. The literal x86-64 table lives in
// syscalls/ and is registered with the Kernel by runtime/ at start-up.
#ifndef KEKKAI_SENTRY_KERNEL_SYSCALL_TABLE_H_
#define KEKKAI_SENTRY_KERNEL_SYSCALL_TABLE_H_

#include <array>
#include <cstdint>
#include <span>

#include "abi/linux/guest_addr.h"
#include "abi/linux/syscall_numbers.h"
#include "base/result.h"

namespace kekkai::sentry::kernel {

class Task;

// Handlers that set every register themselves (rt_sigreturn) return this; the
// dispatcher then leaves rax alone. Never reaches a guest.
inline constexpr int kEJustReturn = 0x10000;

// The six syscall arguments (rdi, rsi, rdx, r10, r8, r9) with typed accessors.
struct SyscallArgs {
  uint64_t a[6];
  int32_t Int(int i) const { return static_cast<int32_t>(a[i]); }
  uint32_t Uint(int i) const { return static_cast<uint32_t>(a[i]); }
  int64_t Int64(int i) const { return static_cast<int64_t>(a[i]); }
  uint64_t Uint64(int i) const { return a[i]; }
  GuestAddr Addr(int i) const { return GuestAddr(a[i]); }
  uint64_t SizeT(int i) const { return a[i]; }
};

using SyscallResult = Result<uint64_t>;
using SyscallFn = SyscallResult (*)(Task& t, const SyscallArgs& args);

enum class Support : uint8_t { kFull, kPartial, kNone };

// How --strace shows an argument.
enum class Arg : uint8_t {
  kNone,    // Not printed (fewer arguments).
  kInt,     // Signed decimal.
  kUint,    // Unsigned decimal.
  kHex,     // Hexadecimal (flags, pointers).
  kFd,      // A file descriptor.
  kPath,    // A NUL-terminated guest string.
  kInBuf,   // Guest bytes the call reads; the next argument is the length.
  kOutBuf,  // Guest bytes the call writes; printed after it returns, length = result.
  kOct,     // Octal (modes).
  kSignal,  // A signal number.
};

struct SyscallEntry {
  int nr;
  const char* name;
  SyscallFn fn;  // nullptr: not implemented (ENOSYS, reported once).
  Support support;
  const char* note;  // Why it is partial or missing; may be nullptr.
  std::array<Arg, 6> args;
};

// Number-indexed view of a table: dispatch is a bounds check and an array index.
class SyscallTable {
 public:
  explicit SyscallTable(std::span<const SyscallEntry> entries) {
    for (const SyscallEntry& e : entries) {
      if (e.nr >= 0 && e.nr < abi::linux::kMaxSyscalls) by_nr_[e.nr] = &e;
    }
  }
  // Returns the entry for `nr`, or nullptr for numbers Linux doesn't define.
  const SyscallEntry* Lookup(uint64_t nr) const {
    return nr < by_nr_.size() ? by_nr_[nr] : nullptr;
  }
  std::span<const SyscallEntry* const> all() const { return by_nr_; }

 private:
  std::array<const SyscallEntry*, abi::linux::kMaxSyscalls> by_nr_{};
};

}  // namespace kekkai::sentry::kernel

#endif  // KEKKAI_SENTRY_KERNEL_SYSCALL_TABLE_H_

// The initial process stack (x86-64 SysV ABI): the argument and environment size
// limits execve(2) enforces, and a pure function that lays the stack out as a
// byte image, so it can be tested without a MemoryManager.
#ifndef KEKKAI_SENTRY_LOADER_STACK_H_
#define KEKKAI_SENTRY_LOADER_STACK_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi/linux/auxv.h"
#include "base/result.h"

namespace kekkai::sentry::loader {

// The longest single argument or environment string, NUL included
// (MAX_ARG_STRLEN: 32 pages).
inline constexpr uint64_t kMaxArgStrLen = 32 * 4096;
// The least space for arguments and environment whatever the stack rlimit
// (ARG_MAX: 32 pages), and the most (3/4 of _STK_LIM).
inline constexpr uint64_t kMinArgSpace = 32 * 4096;
inline constexpr uint64_t kMaxArgSpace = (uint64_t{8} << 20) / 4 * 3;
// The most auxv entries a caller may pass (the kernel has ~25).
inline constexpr size_t kMaxAuxEntries = 64;
// The longest AT_PLATFORM string, NUL excluded.
inline constexpr size_t kMaxPlatformLen = 64;

// Returns the bytes of strings plus pointers execve(2) allows for a stack rlimit
// of `stack_rlimit` (Linux's bprm_stack_limits: a quarter of the rlimit, at least
// ARG_MAX, at most 6 MiB).
uint64_t ArgSpaceLimit(uint64_t stack_rlimit);

// Checks `argv`, `envp` and `execfn` against execve(2)'s limits before anything is
// mapped: E2BIG when a string (NUL included) is longer than kMaxArgStrLen or when
// the strings and their pointers exceed ArgSpaceLimit(stack_rlimit). EINVAL when a
// string has an embedded NUL (a caller bug: guest strings end at their NUL).
Result<void> CheckArgLimits(std::span<const std::string> argv, std::span<const std::string> envp,
                            std::string_view execfn, uint64_t stack_rlimit);

// What goes on the initial stack.
struct StackRequest {
  // The address just above the stack image (exclusive), 16-byte aligned.
  uint64_t stack_top = 0;
  std::span<const std::string> argv;
  std::span<const std::string> envp;
  std::string_view execfn;               // AT_EXECFN's string.
  std::array<std::byte, 16> random{};    // AT_RANDOM's bytes.
  std::string_view platform = "x86_64";  // AT_PLATFORM's string.
  // The auxv entries except AT_EXECFN, AT_PLATFORM, AT_RANDOM (their values are
  // addresses in the image, which BuildStack appends) and the closing AT_NULL.
  std::span<const abi::linux::AuxEntry> auxv;
  // The stack rlimit, for CheckArgLimits.
  uint64_t stack_rlimit = uint64_t{8} << 20;
  // The most bytes the image may take (the stack mapping's size).
  uint64_t max_size = uint64_t{8} << 20;
};

// The laid-out stack: `bytes` belong at [stack_pointer, stack_top).
struct StackImage {
  std::vector<std::byte> bytes;
  uint64_t stack_pointer = 0;  // rsp at entry, 16-byte aligned; argc is here.
  uint64_t stack_top = 0;
  // Where the argv and envp strings are ([start, end), NULs included) and the auxv
  // pairs ([start, end), AT_NULL included): for /proc/PID/{cmdline,environ,auxv}.
  uint64_t argv_start = 0, argv_end = 0;
  uint64_t envp_start = 0, envp_end = 0;
  uint64_t auxv_start = 0, auxv_end = 0;
  uint64_t execfn_addr = 0, platform_addr = 0, random_addr = 0;
  // The complete auxv as written, AT_NULL included.
  std::vector<abi::linux::AuxEntry> auxv;
};

// Lays out the initial stack. From high to low addresses: an 8-byte zero word at
// the top (as Linux), the execfn string, the envp strings, the argv strings
// (argv[0] lowest, so argv_end == envp_start as in Linux), the platform string,
// the 16 random bytes (16-byte aligned); then, 16-byte aligned at argc: argc, argv
// pointers, NULL, envp pointers, NULL, auxv pairs ending with AT_NULL.
// E2BIG as CheckArgLimits, or when the image is larger than `max_size`; EINVAL
// for a misaligned or too low stack_top, a reserved auxv key, too many auxv
// entries, or a platform string that is too long.
Result<StackImage> BuildStack(const StackRequest& req);

}  // namespace kekkai::sentry::loader

#endif  // KEKKAI_SENTRY_LOADER_STACK_H_

// The fixed layout of the stub region at the top of every ptrace stub's address
// space, and the op records the sentry hands to the stub's command loop.
#ifndef KEKKAI_PLATFORM_PTRACE_STUB_LAYOUT_H_
#define KEKKAI_PLATFORM_PTRACE_STUB_LAYOUT_H_

#include <cstddef>
#include <cstdint>

#include "abi/linux/guest_addr.h"

namespace kekkai::platform::ptrace {

// The end of user space with 4-level paging (TASK_SIZE_MAX). With 5-level paging
// the kernel still places nothing above it unless asked, and the stub unmaps
// whatever is there at start-up.
inline constexpr uint64_t kStubRegionEnd = 0x7ffffffff000;

// Region, from low to high: one code page (r-x, the stub blob), the data area
// (read-only in the stub, MAP_SHARED from a memfd of the platform's own that the
// sentry maps writable; holds the op records) and one stack page (rw, private; the blob itself never
// pushes, but a valid rsp keeps the stub's state sane).
inline constexpr uint64_t kStubCodeSize = kPageSize;
inline constexpr uint64_t kStubDataSize = 4 * kPageSize;
inline constexpr uint64_t kStubStackSize = kPageSize;
inline constexpr uint64_t kStubRegionSize = kStubCodeSize + kStubDataSize + kStubStackSize;

inline constexpr uint64_t kStubRegionStart = kStubRegionEnd - kStubRegionSize;
inline constexpr uint64_t kStubCodeAddr = kStubRegionStart;
inline constexpr uint64_t kStubDataAddr = kStubCodeAddr + kStubCodeSize;
inline constexpr uint64_t kStubStackAddr = kStubDataAddr + kStubDataSize;
inline constexpr uint64_t kStubStackTop = kStubStackAddr + kStubStackSize;
static_assert(kStubStackTop == kStubRegionEnd);
static_assert(kStubRegionStart == 0x7fffffff9000);

// One host syscall for the stub's command loop to run: the loop loads `nr` and
// `args` into registers and executes `syscall`. It stops at the first result in
// the errno range and reports it in registers (see stub_blob.h).
struct StubOp {
  uint64_t nr;
  uint64_t args[6];
  uint64_t reserved;
};
static_assert(sizeof(StubOp) == 64);

// The most op records one injection carries (the data area is an array of them).
inline constexpr size_t kMaxStubOps = kStubDataSize / sizeof(StubOp);

}  // namespace kekkai::platform::ptrace

#endif  // KEKKAI_PLATFORM_PTRACE_STUB_LAYOUT_H_

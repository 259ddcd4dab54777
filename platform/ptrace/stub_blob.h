// The stub blob: a small position-independent piece of x86-64 machine code that is
// copied to the code page of every stub (stub_layout.h) and is the only code the
// stub runs of its own. It is never executed in the sentry.
//
// Entry points, as offsets from the start of the blob:
//  - init: rdi = &sock_fprog of the stub filter (readable until the blob unmaps it),
//    rsi = start of the stub region, rdx = end of the stub region. Sets
//    PR_SET_NO_NEW_PRIVS, installs the filter, unmaps everything outside the stub
//    region, then stops itself with SIGSTOP (again if continued by anyone).
//    Exits with kStubExitBlobFailed if a step fails.
//  - loop: rbx = address of the first StubOp, r12 = number of ops. Runs each op's
//    syscall, stops at the first error, then executes int3 at the `loop_trap`
//    offset (so the SIGTRAP stop has rip == loop_trap + 1). It writes nothing: the
//    op area is read-only in the stub, so guest code can't alter an op while it
//    runs. At the trap r12 is the number of ops not completed (0 on success; else
//    the failed op is the (n - r12)th) and rax the last syscall's result.
#ifndef KEKKAI_PLATFORM_PTRACE_STUB_BLOB_H_
#define KEKKAI_PLATFORM_PTRACE_STUB_BLOB_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace kekkai::platform::ptrace {

// The exit status of a stub whose blob failed to set itself up.
inline constexpr int kStubExitBlobFailed = 120;

// Returns the blob's bytes. Async-signal-safe.
std::span<const std::byte> StubBlob();

// Returns the offset of each entry point within the blob. Async-signal-safe.
uint64_t StubInitOffset();
uint64_t StubLoopOffset();
uint64_t StubLoopTrapOffset();

}  // namespace kekkai::platform::ptrace

#endif  // KEKKAI_PLATFORM_PTRACE_STUB_BLOB_H_

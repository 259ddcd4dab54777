// Thin wrappers over the ptrace(2) requests and waitpid(2) the platform issues for
// one traced stub thread. Each logs a failed host call with its context and returns
// an Errno. ptrace's rule applies: only the host thread that seized `tid` may call
// these for it.
#ifndef KEKKAI_PLATFORM_PTRACE_TRACEE_H_
#define KEKKAI_PLATFORM_PTRACE_TRACEE_H_

#include <sys/types.h>

#include <cstdint>
#include <span>

#include "abi/linux/ptrace.h"
#include "abi/linux/signal.h"
#include "base/result.h"

namespace kekkai::platform::ptrace {

// Returns the calling host thread's tid (cached per thread).
pid_t CurrentTid();

// Seizes `tid` with PTRACE_O_EXITKILL (it dies with the calling thread) and
// PTRACE_O_TRACESYSGOOD (syscall stops report SIGTRAP | 0x80).
Result<void> Seize(pid_t tid);
// Resumes `tid` with `request` (PTRACE_SYSEMU, PTRACE_CONT). A signal it is stopped
// for is discarded: the stub never handles signals, the sentry does.
Result<void> Resume(int request, pid_t tid);
// Reads / writes the general registers (PTRACE_GETREGS, PTRACE_SETREGS).
Result<void> GetRegs(pid_t tid, abi::linux::PtraceRegs& regs);
Result<void> SetRegs(pid_t tid, const abi::linux::PtraceRegs& regs);
// Reads the siginfo of the signal `tid` is stopped for (PTRACE_GETSIGINFO).
Result<void> GetSigInfo(pid_t tid, abi::linux::SigInfo& info);
// Reads the XSAVE image (NT_X86_XSTATE) into `buf`; returns the bytes the kernel wrote.
Result<size_t> GetXstate(pid_t tid, std::span<std::byte> buf);
// Loads the XSAVE image (NT_X86_XSTATE) from `buf`, which must be exactly the
// kernel's user XSAVE size.
Result<void> SetXstate(pid_t tid, std::span<const std::byte> buf);
// Returns the audit arch of the syscall `tid` is stopped at (PTRACE_GET_SYSCALL_INFO).
Result<uint32_t> GetSyscallArch(pid_t tid);
// Waits for the next state change of `tid` (waitpid with __WALL, retried on EINTR)
// and returns the wait status. Never waits for "any child".
Result<int> WaitFor(pid_t tid);

}  // namespace kekkai::platform::ptrace

#endif  // KEKKAI_PLATFORM_PTRACE_TRACEE_H_

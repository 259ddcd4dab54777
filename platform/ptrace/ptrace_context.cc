#include "platform/ptrace/ptrace_context.h"

#include <time.h>

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/logging.h"
#include "platform/ptrace/tracee.h"

namespace kekkai::platform::ptrace {
namespace {

// The vsyscall page, where the host emulates gettimeofday, time and getcpu.
constexpr uint64_t kVsyscallPage = 0xffffffffff600000;

SwitchResult Stop(StopKind kind) {
  SwitchResult r;
  r.kind = kind;
  return r;
}

// Returns the access that faulted: execute if the fault is at the instruction
// pointer, write for a protection fault (the sentry maps pages read-only until they
// are written), read otherwise.
AccessType FaultAccess(const abi::linux::SigInfo& info, uint64_t rip) {
  if (info.addr() == rip) return {.execute = true};
  if (info.code == abi::linux::kSegvAccerr) return {.write = true};
  return {.read = true};
}

}  // namespace

PtraceContext::PtraceContext() : owner_tid_(CurrentTid()) {}

void PtraceContext::SetRunning(pid_t tgid, pid_t tid) {
  std::lock_guard<std::mutex> lock(running_mu_);
  running_tgid_ = tgid;
  running_tid_ = tid;
}

void PtraceContext::Interrupt() {
  interrupt_.store(true);
  // Under the lock, so Switch can't clear running_tid_ and return (letting the
  // address space reap the stub) between our read and the tgkill. A stub thread
  // reaped by the Switch itself just before it clears running_tid_ may get the
  // signal after its exit; its pid can't have been reused that soon (pids are
  // allocated cyclically).
  std::lock_guard<std::mutex> lock(running_mu_);
  if (running_tid_ != 0 &&
      syscall(SYS_tgkill, running_tgid_, running_tid_, kInterruptSignal) != 0 && errno != ESRCH) {
    PLOG(ERROR) << "tgkill(" << running_tgid_ << ", " << running_tid_ << ", SIGCHLD)";
  }
}

SwitchResult PtraceContext::Switch(AddressSpace& as_base, CpuState& state) {
  if (interrupt_.exchange(false)) return Stop(StopKind::kInterrupted);
  if (CurrentTid() != owner_tid_) {
    LOG(ERROR) << "ptrace context of host thread " << owner_tid_ << " used from host thread "
               << CurrentTid();
    return Stop(StopKind::kDied);
  }
  auto& as = static_cast<PtraceAddressSpace&>(as_base);
  std::shared_ptr<StubThread> t = as.ThreadForCaller();
  if (t == nullptr || t->reaped) return Stop(StopKind::kDied);
  last_thread_ = t;
  if (!as.ApplyPending(*t).ok()) return Stop(StopKind::kDied);

  abi::linux::PtraceRegs regs = state.regs;
  // The sentry already decided about syscall restarts: the host must not rewind rip.
  regs.orig_rax = ~uint64_t{0};
  if (!SetRegs(t->tid, regs).ok()) return Stop(StopKind::kDied);
  if (state.fp_dirty || t->fp_owner != &state) {
    // The kernel takes exactly its user XSAVE size.
    if (!SetXstate(t->tid, state.fp.bytes().first(HostXsaveSize())).ok()) {
      return Stop(StopKind::kDied);
    }
    state.fp_dirty = false;
    t->fp_owner = &state;
  }

  // Publish the running thread before the last look at the flag: an Interrupt()
  // either sees the thread (and signals it) or its flag is seen here.
  SetRunning(t->tgid, t->tid);
  SwitchResult r =
      interrupt_.exchange(false) ? Stop(StopKind::kInterrupted) : RunUntilTrap(as, *t, state);
  SetRunning(0, 0);
  return r;
}

SwitchResult PtraceContext::WithRegs(StubThread& t, CpuState& state, SwitchResult r) {
  // FS and GS base come with the registers: with FSGSBASE the guest changes them
  // without a syscall, so they are always taken from the stop.
  if (!GetRegs(t.tid, state.regs).ok()) return Stop(StopKind::kDied);
  return r;
}

SwitchResult PtraceContext::RunUntilTrap(PtraceAddressSpace& as, StubThread& t, CpuState& state) {
  for (;;) {
    if (!Resume(PTRACE_SYSEMU, t.tid).ok()) return Stop(StopKind::kDied);
    Result<int> waited = WaitFor(t.tid);
    if (!waited.ok()) return Stop(StopKind::kDied);
    const int status = *waited;
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      as.MarkReaped(t);
      return Stop(StopKind::kDied);
    }
    // Group stops and other PTRACE_EVENT stops: nothing for the sentry, resume.
    if (!WIFSTOPPED(status) || (status >> 16) != 0) continue;

    const int sig = WSTOPSIG(status);
    if (sig == (SIGTRAP | 0x80)) {
      // Syscall-entry stop; PTRACE_SYSEMU skips the syscall.
      SwitchResult r = Stop(StopKind::kSyscall);
      Result<uint32_t> arch = GetSyscallArch(t.tid);
      if (!arch.ok()) return Stop(StopKind::kDied);
      r.syscall_arch = *arch;
      return WithRegs(t, state, r);
    }

    abi::linux::SigInfo info;
    if (!GetSigInfo(t.tid, info).ok()) return Stop(StopKind::kDied);
    if (sig == kInterruptSignal) {
      if (interrupt_.exchange(false)) return WithRegs(t, state, Stop(StopKind::kInterrupted));
      continue;  // a late interrupt, or one from outside: dropped
    }
    // Sent by a process (kill, tgkill, sigqueue, timers): not the guest's business.
    if (info.code <= 0) continue;

    SwitchResult r;
    r.siginfo = info;
    switch (sig) {
      case SIGSEGV:
        if (info.code == abi::linux::kSiKernel) {  // e.g. a general protection fault
          r.kind = StopKind::kSignal;
          return WithRegs(t, state, r);
        }
        r = WithRegs(t, state, r);
        if (r.kind == StopKind::kDied) return r;
        r.kind = StopKind::kFault;
        r.fault_addr = info.addr();
        r.fault_access = FaultAccess(info, state.regs.rip);
        return r;
      case SIGSYS:
        // The vsyscall emulation asked our filter, which said SECCOMP_RET_TRAP: the
        // host skipped the call and already emulated its `ret` (rip = the caller's
        // return address, rsp += 8, orig_rax = -1). rax holds the syscall number
        // (seccomp rolls it back for the trap); the sentry writes the result.
        if (info.code == abi::linux::kSiSysSeccomp && info.addr() >= kVsyscallPage &&
            info.addr() < kVsyscallPage + kPageSize) {
          r.kind = StopKind::kVsyscall;
          r.vsyscall_nr = info.syscall();
          return WithRegs(t, state, r);
        }
        r.kind = StopKind::kSignal;
        return WithRegs(t, state, r);
      case SIGILL:
      case SIGFPE:
      case SIGTRAP:
      case SIGBUS:
        r.kind = StopKind::kSignal;
        return WithRegs(t, state, r);
      default:
        continue;  // not a synchronous fault of the guest's (e.g. SIGXCPU): dropped
    }
  }
}

Result<void> PtraceContext::PullFpState(CpuState& state) {
  if (state.fp_dirty) return Ok();  // the sentry's copy is the newer one
  if (last_thread_ == nullptr || last_thread_->fp_owner != &state) return Ok();
  if (last_thread_->reaped) return Errno(ESRCH);
  ASSIGN_OR_RETURN(size_t n, GetXstate(last_thread_->tid, state.fp.bytes()));
  if (n < HostXsaveSize()) {
    LOG(ERROR) << "ptrace(PTRACE_GETREGSET, NT_X86_XSTATE) returned " << n << " bytes, expected "
               << HostXsaveSize();
    return Errno(EIO);
  }
  return Ok();
}

uint64_t PtraceContext::VehicleCpuTimeNs() {
  if (last_thread_ == nullptr || last_thread_->reaped) return 0;
  // The per-thread CPU clock of another thread: MAKE_THREAD_CPUCLOCK(tid, SCHED).
  const clockid_t clock = static_cast<clockid_t>((~static_cast<unsigned>(last_thread_->tid)) << 3) | 4 | 2;
  timespec ts;
  if (clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace kekkai::platform::ptrace

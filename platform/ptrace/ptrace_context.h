// PtraceContext: runs guest threads in stub threads with PTRACE_SYSEMU and turns
// each ptrace stop into a SwitchResult.
#ifndef KEKKAI_PLATFORM_PTRACE_PTRACE_CONTEXT_H_
#define KEKKAI_PLATFORM_PTRACE_PTRACE_CONTEXT_H_

#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "platform/platform.h"
#include "platform/ptrace/ptrace_address_space.h"

namespace kekkai::platform::ptrace {

// The interrupt signal Interrupt() sends to a running stub thread with tgkill:
// ignored by default (so a stray one is harmless) yet still reported to a tracer.
inline constexpr int kInterruptSignal = SIGCHLD;

class PtraceContext final : public Context {
 public:
  // Binds the context to the calling host thread.
  PtraceContext();

  // Runs `state` in the calling host thread's stub thread of `as` (seizing it on
  // first use). Applies `as`'s queued mappings first; kDied if they fail.
  //
  // FPU state: a stub thread holds the FPU state of the CpuState it last ran.
  // `state.fp` is pushed into it when `state.fp_dirty` is set or when the stub
  // thread last ran a different CpuState. The previous CpuState's live FPU state is
  // not saved then: the sentry must PullFpState() a task's state before running a
  // different task on the same host thread and address space if it needs it.
  SwitchResult Switch(AddressSpace& as, CpuState& state) override;

  // Sets the interrupt flag and, if a guest is running, tgkills its stub thread with
  // kInterruptSignal. Thread-safe.
  void Interrupt() override;

  // Reads the FPU state from the stub thread that last ran `state`, unless the
  // sentry's copy is newer (fp_dirty) or the stub thread no longer holds it.
  Result<void> PullFpState(CpuState& state) override;
  uint64_t VehicleCpuTimeNs() override;

 private:
  // Resumes `t` with PTRACE_SYSEMU until a stop the sentry must see.
  SwitchResult RunUntilTrap(PtraceAddressSpace& as, StubThread& t, CpuState& state);
  // Fetches the registers into `state` and returns `r`, or kDied if that fails.
  SwitchResult WithRegs(StubThread& t, CpuState& state, SwitchResult r);
  void SetRunning(pid_t tgid, pid_t tid);

  const pid_t owner_tid_;
  std::atomic<bool> interrupt_{false};
  std::mutex running_mu_;
  pid_t running_tgid_ = 0;  // guarded by running_mu_
  pid_t running_tid_ = 0;   // guarded by running_mu_; 0 when no guest runs
  // The stub thread that last ran a guest for this context (owner thread only).
  std::shared_ptr<StubThread> last_thread_;
};

}  // namespace kekkai::platform::ptrace

#endif  // KEKKAI_PLATFORM_PTRACE_PTRACE_CONTEXT_H_

// PtraceAddressSpace: a guest address space backed by one stub process. MapFile and
// Unmap are queued and applied in one injection into the stub (its command loop,
// stub_blob.h) at the start of the next Switch or on Flush. It also owns the stub's
// threads, each traced by exactly one host thread and keyed by that thread's tid.
#ifndef KEKKAI_PLATFORM_PTRACE_PTRACE_ADDRESS_SPACE_H_
#define KEKKAI_PLATFORM_PTRACE_PTRACE_ADDRESS_SPACE_H_

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "platform/cpu_state.h"
#include "platform/platform.h"
#include "platform/ptrace/cpu_pinner.h"
#include "platform/ptrace/stub_factory.h"
#include "platform/ptrace/stub_layout.h"

namespace kekkai::platform::ptrace {

// What the platform shares with its address spaces; kept alive by whichever of
// them is destroyed last, so the factory thread (the stubs' parent) outlives every
// stub.
struct PtraceShared {
  std::unique_ptr<StubFactory> factory;
  CpuPinner pinner;
};

// One thread of a stub process and the host thread that traces it. Only the tracer
// touches it, except `reaped`, which the address space's destructor also reads.
struct StubThread {
  StubThread(pid_t tgid, pid_t tid, pid_t tracer_tid)
      : tgid(tgid), tid(tid), tracer_tid(tracer_tid) {}

  const pid_t tgid;
  const pid_t tid;
  const pid_t tracer_tid;
  // The CpuState whose FPU state the thread holds now. Compared, never dereferenced.
  const CpuState* fp_owner = nullptr;
  // Set once the thread has been waited for after its exit: its tid may name
  // another task now and must not be signalled or traced.
  std::atomic<bool> reaped{false};
};

class PtraceAddressSpace final : public AddressSpace {
 public:
  // Creates the address space and its stub (through the factory thread).
  static Result<std::unique_ptr<PtraceAddressSpace>> Create(std::shared_ptr<PtraceShared> shared);

  // Kills the stub and reaps it, so no process or zombie is left behind. Must not
  // run concurrently with a Switch into this address space.
  ~PtraceAddressSpace() override;

  PtraceAddressSpace(const PtraceAddressSpace&) = delete;
  PtraceAddressSpace& operator=(const PtraceAddressSpace&) = delete;

  // Queues the mapping. Refuses (EINVAL for unaligned or empty ranges, ENOMEM for
  // ranges reaching the stub region) without any host call.
  Result<void> MapFile(GuestAddr addr, uint64_t offset, uint64_t len, AccessType access) override;
  Result<void> Unmap(GuestAddr addr, uint64_t len) override;
  // Applies the queue now if the calling host thread traces a thread of this stub;
  // otherwise it stays queued for the next Switch (only a tracer can inject, and
  // no guest code runs before that Switch). Returns ENOMEM if an op failed.
  Result<void> Flush() override;
  uint64_t max_user_address() const override { return kStubRegionStart; }

  // Returns the stub thread the calling host thread traces. The first call seizes
  // the stopped stub leader (PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD) and pins
  // both threads to one CPU. Returns nullptr (logged) if the stub is gone or if
  // another host thread already traces it: per-host-thread stub threads (inject
  // clone into the stub, then seize the new thread from the new host thread) are not
  // implemented yet. Thread-safe.
  std::shared_ptr<StubThread> ThreadForCaller();

  // Applies the queued ops through `t`, which the caller traces and which is in a
  // ptrace stop. Clobbers `t`'s general registers (the next Switch loads the
  // guest's). Returns ENOMEM if an op failed (the rest of the queue is dropped: the
  // address space no longer matches what the sentry asked for), or the host error.
  Result<void> ApplyPending(StubThread& t);

  // Records that waiting for `t` returned its exit status.
  void MarkReaped(StubThread& t);

  // Returns the stub's pid (tests, logs).
  pid_t stub_pid() const { return pid_; }

 private:
  PtraceAddressSpace(std::shared_ptr<PtraceShared> shared, StubOp* data, pid_t pid);
  Result<void> CheckRange(uint64_t addr, uint64_t len) const;
  void Enqueue(const StubOp& op);
  // What one injection did: how many ops completed, and the last syscall's result.
  struct RunOutcome {
    size_t completed;
    uint64_t result;
  };
  // Runs data_[0, n) in the stub's command loop and waits for its int3.
  Result<RunOutcome> RunOps(StubThread& t, size_t n);

  const std::shared_ptr<PtraceShared> shared_;
  StubOp* const data_;  // the sentry's mapping of the stub's data area
  const pid_t pid_;
  std::atomic<bool> leader_reaped_{false};

  std::mutex mu_;
  std::vector<StubOp> pending_;                       // guarded by mu_
  // Set when applying queued operations failed: the stub's mappings are no longer
  // known, so every later Flush fails (the memory manager then keeps the pages it
  // would have freed, and nothing is reused while this stub may still map it) and
  // Switch reports kDied. Guarded by mu_.
  bool broken_ = false;
  std::vector<std::shared_ptr<StubThread>> threads_;  // guarded by mu_
  bool seize_failed_ = false;                         // guarded by mu_
};

}  // namespace kekkai::platform::ptrace

#endif  // KEKKAI_PLATFORM_PTRACE_PTRACE_ADDRESS_SPACE_H_

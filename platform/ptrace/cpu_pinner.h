// CpuPinner: puts a tracer host thread and the stub threads it traces on one vCPU.
// A ptrace stop wakes the tracer and a resume wakes the tracee; on these machines a
// wake-up across vCPUs costs ~60 µs against ~10 µs on one vCPU (DESIGN.md).
#ifndef KEKKAI_PLATFORM_PTRACE_CPU_PINNER_H_
#define KEKKAI_PLATFORM_PTRACE_CPU_PINNER_H_

#include <sys/types.h>

#include <atomic>
#include <vector>

namespace kekkai::platform::ptrace {

class CpuPinner {
 public:
  // Reads the CPUs the calling thread may run on (create the platform before any
  // thread is pinned).
  CpuPinner();

  // Pins `stub_tid` to the calling host thread's CPU. The first call from a host
  // thread also pins that thread, to the next allowed CPU round-robin; later calls
  // from it reuse that CPU. Failures are logged and ignored: pinning only saves time.
  // Thread-safe.
  void PinCallerAnd(pid_t stub_tid);

  // Returns the CPUs pinning chooses from.
  const std::vector<int>& cpus() const { return cpus_; }

 private:
  std::vector<int> cpus_;
  std::atomic<unsigned> next_{0};
};

}  // namespace kekkai::platform::ptrace

#endif  // KEKKAI_PLATFORM_PTRACE_CPU_PINNER_H_

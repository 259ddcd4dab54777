#include "platform/ptrace/cpu_pinner.h"

#include <sched.h>

#include "base/logging.h"
#include "platform/ptrace/tracee.h"

namespace kekkai::platform::ptrace {
namespace {

// The CPU this host thread was pinned to, or -1.
thread_local int tls_pinned_cpu = -1;

bool PinTo(pid_t tid, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(tid, sizeof(set), &set) != 0) {
    PLOG(WARNING) << "sched_setaffinity(tid=" << tid << ", cpu=" << cpu << ")";
    return false;
  }
  return true;
}

}  // namespace

CpuPinner::CpuPinner() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) {
    PLOG(WARNING) << "sched_getaffinity";
    return;
  }
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus_.push_back(cpu);
  }
}

void CpuPinner::PinCallerAnd(pid_t stub_tid) {
  if (tls_pinned_cpu < 0) {
    if (cpus_.size() < 2) return;  // nothing to choose
    int cpu = cpus_[next_.fetch_add(1, std::memory_order_relaxed) % cpus_.size()];
    if (!PinTo(CurrentTid(), cpu)) return;
    tls_pinned_cpu = cpu;
  }
  PinTo(stub_tid, tls_pinned_cpu);
}

}  // namespace kekkai::platform::ptrace

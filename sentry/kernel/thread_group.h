// ThreadGroup: a guest process — its threads, signal dispositions and process-wide
// pending signals, resource limits and exit status.
#ifndef KEKKAI_SENTRY_KERNEL_THREAD_GROUP_H_
#define KEKKAI_SENTRY_KERNEL_THREAD_GROUP_H_

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "abi/linux/signal.h"
#include "abi/linux/types.h"
#include "sentry/kernel/real_timer.h"
#include "sentry/kernel/signal_queue.h"

namespace kekkai::sentry::kernel {

class Kernel;
class Task;

class ThreadGroup {
 public:
  ThreadGroup(Kernel& k, int32_t tgid, ThreadGroup* parent);

  Kernel& kernel() const { return kernel_; }
  int32_t tgid() const { return tgid_; }
  ThreadGroup* parent() const { return parent_; }
  // When the group was created, on CLOCK_MONOTONIC (/proc/PID/stat's starttime).
  int64_t start_monotonic_ns() const { return start_monotonic_ns_; }

  // All below are guarded by Kernel::signal_mu().
  std::vector<Task*>& tasks() { return tasks_; }
  std::array<abi::linux::SigAction, abi::linux::kNumSignals>& actions() { return actions_; }
  SignalQueue& pending() { return pending_; }
  bool exiting() const { return exiting_; }
  // Wait status (as wait4 reports it) once exiting.
  int exit_status() const { return exit_status_; }
  // Marks the group as exiting with `wait_status` (first caller wins).
  void BeginExit(int wait_status);

  // Returns the ITIMER_REAL timer (setitimer(2), alarm(2)), made on first use; it
  // sends SIGALRM to this group. Thread-safe.
  RealTimer& real_timer();

  // Guarded by Kernel::signal_mu(); rlimits change rarely.
  std::array<abi::linux::Rlimit, abi::linux::kRlimNlimits>& rlimits() { return rlimits_; }

 private:
  Kernel& kernel_;
  const int32_t tgid_;
  ThreadGroup* const parent_;
  const int64_t start_monotonic_ns_;
  std::vector<Task*> tasks_;
  std::array<abi::linux::SigAction, abi::linux::kNumSignals> actions_{};
  SignalQueue pending_;
  bool exiting_ = false;
  int exit_status_ = 0;
  std::array<abi::linux::Rlimit, abi::linux::kRlimNlimits> rlimits_;
  std::mutex real_timer_mu_;
  // Last, so it stops (and its SIGALRM sender with it) before the rest goes.
  std::unique_ptr<RealTimer> real_timer_;
};

}  // namespace kekkai::sentry::kernel

#endif  // KEKKAI_SENTRY_KERNEL_THREAD_GROUP_H_

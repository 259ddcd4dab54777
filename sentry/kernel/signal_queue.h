// SignalQueue: pending signals with their siginfo. Standard signals are pending at
// most once; real-time signals queue every instance.
#ifndef KEKKAI_SENTRY_KERNEL_SIGNAL_QUEUE_H_
#define KEKKAI_SENTRY_KERNEL_SIGNAL_QUEUE_H_

#include <deque>
#include <optional>

#include "abi/linux/signal.h"

namespace kekkai::sentry::kernel {

class SignalQueue {
 public:
  // Bound on queued real-time signals (RLIMIT_SIGPENDING-like).
  static constexpr size_t kMaxQueued = 4096;

  // Queues `info`. Returns false if it was dropped (standard signal already pending,
  // or the queue is full).
  bool Enqueue(const abi::linux::SigInfo& info);
  // Removes and returns the lowest-numbered pending signal not in `blocked`.
  std::optional<abi::linux::SigInfo> Dequeue(abi::linux::SigSet blocked);
  // Drops every pending instance of `sig`.
  void Discard(int sig);
  abi::linux::SigSet set() const { return set_; }

 private:
  abi::linux::SigSet set_ = 0;
  std::deque<abi::linux::SigInfo> queue_;
};

}  // namespace kekkai::sentry::kernel

#endif  // KEKKAI_SENTRY_KERNEL_SIGNAL_QUEUE_H_

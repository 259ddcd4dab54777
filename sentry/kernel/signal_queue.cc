#include "sentry/kernel/signal_queue.h"

#include <algorithm>

namespace kekkai::sentry::kernel {

using namespace abi::linux;

bool SignalQueue::Enqueue(const SigInfo& info) {
  const int sig = info.signo;
  if (sig < 1 || sig > kNumSignals) return false;
  if (sig < kSigRtmin && (set_ & SigMask(sig))) return false;
  if (queue_.size() >= kMaxQueued) return false;
  queue_.push_back(info);
  set_ |= SigMask(sig);
  return true;
}

std::optional<SigInfo> SignalQueue::Dequeue(SigSet blocked) {
  SigSet ready = set_ & ~blocked;
  if (ready == 0) return std::nullopt;
  const int sig = __builtin_ctzll(ready) + 1;
  auto it = std::find_if(queue_.begin(), queue_.end(), [&](const SigInfo& i) { return i.signo == sig; });
  SigInfo info = *it;
  queue_.erase(it);
  if (std::none_of(queue_.begin(), queue_.end(), [&](const SigInfo& i) { return i.signo == sig; })) {
    set_ &= ~SigMask(sig);
  }
  return info;
}

void SignalQueue::Discard(int sig) {
  std::erase_if(queue_, [&](const SigInfo& i) { return i.signo == sig; });
  set_ &= ~SigMask(sig);
}

}  // namespace kekkai::sentry::kernel

#include "sentry/kernel/real_timer.h"

#include <algorithm>
#include <vector>

#include "abi/linux/signal.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/thread_group.h"

namespace kekkai::sentry::kernel {

RealTimer::RealTimer(std::function<void()> fire)
    : fire_(std::move(fire)), thread_([this] { Loop(); }) {}

RealTimer::~RealTimer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

RealTimer::Setting RealTimer::GetLocked() const {
  Setting s;
  if (!armed_) return s;
  s.value = std::max<Clock::duration>(expiry_ - Clock::now(), std::chrono::microseconds(1));
  s.interval = interval_;
  return s;
}

RealTimer::Setting RealTimer::Set(const Setting& s) {
  Setting old;
  {
    std::lock_guard lock(mu_);
    old = GetLocked();
    armed_ = s.value > Clock::duration::zero();
    interval_ = armed_ ? s.interval : Clock::duration::zero();
    if (armed_) expiry_ = Clock::now() + s.value;
  }
  cv_.notify_all();
  return old;
}

RealTimer::Setting RealTimer::Get() const {
  std::lock_guard lock(mu_);
  return GetLocked();
}

void RealTimer::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (!armed_) {
      cv_.wait(lock);
      continue;
    }
    cv_.wait_until(lock, expiry_);
    if (stop_ || !armed_) continue;
    const Clock::time_point now = Clock::now();
    if (now < expiry_) continue;  // Woken early, or re-armed later.
    if (interval_ > Clock::duration::zero()) {
      // Expiries missed meanwhile collapse into this one, as a pending SIGALRM
      // does.
      const Clock::duration period = std::max(interval_, kMinPeriod);
      expiry_ += period * ((now - expiry_) / period + 1);
    } else {
      armed_ = false;
    }
    lock.unlock();
    fire_();
    lock.lock();
  }
}

RealTimer& ThreadGroup::real_timer() {
  std::lock_guard lock(real_timer_mu_);
  if (!real_timer_) {
    real_timer_ = std::make_unique<RealTimer>([this] {
      // Process-directed SIGALRM from the kernel (SI_KERNEL), as it_real_fn sends.
      abi::linux::SigInfo info{};
      info.signo = abi::linux::kSigAlrm;
      info.code = abi::linux::kSiKernel;
      std::vector<Task*> tasks;
      {
        std::lock_guard slock(kernel_.signal_mu());
        if (exiting_ || tasks_.empty()) return;
        pending_.Enqueue(info);
        tasks = tasks_;
      }
      for (Task* t : tasks) t->Kick();
    });
  }
  return *real_timer_;
}

}  // namespace kekkai::sentry::kernel

// RealTimer: a process's ITIMER_REAL timer (setitimer(2), alarm(2)) — a one-shot
// or periodic deadline on the monotonic clock that calls a function (which sends
// SIGALRM) when it expires. Runs its own host thread, started on first use:
// reactor timer callbacks run under the reactor's lock and can't re-arm
// themselves, which a periodic timer needs. Thread-safe.
#ifndef KEKKAI_SENTRY_KERNEL_REAL_TIMER_H_
#define KEKKAI_SENTRY_KERNEL_REAL_TIMER_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "sentry/kernel/reactor.h"

namespace kekkai::sentry::kernel {

class RealTimer {
 public:
  // The shortest period a periodic timer fires at: shorter intervals are kept
  // (getitimer reports them) but fire this often, so a guest can't make the
  // sentry spin.
  static constexpr Clock::duration kMinPeriod = std::chrono::microseconds(100);

  struct Setting {
    Clock::duration value{};     // Time to the next expiry; 0: disarmed.
    Clock::duration interval{};  // Period after that; 0: one-shot.
  };

  // `fire` runs on the timer's thread, without the timer's lock, at each expiry.
  explicit RealTimer(std::function<void()> fire);
  // Stops the thread; `fire` is not running once it returns.
  ~RealTimer();
  RealTimer(const RealTimer&) = delete;
  RealTimer& operator=(const RealTimer&) = delete;

  // Arms (value > 0) or disarms the timer; returns the previous setting.
  Setting Set(const Setting& s);
  // Returns the time left (at least 1 µs while armed, as Linux reports) and the
  // interval.
  Setting Get() const;

 private:
  void Loop();
  Setting GetLocked() const;

  const std::function<void()> fire_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool stop_ = false;
  Clock::time_point expiry_{};
  Clock::duration interval_{};
  std::thread thread_;  // Last: started once the rest is set up.
};

}  // namespace kekkai::sentry::kernel

#endif  // KEKKAI_SENTRY_KERNEL_REAL_TIMER_H_

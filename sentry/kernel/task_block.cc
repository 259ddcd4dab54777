// Task blocking: parking the task's fiber until a wait-queue notification, a
// deadline or an interruption.
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"

namespace kekkai::sentry::kernel {

void Task::Notify(uint32_t /*events*/) {
  if (fiber_) fiber_->Wake();
}

bool Task::Interrupted() const {
  if (kill_requested_.load()) return true;
  std::lock_guard lock(kernel_.signal_mu());
  return ((pending_.set() | tg_->pending().set()) & ~mask_) != 0;
}

Result<void> Task::Block(std::optional<Clock::time_point> deadline) {
  if (Interrupted()) return Errno(EINTR);
  uint64_t timer = 0;
  if (deadline) {
    if (*deadline <= Clock::now()) return Errno(ETIMEDOUT);
    timed_out_ = false;
    timer = kernel_.reactor().AddTimer(*deadline, [this] {
      timed_out_ = true;
      fiber_->Wake();
    });
  }
  fiber_->Park();
  if (deadline && !kernel_.reactor().CancelTimer(timer) && timed_out_.load()) {
    return Errno(ETIMEDOUT);
  }
  if (Interrupted()) return Errno(EINTR);
  return Ok();
}

Result<void> Task::BlockOn(waiter::Queue& q, uint32_t events,
                           std::optional<Clock::time_point> deadline) {
  waiter::Entry e{this, events};
  q.EventRegister(&e);
  Result<void> r = Block(deadline);
  q.EventUnregister(&e);
  return r;
}

void Task::Kick() {
  if (fiber_) fiber_->Wake();
  // Under signal_mu so the context can't be destroyed meanwhile (FinishExit).
  std::lock_guard lock(kernel_.signal_mu());
  if (platform::Context* c = ctx_ptr_.load()) c->Interrupt();
}

}  // namespace kekkai::sentry::kernel

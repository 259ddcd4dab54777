// Task exit: exit(2), exit_group(2) and what a finishing thread releases.
#include "base/logging.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"

namespace kekkai::sentry::kernel {

bool Task::ShouldExit() const { return exit_called_ || kill_requested_.load(); }

void Task::Exit(int code) {
  exit_called_ = true;
  std::lock_guard lock(kernel_.signal_mu());
  // The last thread out leaves the group's status as exit(2)'s code.
  if (tg_->tasks().size() == 1) tg_->BeginExit((code & 0xff) << 8);
}

void Task::ExitGroup(int wait_status) {
  std::vector<Task*> others;
  {
    std::lock_guard lock(kernel_.signal_mu());
    tg_->BeginExit(wait_status);
    for (Task* t : tg_->tasks()) {
      t->kill_requested_ = true;
      if (t != this) others.push_back(t);
    }
  }
  for (Task* t : others) t->Kick();
}

void Task::FinishExit() {
  // CLONE_CHILD_CLEARTID: zero the tid word and wake one futex waiter (pthread_join).
  if (clear_child_tid_ != 0 && mm_) {
    const uint32_t zero = 0;
    if (mm_->CopyOutObj(GuestAddr(clear_child_tid_), zero).ok()) {
      kernel_.futexes().Wake(*this, clear_child_tid_, ~0u, 1);
    }
  }
  bool last;
  {
    std::lock_guard lock(kernel_.signal_mu());
    exiting_ = true;
    ctx_ptr_.store(nullptr);
    auto& ts = tg_->tasks();
    std::erase(ts, this);
    last = ts.empty();
    if (last) tg_->BeginExit(0);
  }
  // The context is bound to this host thread: release it here, not at kernel teardown.
  ctx_.reset();
  mm_.reset();
  fds_.reset();
  if (last) kernel_.OnThreadGroupExit(tg_);
}

}  // namespace kekkai::sentry::kernel

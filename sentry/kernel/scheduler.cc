#include "sentry/kernel/scheduler.h"

#include <boost/context/protected_fixedsize_stack.hpp>

#include "base/logging.h"

namespace kekkai::sentry::kernel {

namespace ctx = boost::context;

Fiber::Fiber(std::function<void()> body, std::function<void()> on_done)
    : body_(std::move(body)), on_done_(std::move(on_done)) {
  self_ = ctx::fiber(std::allocator_arg, ctx::protected_fixedsize_stack(kStackSize),
                     [this](ctx::fiber&& caller) {
                       caller_ = std::move(caller);
                       body_();
                       {
                         std::lock_guard lock(worker_->mu_);
                         finished_ = true;
                       }
                       return std::move(caller_);
                     });
}

Fiber::~Fiber() = default;

void Fiber::Resume() { self_ = std::move(self_).resume(); }

void Fiber::Park() {
  {
    std::lock_guard lock(worker_->mu_);
    if (wake_pending_) {
      wake_pending_ = false;
      return;
    }
    parked_ = true;
  }
  // Until this switch completes no other thread can run us: a concurrent Wake only
  // queues us on our own worker, which is this host thread.
  caller_ = std::move(caller_).resume();
}

void Fiber::Wake() {
  Worker* w = worker_;
  std::lock_guard lock(w->mu_);
  if (finished_) return;
  if (parked_) {
    parked_ = false;
    w->Post(this);
  } else {
    wake_pending_ = true;
  }
}

Worker::Worker() : thread_([this] { Loop(); }) {}

Worker::~Worker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  thread_.join();
}

void Worker::Start(Fiber* f) {
  std::lock_guard lock(mu_);
  f->worker_ = this;
  ++live_;
  Post(f);
}

size_t Worker::live() const {
  std::lock_guard lock(mu_);
  return live_;
}

void Worker::Post(Fiber* f) {
  runq_.push_back(f);
  cv_.notify_one();
}

void Worker::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return !runq_.empty() || (stop_ && live_ == 0); });
    if (runq_.empty()) return;
    Fiber* f = runq_.front();
    runq_.pop_front();
    lock.unlock();
    f->Resume();
    lock.lock();
    if (f->finished_) {
      --live_;
      lock.unlock();
      // on_done may destroy the fiber; its stack is no longer in use.
      auto done = std::move(f->on_done_);
      if (done) done();
      lock.lock();
    }
  }
}

Scheduler::~Scheduler() {
  std::lock_guard lock(mu_);
  workers_.clear();
}

void Scheduler::Start(Fiber* f) {
  std::lock_guard lock(mu_);
  for (auto& w : workers_) {
    if (w->live() == 0) {
      w->Start(f);
      return;
    }
  }
  workers_.push_back(std::make_unique<Worker>());
  workers_.back()->Start(f);
}

}  // namespace kekkai::sentry::kernel

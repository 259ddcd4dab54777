// The scheduler: guest tasks run as fibers (Boost.Context) on a pool of sentry
// worker threads. A fiber never migrates once started (glibc caches TLS addresses
// such as errno's across calls, and under ptrace its host thread is the tracer of
// its stub thread). A fiber that blocks parks; Wake() makes it runnable again on its
// own worker.
#ifndef KEKKAI_SENTRY_KERNEL_SCHEDULER_H_
#define KEKKAI_SENTRY_KERNEL_SCHEDULER_H_

#include <boost/context/fiber.hpp>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace kekkai::sentry::kernel {

class Worker;

// A unit of sentry execution with its own stack.
class Fiber {
 public:
  static constexpr size_t kStackSize = 256 * 1024;

  // `body` runs on the fiber's stack; `on_done` runs on the worker's stack after the
  // body returned (it may destroy the Fiber).
  Fiber(std::function<void()> body, std::function<void()> on_done);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Parks the calling fiber until Wake(). Returns at once if a Wake() came since the
  // last Park. Must be called on this fiber.
  void Park();
  // Makes a parked fiber runnable (or the next Park return at once). Thread-safe.
  void Wake();

 private:
  friend class Worker;
  // Runs the fiber until it parks or finishes. Called by its worker.
  void Resume();

  std::function<void()> body_;
  std::function<void()> on_done_;
  boost::context::fiber self_;
  boost::context::fiber caller_;
  Worker* worker_ = nullptr;
  // Guarded by worker_->mu_.
  bool parked_ = false;
  bool wake_pending_ = false;
  bool finished_ = false;
};

// One sentry host thread running fibers.
class Worker {
 public:
  Worker();
  ~Worker();  // Stops the thread once every fiber has finished.
  // Starts `f` on this worker. Thread-safe.
  void Start(Fiber* f);
  // Returns the number of fibers started here that haven't finished.
  size_t live() const;

 private:
  friend class Fiber;
  void Loop();
  void Post(Fiber* f);  // Requires mu_.

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Fiber*> runq_;
  size_t live_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

// The pool of workers. Each Task is started on a worker with no live fiber (a task
// running guest code under ptrace owns its host thread); idle workers are reused.
class Scheduler {
 public:
  Scheduler() = default;
  ~Scheduler();
  // Starts `f` on an idle worker, creating one if needed. Thread-safe.
  void Start(Fiber* f);

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace kekkai::sentry::kernel

#endif  // KEKKAI_SENTRY_KERNEL_SCHEDULER_H_

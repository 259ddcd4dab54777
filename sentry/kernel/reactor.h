// Reactor: the sentry's one host-I/O and timer thread. It watches host fds with
// epoll (one-shot) and notifies a wait queue when they become ready, and runs timer
// callbacks at their deadlines (blocking syscalls with timeouts, sleeps).
#ifndef KEKKAI_SENTRY_KERNEL_REACTOR_H_
#define KEKKAI_SENTRY_KERNEL_REACTOR_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "base/file_descriptor.h"
#include "base/result.h"
#include "sentry/waiter/waiter.h"

namespace kekkai::sentry::kernel {

using Clock = std::chrono::steady_clock;

class Reactor {
 public:
  static Result<std::unique_ptr<Reactor>> Create();
  ~Reactor();

  // Runs `fn` on the reactor thread at `deadline`. `fn` must not block. Returns an id.
  uint64_t AddTimer(Clock::time_point deadline, std::function<void()> fn);
  // Cancels a timer. After it returns the callback is not running and will not run.
  // Returns false if it already ran.
  bool CancelTimer(uint64_t id);

  // Arms a one-shot readiness watch of host `fd` (borrowed) for `events` (poll bits);
  // when ready, `queue` is notified with the ready events. EPERM for fds epoll can't
  // watch (regular files: always ready).
  Result<void> WatchOnce(int fd, uint32_t events, waiter::Queue* queue);
  // Stops watching `fd`; call before closing it.
  void Unwatch(int fd);

 private:
  Reactor(FileDescriptor epfd, FileDescriptor eventfd);
  void Loop();
  void Kick();

  FileDescriptor epfd_;
  FileDescriptor eventfd_;
  std::mutex mu_;
  bool stop_ = false;
  uint64_t next_id_ = 1;
  std::multimap<Clock::time_point, uint64_t> deadlines_;
  struct Timer {
    std::multimap<Clock::time_point, uint64_t>::iterator it;
    std::function<void()> fn;
  };
  std::unordered_map<uint64_t, Timer> timers_;
  std::unordered_map<int, waiter::Queue*> watches_;
  std::thread thread_;
};

}  // namespace kekkai::sentry::kernel

#endif  // KEKKAI_SENTRY_KERNEL_REACTOR_H_

// FutexTable: futex(2) wait queues keyed by address space and guest address.
#ifndef KEKKAI_SENTRY_KERNEL_FUTEX_H_
#define KEKKAI_SENTRY_KERNEL_FUTEX_H_

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "base/result.h"
#include "sentry/kernel/reactor.h"

namespace kekkai::sentry::kernel {

class Task;

class FutexTable {
 public:
  // Identifies a futex word. Every futex is private to its address space for now
  // (no memory is shared between address spaces yet).
  using Key = std::pair<const void*, uint64_t>;

  // FUTEX_WAIT(_BITSET): blocks `t` while the word at `addr` equals `val`.
  // EAGAIN if it differs, ETIMEDOUT, EINTR (the caller maps it to a restart).
  Result<void> Wait(Task& t, uint64_t addr, uint32_t val, uint32_t bitset,
                    std::optional<Clock::time_point> deadline);
  // FUTEX_WAKE(_BITSET): wakes up to `n` waiters; returns how many.
  int Wake(Task& t, uint64_t addr, uint32_t bitset, int n);
  // FUTEX_REQUEUE/CMP_REQUEUE: wakes up to `n` and moves up to `n2` others to `addr2`.
  int Requeue(Task& t, uint64_t addr, uint64_t addr2, int n, int n2);

 private:
  struct Waiter {
    Task* task;
    uint32_t bitset;
    Key key;  // Changes when requeued.
    bool woken = false;
  };
  std::mutex mu_;
  std::map<Key, std::list<Waiter*>> queues_;
};

}  // namespace kekkai::sentry::kernel

#endif  // KEKKAI_SENTRY_KERNEL_FUTEX_H_

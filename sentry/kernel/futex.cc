#include "sentry/kernel/futex.h"

#include <algorithm>

#include "sentry/kernel/task.h"

namespace kekkai::sentry::kernel {

Result<void> FutexTable::Wait(Task& t, uint64_t addr, uint32_t val, uint32_t bitset,
                              std::optional<Clock::time_point> deadline) {
  if (addr % 4 != 0) return Errno(EINVAL);
  if (bitset == 0) return Errno(EINVAL);
  const Key key{&t.mm(), addr};
  Waiter w{&t, bitset, key};
  {
    std::lock_guard lock(mu_);
    // Read the word under the table lock so a concurrent FUTEX_WAKE that follows a
    // store to it cannot be missed.
    ASSIGN_OR_RETURN(uint32_t cur, t.mm().CopyInObj<uint32_t>(GuestAddr(addr)));
    if (cur != val) return Errno(EAGAIN);
    queues_[key].push_back(&w);
  }
  Result<void> r = Ok();
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (w.woken) return Ok();
    }
    r = t.Block(deadline);
    if (!r.ok()) break;
  }
  std::lock_guard lock(mu_);
  if (w.woken) return Ok();
  auto qit = queues_.find(w.key);
  qit->second.remove(&w);
  if (qit->second.empty()) queues_.erase(qit);
  return r.error();
}

int FutexTable::Wake(Task& t, uint64_t addr, uint32_t bitset, int n) {
  if (n <= 0 || bitset == 0) return 0;
  std::lock_guard lock(mu_);
  auto qit = queues_.find(Key{&t.mm(), addr});
  if (qit == queues_.end()) return 0;
  int woken = 0;
  auto& q = qit->second;
  for (auto it = q.begin(); it != q.end() && woken < n;) {
    Waiter* w = *it;
    if ((w->bitset & bitset) == 0) {
      ++it;
      continue;
    }
    it = q.erase(it);
    w->woken = true;
    w->task->Notify(0);
    ++woken;
  }
  if (q.empty()) queues_.erase(qit);
  return woken;
}

int FutexTable::Requeue(Task& t, uint64_t addr, uint64_t addr2, int n, int n2) {
  int woken = Wake(t, addr, ~0u, n);
  // Requeueing onto the same word moves nobody (and must not spin n2 times).
  if (n2 <= 0 || addr == addr2) return woken;
  std::lock_guard lock(mu_);
  auto from = queues_.find(Key{&t.mm(), addr});
  if (from == queues_.end()) return woken;
  const Key key2{&t.mm(), addr2};
  auto& dst = queues_[key2];
  int moved = 0;
  auto& src = from->second;
  while (!src.empty() && moved < n2 && moved < INT32_MAX - woken) {
    src.front()->key = key2;
    dst.splice(dst.end(), src, src.begin());
    ++moved;
  }
  if (src.empty()) queues_.erase(from);
  return woken + moved;
}

}  // namespace kekkai::sentry::kernel

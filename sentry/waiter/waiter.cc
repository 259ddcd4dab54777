#include "sentry/waiter/waiter.h"

namespace kekkai::sentry::waiter {

Queue::~Queue() {
  // Entries outlive neither their queue nor their registrant; unlink leftovers so a
  // late EventUnregister is harmless.
  std::lock_guard lock(mu_);
  for (Entry* e = head_; e != nullptr;) {
    Entry* next = e->next;
    e->linked = false;
    e->prev = e->next = nullptr;
    e = next;
  }
}

void Queue::EventRegister(Entry* e) {
  std::lock_guard lock(mu_);
  if (e->linked) return;
  e->prev = nullptr;
  e->next = head_;
  if (head_ != nullptr) head_->prev = e;
  head_ = e;
  e->linked = true;
}

void Queue::EventUnregister(Entry* e) {
  std::lock_guard lock(mu_);
  if (!e->linked) return;
  if (e->prev != nullptr) e->prev->next = e->next;
  else head_ = e->next;
  if (e->next != nullptr) e->next->prev = e->prev;
  e->prev = e->next = nullptr;
  e->linked = false;
}

void Queue::Notify(uint32_t events) {
  std::lock_guard lock(mu_);
  for (Entry* e = head_; e != nullptr; e = e->next) {
    if ((e->mask & events) != 0) e->waiter->Notify(events);
  }
}

uint32_t Queue::Events() const {
  std::lock_guard lock(mu_);
  uint32_t m = 0;
  for (Entry* e = head_; e != nullptr; e = e->next) m |= e->mask;
  return m;
}

}  // namespace kekkai::sentry::waiter

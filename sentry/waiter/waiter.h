// The readiness/wait-queue primitive: a Queue of Entries, each with an event mask
// and a Waiter to notify. Files, pipes and sockets expose a Queue; blocked tasks
// and epoll register Entries on it. Knows no Task or Kernel.
#ifndef KEKKAI_SENTRY_WAITER_WAITER_H_
#define KEKKAI_SENTRY_WAITER_WAITER_H_

#include <cstdint>
#include <mutex>

namespace kekkai::sentry::waiter {

// Event bits, equal to poll(2)'s.
inline constexpr uint32_t kEventIn = 0x001;
inline constexpr uint32_t kEventPri = 0x002;
inline constexpr uint32_t kEventOut = 0x004;
inline constexpr uint32_t kEventErr = 0x008;
inline constexpr uint32_t kEventHup = 0x010;
inline constexpr uint32_t kEventRdHup = 0x2000;
inline constexpr uint32_t kAllEvents = 0xffffffff;

// Receives notifications. Notify may be called from any host thread, with the
// queue's lock held: it must not block or re-enter the queue.
class Waiter {
 public:
  virtual ~Waiter() = default;
  virtual void Notify(uint32_t events) = 0;
};

// One registration on a Queue. Owned by the registrant; must be unregistered
// before it is destroyed.
struct Entry {
  Waiter* waiter = nullptr;
  uint32_t mask = 0;
  Entry* prev = nullptr;
  Entry* next = nullptr;
  bool linked = false;
};

// A list of Entries. Thread-safe.
class Queue {
 public:
  Queue() = default;
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  ~Queue();

  void EventRegister(Entry* e);
  void EventUnregister(Entry* e);
  // Notifies every entry whose mask intersects `events`.
  void Notify(uint32_t events);
  // Returns the union of registered masks.
  uint32_t Events() const;

 private:
  mutable std::mutex mu_;
  Entry* head_ = nullptr;
};

}  // namespace kekkai::sentry::waiter

#endif  // KEKKAI_SENTRY_WAITER_WAITER_H_

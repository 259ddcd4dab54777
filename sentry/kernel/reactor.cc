#include "sentry/kernel/reactor.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/logging.h"

namespace kekkai::sentry::kernel {

Result<std::unique_ptr<Reactor>> Reactor::Create() {
  FileDescriptor ep(epoll_create1(EPOLL_CLOEXEC));
  if (!ep.valid()) {
    PLOG(ERROR) << "epoll_create1";
    return LastErrno();
  }
  FileDescriptor ev(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!ev.valid()) {
    PLOG(ERROR) << "eventfd";
    return LastErrno();
  }
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.fd = ev.get();
  if (epoll_ctl(ep.get(), EPOLL_CTL_ADD, ev.get(), &e) != 0) {
    PLOG(ERROR) << "epoll_ctl(eventfd)";
    return LastErrno();
  }
  return std::unique_ptr<Reactor>(new Reactor(std::move(ep), std::move(ev)));
}

Reactor::Reactor(FileDescriptor epfd, FileDescriptor eventfd)
    : epfd_(std::move(epfd)), eventfd_(std::move(eventfd)), thread_([this] { Loop(); }) {}

Reactor::~Reactor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  Kick();
  thread_.join();
}

void Reactor::Kick() {
  uint64_t one = 1;
  (void)!write(eventfd_.get(), &one, sizeof(one));
}

uint64_t Reactor::AddTimer(Clock::time_point deadline, std::function<void()> fn) {
  bool earliest;
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    auto it = deadlines_.emplace(deadline, id);
    timers_.emplace(id, Timer{it, std::move(fn)});
    earliest = it == deadlines_.begin();
  }
  if (earliest) Kick();
  return id;
}

bool Reactor::CancelTimer(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = timers_.find(id);
  if (it == timers_.end()) return false;
  deadlines_.erase(it->second.it);
  timers_.erase(it);
  return true;
}

Result<void> Reactor::WatchOnce(int fd, uint32_t events, waiter::Queue* queue) {
  std::lock_guard lock(mu_);
  epoll_event e{};
  e.events = events | EPOLLONESHOT;
  e.data.fd = fd;
  bool known = watches_.count(fd) != 0;
  if (epoll_ctl(epfd_.get(), known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &e) != 0) {
    if (!known || errno != ENOENT) return LastErrno();
    if (epoll_ctl(epfd_.get(), EPOLL_CTL_ADD, fd, &e) != 0) return LastErrno();
  }
  watches_[fd] = queue;
  return Ok();
}

void Reactor::Unwatch(int fd) {
  std::lock_guard lock(mu_);
  if (watches_.erase(fd) != 0) epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void Reactor::Loop() {
  epoll_event events[64];
  std::unique_lock lock(mu_);
  while (!stop_) {
    int timeout_ms = -1;
    if (!deadlines_.empty()) {
      auto now = Clock::now();
      auto first = deadlines_.begin()->first;
      if (first <= now) {
        uint64_t id = deadlines_.begin()->second;
        deadlines_.erase(deadlines_.begin());
        auto node = timers_.extract(id);
        // Runs under mu_ so CancelTimer can promise the callback is not running.
        node.mapped().fn();
        continue;
      }
      auto ms = std::chrono::ceil<std::chrono::milliseconds>(first - now).count();
      timeout_ms = static_cast<int>(std::min<int64_t>(ms, 1 << 30));
    }
    lock.unlock();
    int n = epoll_wait(epfd_.get(), events, 64, timeout_ms);
    lock.lock();
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == eventfd_.get()) {
        uint64_t v;
        (void)!read(eventfd_.get(), &v, sizeof(v));
        continue;
      }
      auto it = watches_.find(fd);
      if (it == watches_.end()) continue;
      uint32_t ev = events[i].events;
      // Hang-up and error make the fd readable (a read returns 0 or the error).
      if (ev & (EPOLLHUP | EPOLLERR)) ev |= EPOLLIN;
      it->second->Notify(ev);
    }
  }
}

}  // namespace kekkai::sentry::kernel

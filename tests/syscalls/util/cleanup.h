// Cleanup: runs a callback once when it goes out of scope (unless released) — how
// a test puts back process-wide state (a signal disposition, the signal mask, a
// resource limit, the working directory) it changed.
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_CLEANUP_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_CLEANUP_H_

#include <functional>
#include <utility>

namespace kekkai::syscall_test {

class Cleanup {
 public:
  Cleanup() = default;
  explicit Cleanup(std::function<void()> fn) : fn_(std::move(fn)) {}
  Cleanup(Cleanup&& o) noexcept : fn_(std::exchange(o.fn_, nullptr)) {}
  Cleanup& operator=(Cleanup&& o) noexcept {
    if (this != &o) {
      Run();
      fn_ = std::exchange(o.fn_, nullptr);
    }
    return *this;
  }
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;
  ~Cleanup() { Run(); }

  // Runs the callback now (at most once).
  void Run() {
    if (fn_) std::exchange(fn_, nullptr)();
  }
  // Drops the callback without running it.
  void Release() { fn_ = nullptr; }

 private:
  std::function<void()> fn_;
};

}  // namespace kekkai::syscall_test

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_CLEANUP_H_

// ErrnoOr<T>: a value, or the errno of the call that failed to make it — what the
// test helpers (Open, MmapAnon, ScopedSigaction, ...) return — and the macros that
// unwrap it inside a test:
//
//   FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/etc/os-release", O_RDONLY));
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_ERRNO_OR_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_ERRNO_OR_H_

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>

#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {

template <typename T>
class [[nodiscard]] ErrnoOr {
 public:
  ErrnoOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit like expected
  // Returns a failure: `what` names the call ("open(/etc/os-release)").
  static ErrnoOr Error(int e, std::string what) { return ErrnoOr(e, std::move(what)); }

  bool ok() const { return value_.has_value(); }
  int error() const { return errno_; }
  // Returns "open(/x): ENOENT (No such file or directory)".
  std::string Describe() const { return what_ + ": " + ErrnoName(errno_); }

  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }

 private:
  ErrnoOr(int e, std::string what) : errno_(e), what_(std::move(what)) {}

  std::optional<T> value_;
  int errno_ = 0;
  std::string what_;
};

}  // namespace kekkai::syscall_test

// Fails the test (fatally) unless `expr`, an ErrnoOr, holds a value.
#define ASSERT_NO_ERRNO(expr)                                          \
  do {                                                                 \
    const auto& kekkai_errno_or_ = (expr);                             \
    ASSERT_TRUE(kekkai_errno_or_.ok()) << kekkai_errno_or_.Describe(); \
  } while (0)

// Evaluates to the value of `expr`, an ErrnoOr; fails the test (returning from the
// enclosing void function) if it holds an error. A GNU statement expression, as in
// gVisor's suite.
#define ASSERT_NO_ERRNO_AND_VALUE(expr)                                \
  ({                                                                   \
    auto kekkai_errno_or_ = (expr);                                    \
    ASSERT_TRUE(kekkai_errno_or_.ok()) << kekkai_errno_or_.Describe(); \
    std::move(kekkai_errno_or_).value();                               \
  })

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_ERRNO_OR_H_

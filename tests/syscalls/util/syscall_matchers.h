// GoogleTest matchers for the return value of a system call or its libc wrapper,
// in the style of gVisor's syscall tests:
//
//   EXPECT_THAT(read(fd.get(), buf, 1), SyscallFailsWithErrno(EISDIR));
//   EXPECT_THAT(dup(1), SyscallSucceedsWithValue(Ge(3)));
//
// A call "fails" when it returns -1 (MAP_FAILED for a pointer); the matcher then
// reads errno, so it must be applied right after the call, as EXPECT_THAT does.
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_SYSCALL_MATCHERS_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_SYSCALL_MATCHERS_H_

#include <errno.h>
#include <gmock/gmock.h>

#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

namespace kekkai::syscall_test {

// Returns "EBADF (Bad file descriptor)" for a known errno value, "errno 4242"
// otherwise.
std::string ErrnoName(int e);

// Returns whether `rv` is a system call's error return: -1, or MAP_FAILED for a
// pointer.
template <typename T>
bool IsSyscallError(const T& rv) {
  if constexpr (std::is_pointer_v<T>) {
    return rv == reinterpret_cast<T>(-1);
  } else {
    return rv == static_cast<T>(-1);
  }
}

namespace internal {

// Keeps errno across work that may clobber it (allocating a matcher).
class ErrnoSaver {
 public:
  ErrnoSaver() : saved_(errno) {}
  ~ErrnoSaver() { errno = saved_; }
  ErrnoSaver(const ErrnoSaver&) = delete;
  ErrnoSaver& operator=(const ErrnoSaver&) = delete;

 private:
  int saved_;
};

// Matches a successful return whose value matches `inner`.
template <typename T>
class SucceedsImpl : public ::testing::MatcherInterface<T> {
 public:
  explicit SucceedsImpl(::testing::Matcher<T> inner) : inner_(std::move(inner)) {}

  bool MatchAndExplain(T rv, ::testing::MatchResultListener* listener) const override {
    const int e = errno;  // first, before anything can change it
    if (IsSyscallError(rv)) {
      *listener << "which failed with errno " << ErrnoName(e);
      return false;
    }
    return inner_.MatchAndExplain(rv, listener);
  }
  void DescribeTo(std::ostream* os) const override {
    *os << "succeeds with a value that ";
    inner_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const override {
    *os << "fails, or succeeds with a value that ";
    inner_.DescribeNegationTo(os);
  }

 private:
  ::testing::Matcher<T> inner_;
};

// Matches an error return whose errno matches `errno_matcher`.
template <typename T>
class FailsImpl : public ::testing::MatcherInterface<T> {
 public:
  explicit FailsImpl(::testing::Matcher<int> errno_matcher)
      : errno_matcher_(std::move(errno_matcher)) {}

  bool MatchAndExplain(T rv, ::testing::MatchResultListener* listener) const override {
    const int e = errno;  // first, before anything can change it
    if (!IsSyscallError(rv)) {
      *listener << "which succeeded";
      return false;
    }
    *listener << "which failed with errno " << ErrnoName(e);
    return errno_matcher_.Matches(e);
  }
  void DescribeTo(std::ostream* os) const override {
    *os << "fails with an errno that ";
    errno_matcher_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const override {
    *os << "succeeds, or fails with an errno that ";
    errno_matcher_.DescribeNegationTo(os);
  }

 private:
  ::testing::Matcher<int> errno_matcher_;
};

// Polymorphic: becomes a Matcher<T> for whatever type the call returns.
template <typename ValueMatcher>
class SucceedsMatcher {
 public:
  explicit SucceedsMatcher(ValueMatcher value) : value_(std::move(value)) {}
  template <typename T>
  operator ::testing::Matcher<T>() const {  // NOLINT: implicit by design
    ErrnoSaver saver;
    return ::testing::MakeMatcher(new SucceedsImpl<T>(::testing::SafeMatcherCast<T>(value_)));
  }

 private:
  ValueMatcher value_;
};

class FailsMatcher {
 public:
  explicit FailsMatcher(::testing::Matcher<int> errno_matcher)
      : errno_matcher_(std::move(errno_matcher)) {}
  template <typename T>
  operator ::testing::Matcher<T>() const {  // NOLINT: implicit by design
    ErrnoSaver saver;
    return ::testing::MakeMatcher(new FailsImpl<T>(errno_matcher_));
  }

 private:
  ::testing::Matcher<int> errno_matcher_;
};

// Prints an errno value by name in matcher descriptions.
class ErrnoIsMatcher {
 public:
  using is_gtest_matcher = void;
  explicit ErrnoIsMatcher(int e) : e_(e) {}
  bool MatchAndExplain(int e, ::testing::MatchResultListener*) const { return e == e_; }
  void DescribeTo(std::ostream* os) const { *os << "is " << ErrnoName(e_); }
  void DescribeNegationTo(std::ostream* os) const { *os << "isn't " << ErrnoName(e_); }

 private:
  int e_;
};

}  // namespace internal

// Matches a call that succeeded (returned anything but -1 / MAP_FAILED).
inline auto SyscallSucceeds() { return internal::SucceedsMatcher(::testing::_); }

// Matches a call that succeeded with a value equal to, or matching, `value`.
template <typename V>
auto SyscallSucceedsWithValue(V value) {
  return internal::SucceedsMatcher<V>(std::move(value));
}

// Matches a call that failed with any errno.
inline auto SyscallFails() { return internal::FailsMatcher(::testing::Matcher<int>(::testing::_)); }

// Matches a call that failed with errno `e`.
inline auto SyscallFailsWithErrno(int e) {
  return internal::FailsMatcher(::testing::Matcher<int>(internal::ErrnoIsMatcher(e)));
}

// Matches a call that failed with an errno matching `m` (e.g. AnyOf(...)).
inline auto SyscallFailsWithErrno(::testing::Matcher<int> m) {
  return internal::FailsMatcher(std::move(m));
}

}  // namespace kekkai::syscall_test

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_SYSCALL_MATCHERS_H_

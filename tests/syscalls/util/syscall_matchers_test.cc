// The matchers themselves: each must be able to fail, and say why.
#include "tests/syscalls/util/syscall_matchers.h"

#include <errno.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>

namespace kekkai::syscall_test {
namespace {

using ::testing::AnyOf;
using ::testing::Ge;
using ::testing::HasSubstr;

// Returns what `m` says about `rv` with errno set to `e`.
template <typename T, typename M>
std::string Explain(const M& m, T rv, int e) {
  ::testing::Matcher<const T&> matcher = m;
  ::testing::StringMatchResultListener listener;
  errno = e;
  matcher.MatchAndExplain(rv, &listener);
  return listener.str();
}

template <typename T, typename M>
bool Matches(const M& m, T rv, int e) {
  ::testing::Matcher<const T&> matcher = m;
  errno = e;
  return matcher.Matches(rv);
}

TEST(SyscallMatchersTest, SucceedsRejectsMinusOneAndNamesTheErrno) {
  EXPECT_TRUE(Matches<long>(SyscallSucceeds(), 0, EBADF));
  EXPECT_TRUE(Matches<long>(SyscallSucceeds(), 12345, 0));
  EXPECT_FALSE(Matches<long>(SyscallSucceeds(), -1, EBADF));
  EXPECT_THAT(Explain<long>(SyscallSucceeds(), -1, EBADF), HasSubstr("EBADF"));
}

TEST(SyscallMatchersTest, SucceedsWithValueComparesTheValue) {
  EXPECT_TRUE(Matches<ssize_t>(SyscallSucceedsWithValue(3), 3, 0));
  EXPECT_FALSE(Matches<ssize_t>(SyscallSucceedsWithValue(3), 4, 0));
  EXPECT_FALSE(Matches<ssize_t>(SyscallSucceedsWithValue(3), -1, EINVAL));
  EXPECT_TRUE(Matches<int>(SyscallSucceedsWithValue(Ge(3)), 7, 0));
  EXPECT_FALSE(Matches<int>(SyscallSucceedsWithValue(Ge(3)), 2, 0));
}

TEST(SyscallMatchersTest, FailsWithErrnoChecksTheErrno) {
  EXPECT_TRUE(Matches<int>(SyscallFailsWithErrno(EINVAL), -1, EINVAL));
  EXPECT_FALSE(Matches<int>(SyscallFailsWithErrno(EINVAL), -1, EFAULT));
  EXPECT_FALSE(Matches<int>(SyscallFailsWithErrno(EINVAL), 0, EINVAL));
  EXPECT_THAT(Explain<int>(SyscallFailsWithErrno(EINVAL), -1, EFAULT), HasSubstr("EFAULT"));
  EXPECT_THAT(Explain<int>(SyscallFailsWithErrno(EINVAL), 5, EINVAL), HasSubstr("succeeded"));
  EXPECT_TRUE(Matches<int>(SyscallFailsWithErrno(AnyOf(EINVAL, EFAULT)), -1, EFAULT));
  EXPECT_TRUE(Matches<int>(SyscallFails(), -1, ENOSYS));
  EXPECT_FALSE(Matches<int>(SyscallFails(), 0, ENOSYS));
}

TEST(SyscallMatchersTest, PointerResultsFailWithMapFailed) {
  int x;
  EXPECT_TRUE(Matches<void*>(SyscallSucceeds(), &x, 0));
  EXPECT_TRUE(Matches<void*>(SyscallSucceedsWithValue(static_cast<void*>(&x)), &x, 0));
  EXPECT_FALSE(Matches<void*>(SyscallSucceeds(), MAP_FAILED, ENOMEM));
  EXPECT_TRUE(Matches<void*>(SyscallFailsWithErrno(ENOMEM), MAP_FAILED, ENOMEM));
}

TEST(SyscallMatchersTest, ErrnoNameNamesKnownAndUnknownValues) {
  EXPECT_THAT(ErrnoName(ENOENT), HasSubstr("ENOENT"));
  EXPECT_EQ(ErrnoName(4242), "errno 4242");
}

}  // namespace
}  // namespace kekkai::syscall_test

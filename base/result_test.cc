#include "base/result.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace kekkai {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return Errno(EINVAL);
  return v / 2;
}

Result<int> Quarter(int v) {
  ASSIGN_OR_RETURN(int h, Half(v));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Result<void> CheckEven(int v) {
  RETURN_IF_ERROR(Half(v));
  return Ok();
}

TEST(ResultTest, HoldsValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(r.value_or(7), 42);
}

TEST(ResultTest, HoldsError) {
  Result<int> r = Errno(ENOENT);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), Errno(ENOENT));
  EXPECT_EQ(r.value_or(7), 7);
}

TEST(ResultTest, AssignOrReturnPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).error().value(), EINVAL);
  EXPECT_EQ(Quarter(5).error().value(), EINVAL);
}

TEST(ResultTest, ReturnIfErrorPropagates) {
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(3).error().value(), EINVAL);
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<std::string>> r = std::make_unique<std::string>("x");
  std::unique_ptr<std::string> p = std::move(r).value();
  EXPECT_EQ(*p, "x");
}

TEST(ResultTest, AccessingWrongAlternativeAborts) {
  Result<int> r = Errno(EBADF);
  EXPECT_DEATH((void)r.value(), "");
  Result<void> ok = Ok();
  EXPECT_DEATH((void)ok.error(), "");
}

TEST(ErrnoTest, RestartCodes) {
  EXPECT_TRUE(Errno(kERESTARTSYS).IsRestart());
  EXPECT_TRUE(Errno(kERESTART_RESTARTBLOCK).IsRestart());
  EXPECT_FALSE(Errno(EINTR).IsRestart());
  EXPECT_STREQ(ErrnoName(ENOSYS), "ENOSYS");
}

}  // namespace
}  // namespace kekkai

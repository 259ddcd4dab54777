#include "tests/syscalls/gtest_output.h"

#include <gtest/gtest.h>

namespace kekkai::tests::syscalls {
namespace {

constexpr char kFinished[] = R"([==========] Running 4 tests from 1 test suite.
[----------] Global test environment set-up.
[ RUN      ] A.Ok
[       OK ] A.Ok (0 ms)
[ RUN      ] A.Skip
x.cc:4: Skipped
because
[  SKIPPED ] A.Skip (0 ms)
[ RUN      ] A.Fail
x.cc:5: Failure
Expected equality of these values:
[  FAILED  ] A.Fail (1 ms)
[ RUN      ] P/B.Param/0
[  FAILED  ] P/B.Param/0, where GetParam() = false (0 ms)
[==========] 4 tests from 2 test suites ran. (1 ms total)
[  PASSED  ] 1 test.
[  SKIPPED ] 1 test, listed below:
[  SKIPPED ] A.Skip
[  FAILED  ] 2 tests, listed below:
[  FAILED  ] A.Fail
[  FAILED  ] P/B.Param/0, where GetParam() = false

 2 FAILED TESTS
)";

TEST(GtestOutputTest, ReadsEveryVerdictOnceAndTheEnd) {
  const GtestRun run = ParseGtestOutput(kFinished);
  ASSERT_EQ(run.decided.size(), 4u);
  EXPECT_EQ(run.decided[0].name, "A.Ok");
  EXPECT_EQ(run.decided[0].verdict, Verdict::kPassed);
  EXPECT_EQ(run.decided[1].name, "A.Skip");
  EXPECT_EQ(run.decided[1].verdict, Verdict::kSkipped);
  EXPECT_EQ(run.decided[2].name, "A.Fail");
  EXPECT_EQ(run.decided[2].verdict, Verdict::kFailed);
  EXPECT_EQ(run.decided[2].output, "x.cc:5: Failure\nExpected equality of these values:\n");
  EXPECT_EQ(run.decided[3].name, "P/B.Param/0");
  EXPECT_EQ(run.decided[3].verdict, Verdict::kFailed);
  EXPECT_TRUE(run.finished);
  EXPECT_TRUE(run.running.empty());
}

TEST(GtestOutputTest, OutputCutShortInsideATestNamesIt) {
  const GtestRun run = ParseGtestOutput(
      "[ RUN      ] A.Ok\n[       OK ] A.Ok (0 ms)\n[ RUN      ] A.Crash\nhalf a li");
  ASSERT_EQ(run.decided.size(), 1u);
  EXPECT_EQ(run.running, "A.Crash");
  EXPECT_EQ(run.running_output, "half a li\n");
  EXPECT_FALSE(run.finished);
}

TEST(GtestOutputTest, AResultLineForAnotherTestIsNotAVerdict) {
  // Only the running test can be decided: a line a test printed itself that
  // looks like a verdict does not count.
  const GtestRun run = ParseGtestOutput(
      "[ RUN      ] A.Tricky\n[       OK ] A.Other (0 ms)\n[  FAILED  ] A.Tricky (2 ms)\n");
  ASSERT_EQ(run.decided.size(), 1u);
  EXPECT_EQ(run.decided[0].name, "A.Tricky");
  EXPECT_EQ(run.decided[0].verdict, Verdict::kFailed);
  EXPECT_EQ(run.decided[0].output, "[       OK ] A.Other (0 ms)\n");
}

TEST(GtestOutputTest, EmptyOutputDecidesNothing) {
  const GtestRun run = ParseGtestOutput("");
  EXPECT_TRUE(run.decided.empty());
  EXPECT_TRUE(run.running.empty());
  EXPECT_FALSE(run.finished);
}

}  // namespace
}  // namespace kekkai::tests::syscalls

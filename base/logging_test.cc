#include "base/logging.h"

#include <unistd.h>

#include <gtest/gtest.h>

namespace kekkai {
namespace {

TEST(LoggingTest, CheckPassesAndDies) {
  int evaluated = 0;
  CHECK(++evaluated == 1) << "never printed";
  EXPECT_EQ(evaluated, 1);
  EXPECT_DEATH(CHECK(evaluated == 2) << "extra context", "CHECK failed: evaluated == 2 extra context");
}

TEST(LoggingTest, SeverityFilters) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  SetLogFd(fds[1]);
  SetMinLogSeverity(LogSeverity::kWarning);
  LOG(INFO) << "hidden";
  LOG(WARNING) << "shown";
  errno = ENOENT;
  PLOG(ERROR) << "with errno";
  RawLogInt("raw ", -42);
  SetLogFd(2);
  close(fds[1]);
  char buf[512] = {};
  ASSERT_GT(read(fds[0], buf, sizeof(buf) - 1), 0);
  close(fds[0]);
  const std::string out = buf;
  EXPECT_EQ(out.find("hidden"), std::string::npos);
  EXPECT_NE(out.find("kekkai: shown\n"), std::string::npos);
  EXPECT_NE(out.find("with errno: No such file or directory\n"), std::string::npos);
  EXPECT_NE(out.find("raw -42\n"), std::string::npos);
}

}  // namespace
}  // namespace kekkai

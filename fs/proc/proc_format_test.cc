// The pieces of /proc's text that need no task: CPU masks and lists as Linux
// prints them, and pid/fd names as Linux accepts them.
#include <gtest/gtest.h>

#include "fs/proc/proc_internal.h"

namespace kekkai::fs::proc {
namespace {

TEST(ProcFormatTest, CpuMaskAsLinuxPrintsIt) {
  EXPECT_EQ(CpuMaskText(1), "1");
  EXPECT_EQ(CpuMaskText(2), "3");
  EXPECT_EQ(CpuMaskText(4), "f");
  EXPECT_EQ(CpuMaskText(6), "3f");
  EXPECT_EQ(CpuMaskText(8), "ff");
  EXPECT_EQ(CpuMaskText(32), "ffffffff");
  EXPECT_EQ(CpuMaskText(33), "1,ffffffff");
  EXPECT_EQ(CpuMaskText(64), "ffffffff,ffffffff");
  EXPECT_EQ(CpuMaskText(0), "1") << "at least one CPU";
}

TEST(ProcFormatTest, CpuList) {
  EXPECT_EQ(CpuListText(1), "0");
  EXPECT_EQ(CpuListText(2), "0-1");
  EXPECT_EQ(CpuListText(64), "0-63");
}

TEST(ProcFormatTest, ParseNumberTakesOnlyCanonicalDecimals) {
  EXPECT_EQ(ParseNumber("0"), 0);
  EXPECT_EQ(ParseNumber("1"), 1);
  EXPECT_EQ(ParseNumber("2147483647"), 2147483647);
  for (const char* bad : {"", "01", "-1", "+1", "1a", " 1", "2147483648", "99999999999",
                          "18446744073709551617"}) {
    EXPECT_FALSE(ParseNumber(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace kekkai::fs::proc

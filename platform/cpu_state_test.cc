#include "platform/cpu_state.h"

#include <cstring>

#include <gtest/gtest.h>

namespace kekkai::platform {
namespace {

TEST(CpuStateTest, ResetImageIsValid) {
  FpState fp;
  EXPECT_GE(fp.size(), HostXsaveSize());
  EXPECT_TRUE(ValidXsaveImage(fp.bytes()));
}

TEST(CpuStateTest, RejectsWhatTheCpuWouldNotLoad) {
  FpState fp;
  auto bytes = fp.bytes();
  // A reserved MXCSR bit.
  uint32_t mxcsr = ~HostMxcsrMask();
  std::memcpy(bytes.data() + 24, &mxcsr, sizeof(mxcsr));
  EXPECT_FALSE(ValidXsaveImage(bytes));
  fp.Reset();
  // A feature the host doesn't enable, then the compacted format, then a reserved byte.
  const uint64_t bad_bv = ~HostXfeatures();
  std::memcpy(bytes.data() + 512, &bad_bv, sizeof(bad_bv));
  EXPECT_FALSE(ValidXsaveImage(bytes));
  fp.Reset();
  const uint64_t compacted = uint64_t{1} << 63;
  std::memcpy(bytes.data() + 520, &compacted, sizeof(compacted));
  EXPECT_FALSE(ValidXsaveImage(bytes));
  fp.Reset();
  bytes[512 + 40] = std::byte{1};
  EXPECT_FALSE(ValidXsaveImage(bytes));
  EXPECT_FALSE(ValidXsaveImage(bytes.first(100)));
}

TEST(CpuStateTest, ResetForExecSetsUserSegments) {
  CpuState s;
  s.regs.rax = 5;
  s.fp_dirty = false;
  s.ResetForExec(0x401000, 0x7ffff000);
  EXPECT_EQ(s.regs.rip, 0x401000u);
  EXPECT_EQ(s.regs.rsp, 0x7ffff000u);
  EXPECT_EQ(s.regs.rax, 0u);
  EXPECT_EQ(s.regs.cs, abi::linux::kUserCs);
  EXPECT_EQ(s.regs.ss, abi::linux::kUserDs);
  EXPECT_TRUE(s.fp_dirty);
}

}  // namespace
}  // namespace kekkai::platform

#include "gofer/fid_table.h"

#include <gtest/gtest.h>

namespace kekkai::gofer {
namespace {

TEST(FidTableTest, AddsGetsAndRemoves) {
  FidTable t;
  EXPECT_EQ(t.Get(0).ok(), false);
  EXPECT_EQ(t.Get(1).error(), Errno(EBADF));
  auto a = std::make_shared<HostNode>();
  a->name = "a";
  Result<uint32_t> fa = t.Add(a);
  ASSERT_TRUE(fa.ok());
  EXPECT_NE(*fa, 0u);
  Result<uint32_t> fb = t.Add(std::make_shared<HostNode>());
  ASSERT_TRUE(fb.ok());
  EXPECT_NE(*fa, *fb);
  EXPECT_EQ(t.Get(*fa).value()->name, "a");
  EXPECT_EQ(t.size(), 2u);
  EXPECT_TRUE(t.Remove(*fa).ok());
  EXPECT_EQ(t.Remove(*fa).error(), Errno(EBADF));
  EXPECT_EQ(t.Get(*fa).error(), Errno(EBADF));
  EXPECT_EQ(t.Remove(0).error(), Errno(EBADF));
  EXPECT_EQ(t.Remove(0xffffffff).error(), Errno(EBADF));
  EXPECT_EQ(t.size(), 1u);
  // The node lives on while someone holds it.
  EXPECT_EQ(a->name, "a");
  int seen = 0;
  t.ForEach([&](HostNode&) { ++seen; });
  EXPECT_EQ(seen, 1);
}

}  // namespace
}  // namespace kekkai::gofer

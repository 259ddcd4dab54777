#include "fs/vfs/fd_table.h"

#include <gtest/gtest.h>

namespace kekkai::fs::vfs {
namespace {

FileRef NewFile() { return std::make_shared<FileDescription>(0); }

TEST(FdTableTest, InstallsLowestFreeFd) {
  FdTable t;
  EXPECT_EQ(*t.Install(NewFile(), 0, false, 100), 0);
  EXPECT_EQ(*t.Install(NewFile(), 0, false, 100), 1);
  EXPECT_EQ(*t.Install(NewFile(), 5, false, 100), 5);
  ASSERT_TRUE(t.Remove(0).ok());
  EXPECT_EQ(*t.Install(NewFile(), 0, false, 100), 0);
  EXPECT_EQ(*t.Install(NewFile(), 0, false, 100), 2);
}

TEST(FdTableTest, LimitsAndErrors) {
  FdTable t;
  EXPECT_EQ(*t.Install(NewFile(), 0, false, 1), 0);
  EXPECT_EQ(t.Install(NewFile(), 0, false, 1).error(), Errno(EMFILE));
  EXPECT_EQ(t.Get(7).error(), Errno(EBADF));
  EXPECT_EQ(t.Remove(7).error(), Errno(EBADF));
  EXPECT_EQ(t.InstallAt(-1, NewFile(), false, 10).error(), Errno(EBADF));
}

TEST(FdTableTest, CloexecAndFork) {
  FdTable t;
  FileRef f = NewFile();
  ASSERT_TRUE(t.InstallAt(3, f, true, 10).ok());
  ASSERT_TRUE(t.InstallAt(4, f, false, 10).ok());
  EXPECT_TRUE(*t.GetCloexec(3));
  auto child = t.Fork();
  t.RemoveCloexec();
  EXPECT_EQ(t.Fds(), std::vector<int32_t>({4}));
  EXPECT_EQ(child->Fds(), std::vector<int32_t>({3, 4}));
  EXPECT_EQ(child->Get(3)->get(), f.get());
}

}  // namespace
}  // namespace kekkai::fs::vfs

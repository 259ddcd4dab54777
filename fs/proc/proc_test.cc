#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "fs/proc/proc_fs.h"

namespace kekkai::fs::proc {
namespace {

// Returns the error of `r`, or Errno(0) if it holds a value (never aborts).
template <typename T>
Errno ErrorOf(const Result<T>& r) {
  return r.ok() ? Errno(0) : r.error();
}

using Path = std::vector<std::string>;

constexpr abi::linux::Timespec kTime{1700000000, 0};
constexpr uint64_t kDevice = 0x99;

class ProcFsTest : public ::testing::Test {
 protected:
  ProcFsTest() {
    creds_.euid = 1000;
    creds_.egid = 1001;
  }
  vfs::Caller Caller(int32_t pid, std::string_view exe = "/usr/bin/tool") {
    return vfs::Caller{&creds_, pid, exe};
  }
  sentry::auth::Credentials creds_;
  ProcFs proc_{kDevice, kTime};
};

TEST_F(ProcFsTest, RootIsADirectory) {
  Result<abi::linux::Stat> st = proc_.Stat(Caller(42), Path{});
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(S_ISDIR(st->mode));
  EXPECT_EQ(st->mode & 07777, 0555u);
  EXPECT_EQ(st->dev, kDevice);
  EXPECT_EQ(ErrorOf(proc_.Readlink(Caller(42), Path{})), Errno(EINVAL));
  EXPECT_EQ(*proc_.List(Caller(42), Path{}), (Path{"self", "42"}));
}

TEST_F(ProcFsTest, SelfPointsAtTheCallersPid) {
  EXPECT_EQ(*proc_.Readlink(Caller(42), Path{"self"}), "42");
  EXPECT_EQ(*proc_.Readlink(Caller(7), Path{"self"}), "7");
  Result<abi::linux::Stat> st = proc_.Stat(Caller(42), Path{"self"});
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(S_ISLNK(st->mode));
  EXPECT_EQ(st->size, 2);
  EXPECT_EQ(ErrorOf(proc_.List(Caller(42), Path{"self"})), Errno(ENOTDIR));
  // The walker follows "self"; the file system itself doesn't.
  EXPECT_EQ(ErrorOf(proc_.Stat(Caller(42), Path{"self", "exe"})), Errno(ENOENT));
}

TEST_F(ProcFsTest, PidDirectoryHoldsExe) {
  Result<abi::linux::Stat> dir = proc_.Stat(Caller(42), Path{"42"});
  ASSERT_TRUE(dir.ok());
  EXPECT_TRUE(S_ISDIR(dir->mode));
  EXPECT_EQ(dir->mode & 07777, 0555u);
  EXPECT_EQ(dir->uid, 1000u);
  EXPECT_EQ(dir->gid, 1001u);
  EXPECT_EQ(*proc_.List(Caller(42), Path{"42"}), (Path{"exe"}));
  Result<abi::linux::Stat> exe = proc_.Stat(Caller(42), Path{"42", "exe"});
  ASSERT_TRUE(exe.ok());
  EXPECT_TRUE(S_ISLNK(exe->mode));
  EXPECT_NE(exe->ino, dir->ino);
  EXPECT_EQ(*proc_.Readlink(Caller(42), Path{"42", "exe"}), "/usr/bin/tool");
  EXPECT_EQ(*proc_.Readlink(Caller(42, "/bin/sh"), Path{"42", "exe"}), "/bin/sh");
  // Another pid's directory has other inode numbers.
  EXPECT_NE(proc_.Stat(Caller(43), Path{"43"})->ino, dir->ino);
}

TEST_F(ProcFsTest, EverythingElseIsMissing) {
  for (const Path& p :
       {Path{"43"}, Path{"042"}, Path{"+42"}, Path{"42 "}, Path{"1"}, Path{"42", "maps"},
        Path{"42", "exe", "x"}, Path{"meminfo"}, Path{"self", "fd"}, Path{""}}) {
    SCOPED_TRACE(testing::PrintToString(p));
    EXPECT_EQ(ErrorOf(proc_.Stat(Caller(42), p)), Errno(ENOENT));
    EXPECT_EQ(ErrorOf(proc_.Readlink(Caller(42), p)), Errno(ENOENT));
    EXPECT_EQ(ErrorOf(proc_.List(Caller(42), p)), Errno(ENOENT));
  }
}

TEST_F(ProcFsTest, NoPidOrNoExe) {
  EXPECT_EQ(ErrorOf(proc_.Stat(Caller(0), Path{"self"})), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(proc_.Stat(Caller(0), Path{"0"})), Errno(ENOENT));
  EXPECT_TRUE(proc_.List(Caller(0), Path{})->empty());
  EXPECT_EQ(ErrorOf(proc_.Readlink(Caller(42, ""), Path{"42", "exe"})), Errno(ENOENT));
}

}  // namespace
}  // namespace kekkai::fs::proc

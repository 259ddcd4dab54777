// The working directory and the root in a scratch directory: chdir(2),
// fchdir(2), getcwd(2) (renamed, removed and unreachable working directories)
// and chroot(2). Every test puts the working directory back; the chroot tests
// (last in the program) put the root back from an O_PATH fd of the old root,
// even when they fail. Everything is created under a fresh
// /tmp/kekkai_fs_test_XXXXXX and removed afterwards.
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "tests/syscalls/util/cleanup.h"
#include "tests/syscalls/util/file_descriptor.h"
#include "tests/syscalls/util/scoped_credentials.h"
#include "tests/syscalls/util/scratch_dir.h"
#include "tests/syscalls/util/stat_util.h"
#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {
namespace {

using ::testing::StartsWith;

// Returns the working directory as the getcwd system call reports it, or
// "(errno NAME)" if it fails.
std::string Cwd() {
  char buf[PATH_MAX];
  const long n = syscall(SYS_getcwd, buf, sizeof(buf));
  if (n < 0) return "(errno " + ErrnoName(errno) + ")";
  return std::string(buf);
}

// A scratch directory, and the working directory put back afterwards.
class CwdTest : public ScratchDirTest {
 protected:
  void SetUp() override {
    saved_cwd_ = ASSERT_NO_ERRNO_AND_VALUE(Open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    ScratchDirTest::SetUp();
  }
  void TearDown() override {
    EXPECT_THAT(fchdir(saved_cwd_.get()), SyscallSucceeds());
    ScratchDirTest::TearDown();
  }

  FileDescriptor saved_cwd_;
};

// And the root put back too: fchdir to the old root, chroot("."), then the
// working directory.
class ChrootTest : public CwdTest {
 protected:
  void SetUp() override {
    saved_root_ = ASSERT_NO_ERRNO_AND_VALUE(Open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    CwdTest::SetUp();
  }
  void TearDown() override {
    EXPECT_THAT(fchdir(saved_root_.get()), SyscallSucceeds());
    EXPECT_THAT(chroot("."), SyscallSucceeds());
    CwdTest::TearDown();
    struct stat old_root;
    ASSERT_THAT(fstat(saved_root_.get(), &old_root), SyscallSucceeds());
    EXPECT_TRUE(SameFile(Stat("/"), old_root)) << "the root was not put back";
  }

  FileDescriptor saved_root_;
};

// chdir(2), fchdir(2), getcwd(2).

TEST_F(CwdTest, GetcwdNamesTheDirectoryChdirEntered) {
  ASSERT_THAT(chdir(dir_.c_str()), SyscallSucceeds());
  EXPECT_EQ(Cwd(), dir_);
  EXPECT_TRUE(SameFile(Stat("."), Stat(dir_)));
}

TEST_F(CwdTest, RelativeChdirAndDotDot) {
  ASSERT_THAT(mkdir(Path("a").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("a/b").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(chdir(dir_.c_str()), SyscallSucceeds());
  ASSERT_THAT(chdir("a"), SyscallSucceeds());
  EXPECT_EQ(Cwd(), Path("a"));
  ASSERT_THAT(chdir("./b/"), SyscallSucceeds());
  EXPECT_EQ(Cwd(), Path("a/b"));
  ASSERT_THAT(chdir("../.."), SyscallSucceeds());
  EXPECT_EQ(Cwd(), dir_);
  ASSERT_THAT(chdir("."), SyscallSucceeds());
  EXPECT_EQ(Cwd(), dir_);
}

TEST_F(CwdTest, RelativePathsStartAtTheWorkingDirectory) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(chdir(Path("d").c_str()), SyscallSucceeds());
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("f", O_WRONLY | O_CREAT | O_EXCL, 0644));
  ASSERT_THAT(mkdir("sub", 0755), SyscallSucceeds());
  ASSERT_THAT(symlink("f", "link"), SyscallSucceeds());
  ASSERT_THAT(rename("f", "sub/g"), SyscallSucceeds());
  EXPECT_TRUE(S_ISREG(Stat(Path("d/sub/g")).st_mode));
  FileDescriptor at = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(AT_FDCWD, "sub/g", O_RDONLY));
  FileDescriptor up = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(AT_FDCWD, "..", O_RDONLY));
  struct stat st;
  ASSERT_THAT(fstat(up.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(SameFile(st, Stat(dir_)));
  ASSERT_THAT(unlink("link"), SyscallSucceeds());
}

TEST_F(CwdTest, FchdirToADirectoryFd) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(fchdir(dir.get()), SyscallSucceeds());
  EXPECT_EQ(Cwd(), Path("d"));
  FileDescriptor path_fd = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_PATH | O_DIRECTORY));
  ASSERT_THAT(fchdir(path_fd.get()), SyscallSucceeds());
  EXPECT_EQ(Cwd(), dir_);
}

TEST_F(CwdTest, ChdirAndFchdirErrorsLeaveTheWorkingDirectory) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(chdir(dir_.c_str()), SyscallSucceeds());
  EXPECT_THAT(chdir(Path("f").c_str()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(chdir(Path("missing").c_str()), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(chdir(Path("f/x").c_str()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(chdir(""), SyscallFailsWithErrno(ENOENT));
  FileDescriptor file = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  EXPECT_THAT(fchdir(file.get()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(fchdir(-1), SyscallFailsWithErrno(EBADF));
  EXPECT_EQ(Cwd(), dir_);
}

TEST_F(CwdTest, ChdirThroughASymlinkGivesTheResolvedPath) {
  ASSERT_THAT(mkdir(Path("real").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(symlink("real", Path("link").c_str()), SyscallSucceeds());
  ASSERT_THAT(chdir(Path("link").c_str()), SyscallSucceeds());
  EXPECT_EQ(Cwd(), Path("real"));
  // ".." is the parent of the real directory.
  ASSERT_THAT(chdir(".."), SyscallSucceeds());
  EXPECT_EQ(Cwd(), dir_);
}

TEST_F(CwdTest, GetcwdReturnsTheLengthWithTheNulAndNeedsRoomForIt) {
  ASSERT_THAT(chdir(dir_.c_str()), SyscallSucceeds());
  const size_t need = dir_.size() + 1;
  std::string buf(need + 10, 'x');
  EXPECT_THAT(syscall(SYS_getcwd, buf.data(), buf.size()),
              SyscallSucceedsWithValue(static_cast<long>(need)));
  EXPECT_EQ(buf.substr(0, need), dir_ + std::string(1, '\0'));
  EXPECT_THAT(syscall(SYS_getcwd, buf.data(), need),
              SyscallSucceedsWithValue(static_cast<long>(need)));
  EXPECT_THAT(syscall(SYS_getcwd, buf.data(), need - 1), SyscallFailsWithErrno(ERANGE));
  EXPECT_THAT(syscall(SYS_getcwd, buf.data(), 1), SyscallFailsWithErrno(ERANGE));
  EXPECT_THAT(syscall(SYS_getcwd, buf.data(), 0), SyscallFailsWithErrno(ERANGE));
  // The libc wrapper says the same.
  EXPECT_EQ(getcwd(buf.data(), need - 1), nullptr);
  EXPECT_EQ(errno, ERANGE);
}

TEST_F(CwdTest, GetcwdFollowsARenameOfTheDirectory) {
  ASSERT_THAT(mkdir(Path("a").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("a/in").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(chdir(Path("a/in").c_str()), SyscallSucceeds());
  ASSERT_THAT(rename(Path("a").c_str(), Path("b").c_str()), SyscallSucceeds());
  EXPECT_EQ(Cwd(), Path("b/in"));
  ASSERT_THAT(rename(Path("b/in").c_str(), Path("moved").c_str()), SyscallSucceeds());
  EXPECT_EQ(Cwd(), Path("moved"));
}

TEST_F(CwdTest, RemovedWorkingDirectory) {
  ASSERT_THAT(mkdir(Path("gone").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(chdir(Path("gone").c_str()), SyscallSucceeds());
  ASSERT_THAT(rmdir(Path("gone").c_str()), SyscallSucceeds());
  // The system call fails; it doesn't return a "(deleted)" path.
  char buf[PATH_MAX];
  EXPECT_THAT(syscall(SYS_getcwd, buf, sizeof(buf)), SyscallFailsWithErrno(ENOENT));
  // "." is still the (empty, unlinked) directory, where nothing can be created.
  struct stat st;
  ASSERT_THAT(stat(".", &st), SyscallSucceeds());
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_nlink, 0u);
  EXPECT_THAT(open("new", O_WRONLY | O_CREAT, 0644), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(mkdir("newdir", 0755), SyscallFailsWithErrno(ENOENT));
  // ".." still leads back to the parent.
  ASSERT_THAT(chdir(".."), SyscallSucceeds());
  EXPECT_EQ(Cwd(), dir_);
}

TEST_F(CwdTest, GetcwdNeedsNoPermissionOnTheAncestors) {
  ASSERT_THAT(chmod(dir_.c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("locked").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("locked/in").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(chdir(Path("locked/in").c_str()), SyscallSucceeds());
  ASSERT_THAT(chmod(Path("locked").c_str(), 0), SyscallSucceeds());
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  EXPECT_EQ(Cwd(), Path("locked/in"));
  // But ".." must be searched to be entered.
  EXPECT_THAT(chdir(".."), SyscallFailsWithErrno(EACCES));
}

TEST_F(CwdTest, ChdirNeedsSearchPermission) {
  ASSERT_THAT(chmod(dir_.c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("private").c_str(), 0700), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("searchable").c_str(), 0711), SyscallSucceeds());
  FileDescriptor private_fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("private"), O_PATH));
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  EXPECT_THAT(chdir(Path("private").c_str()), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(fchdir(private_fd.get()), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(chdir(Path("searchable").c_str()), SyscallSucceeds());
  EXPECT_EQ(Cwd(), Path("searchable"));
}

TEST_F(CwdTest, GetcwdOfTheRootIsASlash) {
  ASSERT_THAT(chdir("/"), SyscallSucceeds());
  char buf[8];
  EXPECT_THAT(syscall(SYS_getcwd, buf, sizeof(buf)), SyscallSucceedsWithValue(2));
  EXPECT_STREQ(buf, "/");
  EXPECT_THAT(syscall(SYS_getcwd, buf, 1), SyscallFailsWithErrno(ERANGE));
}

TEST_F(CwdTest, GetcwdIntoABadBufferFailsWithEfault) {
  ASSERT_THAT(chdir(dir_.c_str()), SyscallSucceeds());
  EXPECT_THAT(syscall(SYS_getcwd, nullptr, PATH_MAX), SyscallFailsWithErrno(EFAULT));
}

TEST_F(CwdTest, GetcwdLongerThanAPageFailsWithEnametoolong) {
  // Built one relative step at a time, as no single path may be that long.
  ASSERT_THAT(chdir(dir_.c_str()), SyscallSucceeds());
  const std::string name(200, 'd');
  std::string expected = dir_;
  while (expected.size() <= PATH_MAX) {
    ASSERT_THAT(mkdir(name.c_str(), 0755), SyscallSucceeds());
    ASSERT_THAT(chdir(name.c_str()), SyscallSucceeds());
    expected += "/" + name;
    if (expected.size() < PATH_MAX) {
      EXPECT_EQ(Cwd(), expected);
    }
  }
  char buf[2 * PATH_MAX];
  EXPECT_THAT(syscall(SYS_getcwd, buf, sizeof(buf)), SyscallFailsWithErrno(ENAMETOOLONG));
  // Relative paths still work at that depth.
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("f", O_WRONLY | O_CREAT | O_EXCL, 0644));
  ASSERT_THAT(chdir(".."), SyscallSucceeds());
  EXPECT_EQ(access((name + "/f").c_str(), F_OK), 0);
}

TEST_F(CwdTest, ChdirThroughBadSymlinks) {
  ASSERT_THAT(symlink("nowhere", Path("dangling").c_str()), SyscallSucceeds());
  ASSERT_THAT(symlink("loop", Path("loop").c_str()), SyscallSucceeds());
  ASSERT_THAT(chdir(dir_.c_str()), SyscallSucceeds());
  EXPECT_THAT(chdir("dangling"), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(chdir("loop"), SyscallFailsWithErrno(ELOOP));
  EXPECT_THAT(chdir((std::string(NAME_MAX + 1, 'x')).c_str()), SyscallFailsWithErrno(ENAMETOOLONG));
  EXPECT_EQ(Cwd(), dir_);
}

TEST_F(CwdTest, FchdirToAnOPathFileFailsWithEnotdir) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  EXPECT_THAT(fchdir(fd.get()), SyscallFailsWithErrno(ENOTDIR));
}

TEST_F(CwdTest, ADirfdIsUnaffectedByChdir) {
  ASSERT_THAT(mkdir(Path("a").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("b").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("a/f"), "in a"));
  ASSERT_NO_ERRNO(WriteFile(Path("b/f"), "in b"));
  ASSERT_THAT(chdir(Path("a").c_str()), SyscallSucceeds());
  FileDescriptor b = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("b"), O_RDONLY | O_DIRECTORY));
  FileDescriptor via_b = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(b.get(), "f", O_RDONLY));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadAll(via_b.get())), "in b");
  FileDescriptor via_cwd = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(AT_FDCWD, "f", O_RDONLY));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadAll(via_cwd.get())), "in a");
}

TEST_F(CwdTest, ReplacedByARenameTheOldDirectoryStaysTheCwd) {
  ASSERT_THAT(mkdir(Path("cwd").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("other").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(chdir(Path("cwd").c_str()), SyscallSucceeds());
  const struct stat old = Stat(".");
  // Renaming over an empty working directory is allowed: it just loses its name.
  ASSERT_THAT(rename(Path("other").c_str(), Path("cwd").c_str()), SyscallSucceeds());
  EXPECT_TRUE(SameFile(Stat("."), old));
  EXPECT_FALSE(SameFile(Stat(Path("cwd")), old));
  char buf[PATH_MAX];
  EXPECT_THAT(syscall(SYS_getcwd, buf, sizeof(buf)), SyscallFailsWithErrno(ENOENT));
}

TEST_F(CwdTest, FchdirIntoARemovedDirectory) {
  ASSERT_THAT(mkdir(Path("gone").c_str(), 0755), SyscallSucceeds());
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("gone"), O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(rmdir(Path("gone").c_str()), SyscallSucceeds());
  ASSERT_THAT(fchdir(fd.get()), SyscallSucceeds());
  char buf[PATH_MAX];
  EXPECT_THAT(syscall(SYS_getcwd, buf, sizeof(buf)), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(chdir(".."), SyscallSucceeds());
  EXPECT_EQ(Cwd(), dir_);
}

// chroot(2).

TEST_F(ChrootTest, TheDirectoryBecomesTheRoot) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "inside"));
  ASSERT_THAT(mkdir(Path("sub").c_str(), 0755), SyscallSucceeds());
  const struct stat scratch = Stat(dir_);
  ASSERT_THAT(chroot(dir_.c_str()), SyscallSucceeds());
  ASSERT_THAT(chdir("/"), SyscallSucceeds());
  EXPECT_EQ(Cwd(), "/");
  EXPECT_TRUE(SameFile(Stat("/"), scratch));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/f")), "inside");
  ASSERT_THAT(chdir("/sub"), SyscallSucceeds());
  EXPECT_EQ(Cwd(), "/sub");
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/new", O_WRONLY | O_CREAT | O_EXCL, 0644));
  fd.reset();
  ASSERT_THAT(access(dir_.c_str(), F_OK), SyscallFailsWithErrno(ENOENT));
  // Put the root back; the file was made in the scratch directory.
  ASSERT_THAT(fchdir(saved_root_.get()), SyscallSucceeds());
  ASSERT_THAT(chroot("."), SyscallSucceeds());
  EXPECT_TRUE(S_ISREG(Stat(Path("new")).st_mode));
}

TEST_F(ChrootTest, DotDotStaysAtTheNewRoot) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "inside"));
  ASSERT_THAT(mkdir(Path("sub").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(chroot(dir_.c_str()), SyscallSucceeds());
  ASSERT_THAT(chdir("/sub"), SyscallSucceeds());
  EXPECT_TRUE(SameFile(Stat("/.."), Stat("/")));
  EXPECT_TRUE(SameFile(Stat("../../.."), Stat("/")));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile("../../../f")), "inside");
  ASSERT_THAT(chdir("../.."), SyscallSucceeds());
  EXPECT_EQ(Cwd(), "/");
}

TEST_F(ChrootTest, AbsoluteSymlinksResolveInTheNewRoot) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "inside"));
  ASSERT_THAT(symlink("/f", Path("abs").c_str()), SyscallSucceeds());
  ASSERT_THAT(symlink("../../../../f", Path("up").c_str()), SyscallSucceeds());
  ASSERT_THAT(chroot(dir_.c_str()), SyscallSucceeds());
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/abs")), "inside");
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/up")), "inside");
}

TEST_F(ChrootTest, AWorkingDirectoryOutsideTheRootIsUnreachable) {
  ASSERT_THAT(mkdir(Path("jail").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("outside"), "outside"));
  ASSERT_THAT(chdir(dir_.c_str()), SyscallSucceeds());
  FileDescriptor outside_fd = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(chroot(Path("jail").c_str()), SyscallSucceeds());
  // chroot doesn't move the working directory: getcwd marks it unreachable...
  EXPECT_THAT(Cwd(), StartsWith("(unreachable)"));
  // ...and relative paths and old fds still reach outside the new root.
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile("outside")), "outside");
  FileDescriptor via_fd = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(outside_fd.get(), "outside", O_RDONLY));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadAll(via_fd.get())), "outside");
  // An absolute path starts at the new root.
  EXPECT_THAT(access("/outside", F_OK), SyscallFailsWithErrno(ENOENT));
  ASSERT_THAT(chdir("/"), SyscallSucceeds());
  EXPECT_EQ(Cwd(), "/");
}

TEST_F(ChrootTest, RelativeToTheWorkingDirectory) {
  ASSERT_THAT(mkdir(Path("jail").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("jail/f"), "jailed"));
  ASSERT_THAT(chdir(Path("jail").c_str()), SyscallSucceeds());
  ASSERT_THAT(chroot("."), SyscallSucceeds());
  // The working directory was the new root, so it is "/" now.
  EXPECT_EQ(Cwd(), "/");
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/f")), "jailed");
  // A second chroot nests inside the first.
  ASSERT_THAT(mkdir("/inner", 0755), SyscallSucceeds());
  ASSERT_THAT(chroot("inner"), SyscallSucceeds());
  EXPECT_THAT(access("/f", F_OK), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(Cwd(), StartsWith("(unreachable)"));
}

TEST_F(ChrootTest, ChrootThroughASymlink) {
  ASSERT_THAT(mkdir(Path("jail").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("jail/f"), "jailed"));
  ASSERT_THAT(symlink("jail", Path("link").c_str()), SyscallSucceeds());
  ASSERT_THAT(chroot(Path("link").c_str()), SyscallSucceeds());
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/f")), "jailed");
}

TEST_F(ChrootTest, Errors) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  EXPECT_THAT(chroot(Path("f").c_str()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(chroot(Path("missing").c_str()), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(chroot(""), SyscallFailsWithErrno(ENOENT));
  EXPECT_TRUE(SameFile(Stat("/"), Stat("/..")));
  EXPECT_THAT(access(dir_.c_str(), F_OK), SyscallSucceeds());
}

TEST_F(ChrootTest, UnprivilegedFailsWithEperm) {
  ASSERT_THAT(chmod(dir_.c_str(), 0755), SyscallSucceeds());
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  EXPECT_THAT(chroot(dir_.c_str()), SyscallFailsWithErrno(EPERM));
  back.Run();
  EXPECT_THAT(access(dir_.c_str(), F_OK), SyscallSucceeds());
}

}  // namespace
}  // namespace kekkai::syscall_test

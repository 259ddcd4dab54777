// Opening and creating files in a scratch directory: open(2), openat(2),
// openat2(2), creat(2) and umask(2) — creation flags (O_CREAT, O_EXCL, O_TRUNC,
// O_TMPFILE), status flags (O_APPEND), O_CLOEXEC, O_PATH, O_DIRECTORY,
// O_NOFOLLOW, symlink following and its limit, name and path errors, and
// openat2's RESOLVE_* flags and struct checks. Everything is created under a
// fresh /tmp/kekkai_fs_test_XXXXXX and removed afterwards.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/syscalls/util/cleanup.h"
#include "tests/syscalls/util/file_descriptor.h"
#include "tests/syscalls/util/scratch_dir.h"
#include "tests/syscalls/util/stat_util.h"
#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {
namespace {

// Linux follows at most this many symlinks in one path walk (MAXSYMLINKS).
constexpr int kMaxSymlinks = 40;
// The size of the first version of struct open_how (the kernel's OPEN_HOW_SIZE_VER0).
constexpr size_t kOpenHowSizeVer0 = 24;

// Returns the names in directory `path` other than "." and "..", read with
// getdents64.
std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  FileDescriptor fd(open(path.c_str(), O_RDONLY | O_DIRECTORY));
  EXPECT_TRUE(fd.valid()) << path << ": " << ErrnoName(errno);
  char buf[4096];
  for (;;) {
    const long n = syscall(SYS_getdents64, fd.get(), buf, sizeof(buf));
    EXPECT_THAT(n, SyscallSucceeds());
    if (n <= 0) break;
    for (long pos = 0; pos < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + pos);
      if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0) names.push_back(d->d_name);
      pos += d->d_reclen;
    }
  }
  return names;
}

long Openat2(int dirfd, const std::string& path, const struct open_how& how,
             size_t size = sizeof(struct open_how)) {
  return syscall(SYS_openat2, dirfd, path.c_str(), &how, size);
}

struct open_how How(uint64_t flags, uint64_t resolve = 0, uint64_t mode = 0) {
  struct open_how how;
  memset(&how, 0, sizeof(how));
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  return how;
}

using OpenTest = ScratchDirTest;
using CreatTest = ScratchDirTest;
using UmaskTest = ScratchDirTest;
using OTmpfileTest = ScratchDirTest;
using OPathTest = ScratchDirTest;
using SymlinkFollowTest = ScratchDirTest;
using PathErrorTest = ScratchDirTest;
using OpenatTest = ScratchDirTest;
using Openat2Test = ScratchDirTest;

// O_CREAT, O_EXCL, umask(2).

TEST_F(OpenTest, CreateMakesAnEmptyRegularFileOwnedByTheCaller) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR | O_CREAT | O_EXCL, 0640));
  const struct stat st = Fstat(fd.get());
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_size, 0);
  EXPECT_EQ(st.st_nlink, 1u);
  EXPECT_EQ(st.st_uid, geteuid());
  EXPECT_EQ(st.st_gid, getegid());
  EXPECT_TRUE(SameFile(st, Stat(Path("f"))));
}

TEST_F(OpenTest, CreateAppliesTheUmask) {
  const mode_t old = umask(027);
  Cleanup restore([old] { umask(old); });
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY | O_CREAT, 0777));
  EXPECT_EQ(Fstat(fd.get()).st_mode & 07777, 0750u);
  umask(0);
  FileDescriptor fd2 = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("g"), O_WRONLY | O_CREAT, 0777));
  EXPECT_EQ(Fstat(fd2.get()).st_mode & 07777, 0777u);
}

TEST_F(OpenTest, CreateModeMayForbidWhatTheNewFdDoes) {
  // The mode applies to later opens, not to the one that creates the file.
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR | O_CREAT | O_EXCL, 0));
  EXPECT_THAT(write(fd.get(), "abc", 3), SyscallSucceedsWithValue(3));
  EXPECT_EQ(Fstat(fd.get()).st_mode & 07777, 0u);
}

TEST_F(OpenTest, CreateOfAnExistingFileOpensItUnchanged) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "hello", 0600));
  const struct stat before = Stat(Path("f"));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY | O_CREAT, 0777));
  const struct stat after = Fstat(fd.get());
  EXPECT_TRUE(SameFile(before, after));
  EXPECT_EQ(after.st_mode & 07777, 0600u);  // the mode argument is ignored
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadAll(fd.get())), "hello");
}

TEST_F(OpenTest, CreateExclusiveOfAnExistingNameFailsWithEexist) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  EXPECT_THAT(open(Path("f").c_str(), O_RDWR | O_CREAT | O_EXCL, 0644),
              SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(open(Path("d").c_str(), O_RDONLY | O_CREAT | O_EXCL, 0644),
              SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(open(Path("link").c_str(), O_RDWR | O_CREAT | O_EXCL, 0644),
              SyscallFailsWithErrno(EEXIST));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "x");
}

TEST_F(OpenTest, CreateExclusiveOnADanglingSymlinkFailsWithEexist) {
  ASSERT_THAT(symlink("target", Path("link").c_str()), SyscallSucceeds());
  EXPECT_THAT(open(Path("link").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644),
              SyscallFailsWithErrno(EEXIST));
  EXPECT_FALSE(Exists(Path("target")));
}

TEST_F(OpenTest, CreateThroughADanglingSymlinkCreatesTheTarget) {
  ASSERT_THAT(symlink("target", Path("link").c_str()), SyscallSucceeds());
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("link"), O_WRONLY | O_CREAT, 0600));
  EXPECT_TRUE(S_ISLNK(Lstat(Path("link")).st_mode));
  const struct stat target = Lstat(Path("target"));
  EXPECT_TRUE(S_ISREG(target.st_mode));
  EXPECT_TRUE(SameFile(target, Fstat(fd.get())));
}

TEST_F(OpenTest, CreateNofollowOnASymlinkFailsWithEloop) {
  ASSERT_THAT(symlink("target", Path("link").c_str()), SyscallSucceeds());
  EXPECT_THAT(open(Path("link").c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW, 0600),
              SyscallFailsWithErrno(ELOOP));
  EXPECT_FALSE(Exists(Path("target")));
}

TEST_F(OpenTest, CreateOfAnExistingDirectoryFailsWithEisdir) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(open(Path("d").c_str(), O_RDONLY | O_CREAT, 0644), SyscallFailsWithErrno(EISDIR));
  EXPECT_THAT(open(Path("d").c_str(), O_WRONLY | O_CREAT, 0644), SyscallFailsWithErrno(EISDIR));
  EXPECT_THAT(open((dir_ + "/.").c_str(), O_RDONLY | O_CREAT, 0644), SyscallFailsWithErrno(EISDIR));
}

TEST_F(OpenTest, CreateWithATrailingSlashFailsWithEisdir) {
  EXPECT_THAT(open(Path("new/").c_str(), O_WRONLY | O_CREAT, 0644), SyscallFailsWithErrno(EISDIR));
  EXPECT_FALSE(Exists(Path("new")));
}

TEST_F(OpenTest, CreateWithODirectoryFailsWithEinval) {
  // Since Linux 6.4; before it, the combination created a regular file.
  EXPECT_THAT(open(Path("new").c_str(), O_RDONLY | O_CREAT | O_DIRECTORY, 0755),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_FALSE(Exists(Path("new")));
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(open(Path("d").c_str(), O_RDONLY | O_CREAT | O_DIRECTORY, 0755),
              SyscallFailsWithErrno(EINVAL));
}

TEST_F(OpenTest, ExclusiveWithoutCreateIsIgnored) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY | O_EXCL));
  EXPECT_TRUE(SameFile(Fstat(fd.get()), Stat(Path("f"))));
}

TEST_F(OpenTest, CreateInAMissingDirectoryFailsWithEnoent) {
  EXPECT_THAT(open(Path("missing/f").c_str(), O_WRONLY | O_CREAT, 0644),
              SyscallFailsWithErrno(ENOENT));
  EXPECT_FALSE(Exists(Path("missing")));
}

TEST_F(OpenTest, TheOpenSystemCallItself) {
  // libc's open(3) calls openat; older programs make the open system call.
  const long fd = syscall(SYS_open, Path("f").c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_THAT(fd, SyscallSucceeds());
  FileDescriptor owned(fd);
  EXPECT_EQ(Fstat(fd).st_mode & 07777, 0600u);
  EXPECT_THAT(syscall(SYS_open, Path("f").c_str(), O_RDWR | O_CREAT | O_EXCL, 0600),
              SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(syscall(SYS_open, Path("f").c_str(), O_RDONLY | O_DIRECTORY),
              SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(syscall(SYS_open, Path("missing").c_str(), O_RDONLY), SyscallFailsWithErrno(ENOENT));
  const long again = syscall(SYS_open, Path("f").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_THAT(again, SyscallSucceeds());
  FileDescriptor owned_again(again);
  EXPECT_TRUE(SameFile(Fstat(again), Fstat(fd)));
  EXPECT_THAT(fcntl(again, F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
}

TEST_F(UmaskTest, ReturnsThePreviousMaskAndKeepsOnlyPermissionBits) {
  const mode_t old = umask(077);
  Cleanup restore([old] { umask(old); });
  EXPECT_EQ(old, 022u);  // what the fixture set
  EXPECT_EQ(umask(07777), 077u);
  EXPECT_EQ(umask(022), 0777u);  // the file-type and setuid/sticky bits were dropped
  EXPECT_THAT(syscall(SYS_umask, 0), SyscallSucceedsWithValue(022));
}

// O_TRUNC, O_APPEND, O_CLOEXEC, creat(2).

TEST_F(OpenTest, TruncEmptiesTheFile) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "hello world"));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR | O_TRUNC));
  EXPECT_EQ(Fstat(fd.get()).st_size, 0);
  char c;
  EXPECT_THAT(read(fd.get(), &c, 1), SyscallSucceedsWithValue(0));
}

TEST_F(OpenTest, TruncWithReadOnlyAccessStillTruncates) {
  // POSIX leaves it unspecified; Linux truncates.
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "hello world"));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY | O_TRUNC));
  EXPECT_EQ(Stat(Path("f")).st_size, 0);
  EXPECT_THAT(write(fd.get(), "x", 1), SyscallFailsWithErrno(EBADF));
}

TEST_F(OpenTest, TruncOfADirectoryFailsWithEisdir) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(open(Path("d").c_str(), O_RDONLY | O_TRUNC), SyscallFailsWithErrno(EISDIR));
}

TEST_F(OpenTest, AppendWritesAlwaysGoToTheEnd) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc"));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR | O_APPEND));
  // Opening with O_APPEND leaves the offset at 0 until the first write.
  EXPECT_THAT(lseek(fd.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(0));
  ASSERT_THAT(write(fd.get(), "def", 3), SyscallSucceedsWithValue(3));
  EXPECT_THAT(lseek(fd.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(6));
  ASSERT_THAT(lseek(fd.get(), 1, SEEK_SET), SyscallSucceedsWithValue(1));
  ASSERT_THAT(write(fd.get(), "gh", 2), SyscallSucceedsWithValue(2));
  EXPECT_THAT(lseek(fd.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(8));
  // Reads still honour the offset.
  ASSERT_THAT(lseek(fd.get(), 1, SEEK_SET), SyscallSucceedsWithValue(1));
  char buf[2];
  ASSERT_THAT(read(fd.get(), buf, 2), SyscallSucceedsWithValue(2));
  EXPECT_EQ(std::string(buf, 2), "bc");
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "abcdefgh");
}

TEST_F(OpenTest, AppendAlsoAppliesToPwrite) {
  // A documented Linux bug (pwrite(2)): with O_APPEND, pwrite ignores the offset.
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc"));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY | O_APPEND));
  ASSERT_THAT(pwrite(fd.get(), "XY", 2, 0), SyscallSucceedsWithValue(2));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "abcXY");
  // And pwrite never moves the file offset.
  EXPECT_THAT(lseek(fd.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(0));
}

TEST_F(OpenTest, AppendWritesFromTwoDescriptorsDoNotOverwrite) {
  FileDescriptor a =
      ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY | O_CREAT | O_APPEND, 0644));
  FileDescriptor b = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY | O_APPEND));
  ASSERT_THAT(write(a.get(), "11", 2), SyscallSucceedsWithValue(2));
  ASSERT_THAT(write(b.get(), "22", 2), SyscallSucceedsWithValue(2));
  ASSERT_THAT(write(a.get(), "33", 2), SyscallSucceedsWithValue(2));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "112233");
}

TEST_F(OpenTest, CloexecSetsFdCloexecOnlyWhenAsked) {
  FileDescriptor with =
      ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  EXPECT_THAT(fcntl(with.get(), F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
  FileDescriptor without = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR));
  EXPECT_THAT(fcntl(without.get(), F_GETFD), SyscallSucceedsWithValue(0));
  FileDescriptor at = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(AT_FDCWD, Path("f"), O_RDONLY | O_CLOEXEC));
  EXPECT_THAT(fcntl(at.get(), F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
}

TEST_F(OpenTest, AccessModeThreeAllowsNeitherReadNorWrite) {
  // Linux's special access mode 3: permission to read and write is checked, but
  // the fd is only good for ioctls.
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc"));
  const int fd = open(Path("f").c_str(), O_ACCMODE);
  ASSERT_THAT(fd, SyscallSucceeds());
  FileDescriptor owned(fd);
  char c;
  EXPECT_THAT(read(fd, &c, 1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(write(fd, "x", 1), SyscallFailsWithErrno(EBADF));
}

TEST_F(OpenTest, UnknownFlagsAreIgnored) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc"));
  const int fd = open(Path("f").c_str(), O_RDONLY | (1 << 30));
  ASSERT_THAT(fd, SyscallSucceeds());
  FileDescriptor owned(fd);
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadAll(fd)), "abc");
}

TEST_F(CreatTest, IsCreateTruncWriteOnly) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "old contents", 0600));
  const int fd = creat(Path("f").c_str(), 0777);
  ASSERT_THAT(fd, SyscallSucceeds());
  FileDescriptor owned(fd);
  const struct stat st = Fstat(fd);
  EXPECT_EQ(st.st_size, 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_THAT(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
  char c;
  EXPECT_THAT(read(fd, &c, 1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(write(fd, "n", 1), SyscallSucceedsWithValue(1));
}

TEST_F(CreatTest, CreatesANewFileWithTheUmaskedMode) {
  const int fd = syscall(SYS_creat, Path("new").c_str(), 0666);
  ASSERT_THAT(fd, SyscallSucceeds());
  FileDescriptor owned(fd);
  const struct stat st = Stat(Path("new"));
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

// O_TMPFILE.

TEST_F(OTmpfileTest, CreatesAnUnnamedFile) {
  const int fd = open(dir_.c_str(), O_TMPFILE | O_RDWR, 0600);
  ASSERT_THAT(fd, SyscallSucceeds());
  FileDescriptor owned(fd);
  const struct stat st = Fstat(fd);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_nlink, 0u);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, 0);
  EXPECT_EQ(st.st_dev, Stat(dir_).st_dev);
  EXPECT_TRUE(ListDir(dir_).empty());
}

TEST_F(OTmpfileTest, IsReadableAndWritable) {
  const int fd = open(dir_.c_str(), O_TMPFILE | O_RDWR, 0600);
  ASSERT_THAT(fd, SyscallSucceeds());
  FileDescriptor owned(fd);
  ASSERT_THAT(write(fd, "temporary", 9), SyscallSucceedsWithValue(9));
  EXPECT_EQ(Fstat(fd).st_size, 9);
  char buf[9];
  ASSERT_THAT(pread(fd, buf, sizeof(buf), 0), SyscallSucceedsWithValue(9));
  EXPECT_EQ(std::string(buf, 9), "temporary");
  EXPECT_THAT(ftruncate(fd, 4), SyscallSucceeds());
  EXPECT_EQ(Fstat(fd).st_size, 4);
}

TEST_F(OTmpfileTest, TwoTmpfilesAreDistinct) {
  FileDescriptor a = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_TMPFILE | O_WRONLY, 0600));
  FileDescriptor b = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_TMPFILE | O_WRONLY, 0600));
  EXPECT_FALSE(SameFile(Fstat(a.get()), Fstat(b.get())));
}

TEST_F(OTmpfileTest, AppliesTheUmask) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_TMPFILE | O_RDWR, 0777));
  EXPECT_EQ(Fstat(fd.get()).st_mode & 07777, 0755u);
}

TEST_F(OTmpfileTest, WithoutWriteAccessFailsWithEinval) {
  EXPECT_THAT(open(dir_.c_str(), O_TMPFILE | O_RDONLY, 0600), SyscallFailsWithErrno(EINVAL));
}

TEST_F(OTmpfileTest, WithCreateFailsWithEinval) {
  EXPECT_THAT(open(dir_.c_str(), O_TMPFILE | O_CREAT | O_RDWR, 0600),
              SyscallFailsWithErrno(EINVAL));
}

TEST_F(OTmpfileTest, OnAFileFailsWithEnotdirAndOnAMissingPathWithEnoent) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  EXPECT_THAT(open(Path("f").c_str(), O_TMPFILE | O_RDWR, 0600), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(open(Path("missing").c_str(), O_TMPFILE | O_RDWR, 0600),
              SyscallFailsWithErrno(ENOENT));
}

TEST_F(OTmpfileTest, ThroughAnOpenatDirfd) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(dir.get(), "d", O_TMPFILE | O_RDWR, 0600));
  EXPECT_EQ(Fstat(fd.get()).st_nlink, 0u);
  EXPECT_TRUE(ListDir(Path("d")).empty());
}

// O_PATH.

TEST_F(OPathTest, ReadAndWriteFailWithEbadfButFstatWorks) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc"));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  char c;
  EXPECT_THAT(read(fd.get(), &c, 1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(write(fd.get(), "x", 1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(pread(fd.get(), &c, 1, 0), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fchmod(fd.get(), 0600), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(ftruncate(fd.get(), 0), SyscallFailsWithErrno(EBADF));
  const struct stat st = Fstat(fd.get());
  EXPECT_TRUE(SameFile(st, Stat(Path("f"))));
  EXPECT_EQ(st.st_size, 3);
}

TEST_F(OPathTest, IgnoresCreateAndTrunc) {
  EXPECT_THAT(open(Path("new").c_str(), O_PATH | O_CREAT, 0644), SyscallFailsWithErrno(ENOENT));
  EXPECT_FALSE(Exists(Path("new")));
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc"));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH | O_TRUNC));
  EXPECT_EQ(Stat(Path("f")).st_size, 3);
}

TEST_F(OPathTest, DirectoryFdServesAsAnAtDirfd) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_PATH | O_DIRECTORY));
  FileDescriptor fd =
      ASSERT_NO_ERRNO_AND_VALUE(OpenAt(dir.get(), "f", O_RDWR | O_CREAT | O_EXCL, 0644));
  EXPECT_TRUE(SameFile(Fstat(fd.get()), Stat(Path("d/f"))));
}

// O_DIRECTORY and O_NOFOLLOW.

TEST_F(OpenTest, DirectoryOnANonDirectoryFailsWithEnotdir) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  EXPECT_THAT(open(Path("f").c_str(), O_RDONLY | O_DIRECTORY), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(open(Path("link").c_str(), O_RDONLY | O_DIRECTORY), SyscallFailsWithErrno(ENOTDIR));
}

TEST_F(OpenTest, DirectoryThroughASymlinkToADirectory) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(symlink("d", Path("link").c_str()), SyscallSucceeds());
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("link"), O_RDONLY | O_DIRECTORY));
  EXPECT_TRUE(SameFile(Fstat(fd.get()), Stat(Path("d"))));
  // With O_NOFOLLOW the last component is the link, which is not a directory.
  EXPECT_THAT(open(Path("link").c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW),
              SyscallFailsWithErrno(ENOTDIR));
}

TEST_F(OpenTest, NofollowOnAFinalSymlinkFailsWithEloop) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  EXPECT_THAT(open(Path("link").c_str(), O_RDONLY | O_NOFOLLOW), SyscallFailsWithErrno(ELOOP));
  EXPECT_THAT(open(Path("link").c_str(), O_WRONLY | O_NOFOLLOW), SyscallFailsWithErrno(ELOOP));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY | O_NOFOLLOW));
}

TEST_F(OpenTest, NofollowStillFollowsEarlierComponents) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("d/f"), "x"));
  ASSERT_THAT(symlink("d", Path("link").c_str()), SyscallSucceeds());
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("link/f"), O_RDONLY | O_NOFOLLOW));
  EXPECT_TRUE(SameFile(Fstat(fd.get()), Stat(Path("d/f"))));
}

TEST_F(OpenTest, PathNofollowOpensTheSymlinkItself) {
  ASSERT_THAT(symlink("dangling", Path("link").c_str()), SyscallSucceeds());
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("link"), O_PATH | O_NOFOLLOW));
  const struct stat st = Fstat(fd.get());
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_TRUE(SameFile(st, Lstat(Path("link"))));
  char buf[16];
  ASSERT_THAT(readlinkat(fd.get(), "", buf, sizeof(buf)), SyscallSucceedsWithValue(8));
  EXPECT_EQ(std::string(buf, 8), "dangling");
}

// AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW on the *at calls.

TEST_F(OpenTest, AtEmptyPathStatsAndChownsTheFdItself) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc"));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  struct stat st;
  ASSERT_THAT(fstatat(fd.get(), "", &st, AT_EMPTY_PATH), SyscallSucceeds());
  EXPECT_TRUE(SameFile(st, Stat(Path("f"))));
  EXPECT_EQ(st.st_size, 3);
  ASSERT_THAT(fchownat(fd.get(), "", 1234, 5678, AT_EMPTY_PATH), SyscallSucceeds());
  const struct stat after = Stat(Path("f"));
  EXPECT_EQ(after.st_uid, 1234u);
  EXPECT_EQ(after.st_gid, 5678u);
  // Without AT_EMPTY_PATH an empty path is ENOENT.
  EXPECT_THAT(fstatat(fd.get(), "", &st, 0), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(fchownat(fd.get(), "", 0, 0, 0), SyscallFailsWithErrno(ENOENT));
}

TEST_F(OpenTest, AtEmptyPathOnADirectoryFdNamesTheDirectory) {
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(fchownat(dir.get(), "", 42, 43, AT_EMPTY_PATH), SyscallSucceeds());
  const struct stat st = Stat(dir_);
  EXPECT_EQ(st.st_uid, 42u);
  EXPECT_EQ(st.st_gid, 43u);
}

TEST_F(OpenTest, AtSymlinkNofollowActsOnTheLink) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc"));
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  struct stat st;
  ASSERT_THAT(fstatat(dir.get(), "link", &st, AT_SYMLINK_NOFOLLOW), SyscallSucceeds());
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_size, 1);
  ASSERT_THAT(fstatat(dir.get(), "link", &st, 0), SyscallSucceeds());
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 3);
  ASSERT_THAT(fchownat(dir.get(), "link", 77, 88, AT_SYMLINK_NOFOLLOW), SyscallSucceeds());
  EXPECT_EQ(Lstat(Path("link")).st_uid, 77u);
  EXPECT_EQ(Stat(Path("f")).st_uid, 0u);
  ASSERT_THAT(fchownat(dir.get(), "link", 99, 98, 0), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("f")).st_uid, 99u);
  EXPECT_EQ(Lstat(Path("link")).st_uid, 77u);
}

// Symlink following.

TEST_F(SymlinkFollowTest, RelativeTargetsResolveFromTheLinksDirectory) {
  ASSERT_THAT(mkdir(Path("a").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("a/b").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "top"));
  ASSERT_THAT(symlink("../../f", Path("a/b/up").c_str()), SyscallSucceeds());
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("a/b/up"))), "top");
  ASSERT_THAT(symlink((dir_ + "/f").c_str(), Path("a/abs").c_str()), SyscallSucceeds());
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("a/abs"))), "top");
}

TEST_F(SymlinkFollowTest, SymlinkInTheMiddleOfAPath) {
  ASSERT_THAT(mkdir(Path("real").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("real/f"), "x"));
  ASSERT_THAT(symlink("real", Path("l1").c_str()), SyscallSucceeds());
  ASSERT_THAT(symlink("l1/", Path("l2").c_str()), SyscallSucceeds());
  EXPECT_TRUE(SameFile(Stat(Path("l2/f")), Stat(Path("real/f"))));
  // ".." after a symlink is the parent of where the link led, not of the link.
  ASSERT_THAT(mkdir(Path("real/sub").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(symlink("real/sub", Path("deep").c_str()), SyscallSucceeds());
  EXPECT_TRUE(SameFile(Stat(Path("deep/../f")), Stat(Path("real/f"))));
}

TEST_F(SymlinkFollowTest, LoopFailsWithEloop) {
  ASSERT_THAT(symlink("b", Path("a").c_str()), SyscallSucceeds());
  ASSERT_THAT(symlink("a", Path("b").c_str()), SyscallSucceeds());
  ASSERT_THAT(symlink("self", Path("self").c_str()), SyscallSucceeds());
  EXPECT_THAT(open(Path("a").c_str(), O_RDONLY), SyscallFailsWithErrno(ELOOP));
  EXPECT_THAT(open(Path("self").c_str(), O_RDONLY), SyscallFailsWithErrno(ELOOP));
  EXPECT_THAT(open(Path("self/x").c_str(), O_RDONLY), SyscallFailsWithErrno(ELOOP));
  EXPECT_THAT(open(Path("a").c_str(), O_WRONLY | O_CREAT, 0644), SyscallFailsWithErrno(ELOOP));
  struct stat st;
  EXPECT_THAT(stat(Path("a").c_str(), &st), SyscallFailsWithErrno(ELOOP));
  EXPECT_THAT(lstat(Path("a").c_str(), &st), SyscallSucceeds());
}

TEST_F(SymlinkFollowTest, FortyLinksAreFollowedButNotFortyOne) {
  ASSERT_NO_ERRNO(WriteFile(Path("target"), "end"));
  // l1 -> target, lN -> l(N-1): opening lN follows N links.
  ASSERT_THAT(symlink("target", Path("l1").c_str()), SyscallSucceeds());
  for (int i = 2; i <= kMaxSymlinks + 1; ++i) {
    ASSERT_THAT(
        symlink(("l" + std::to_string(i - 1)).c_str(), Path("l" + std::to_string(i)).c_str()),
        SyscallSucceeds());
  }
  const std::string forty = Path("l" + std::to_string(kMaxSymlinks));
  const std::string forty_one = Path("l" + std::to_string(kMaxSymlinks + 1));
  // Linux itself, under heavy load, now and then answers a 40-link walk with ELOOP
  // (seen on 6.18 with the suite running in parallel): a few tries are allowed.
  std::string content;
  for (int attempt = 0; attempt < 5 && content.empty(); ++attempt) {
    if (auto r = ReadFile(forty); r.ok()) content = r.value();
  }
  EXPECT_EQ(content, "end");
  EXPECT_THAT(open(forty_one.c_str(), O_RDONLY), SyscallFailsWithErrno(ELOOP));
  struct stat st;
  EXPECT_THAT(stat(forty_one.c_str(), &st), SyscallFailsWithErrno(ELOOP));
  // The limit is per path walk, across components.
  ASSERT_THAT(symlink(".", Path("dot").c_str()), SyscallSucceeds());
  EXPECT_THAT(open(Path("dot/l" + std::to_string(kMaxSymlinks)).c_str(), O_RDONLY),
              SyscallFailsWithErrno(ELOOP));
  EXPECT_THAT(open(Path("dot/l" + std::to_string(kMaxSymlinks - 1)).c_str(), O_RDONLY),
              SyscallSucceeds());
}

TEST_F(SymlinkFollowTest, DanglingSymlinkFailsWithEnoent) {
  ASSERT_THAT(symlink("nowhere", Path("link").c_str()), SyscallSucceeds());
  EXPECT_THAT(open(Path("link").c_str(), O_RDONLY), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(open(Path("link/x").c_str(), O_RDONLY), SyscallFailsWithErrno(ENOENT));
}

// Name and path errors.

TEST_F(PathErrorTest, ComponentLongerThan255FailsWithEnametoolong) {
  const std::string longest(NAME_MAX, 'n');
  FileDescriptor fd =
      ASSERT_NO_ERRNO_AND_VALUE(Open(Path(longest), O_WRONLY | O_CREAT | O_EXCL, 0644));
  const std::string too_long(NAME_MAX + 1, 'n');
  EXPECT_THAT(open(Path(too_long).c_str(), O_WRONLY | O_CREAT, 0644),
              SyscallFailsWithErrno(ENAMETOOLONG));
  EXPECT_THAT(open(Path(too_long).c_str(), O_RDONLY), SyscallFailsWithErrno(ENAMETOOLONG));
  EXPECT_THAT(open(Path(too_long + "/x").c_str(), O_RDONLY), SyscallFailsWithErrno(ENAMETOOLONG));
  EXPECT_THAT(mkdir(Path(too_long).c_str(), 0755), SyscallFailsWithErrno(ENAMETOOLONG));
}

TEST_F(PathErrorTest, PathOfPathMaxBytesFailsWithEnametoolong) {
  // PATH_MAX counts the terminating NUL: a 4096-character path is too long, even
  // one made long by repeated slashes.
  ASSERT_LT(dir_.size(), 100u);
  const std::string too_long = dir_ + std::string(PATH_MAX - dir_.size(), '/');
  ASSERT_EQ(too_long.size(), static_cast<size_t>(PATH_MAX));
  EXPECT_THAT(open(too_long.c_str(), O_RDONLY), SyscallFailsWithErrno(ENAMETOOLONG));
  const std::string longest = dir_ + std::string(PATH_MAX - 1 - dir_.size(), '/');
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(longest, O_RDONLY | O_DIRECTORY));
  EXPECT_TRUE(SameFile(Fstat(fd.get()), Stat(dir_)));
}

TEST_F(PathErrorTest, ThroughAFileFailsWithEnotdir) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  EXPECT_THAT(open(Path("f/x").c_str(), O_RDONLY), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(open(Path("f/x").c_str(), O_WRONLY | O_CREAT, 0644), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(open(Path("f/").c_str(), O_RDONLY), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(open(Path("f/.").c_str(), O_RDONLY), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(open(Path("f/..").c_str(), O_RDONLY), SyscallFailsWithErrno(ENOTDIR));
}

TEST_F(PathErrorTest, ThroughAMissingDirectoryFailsWithEnoent) {
  EXPECT_THAT(open(Path("missing/x").c_str(), O_RDONLY), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(open(Path("missing/../x").c_str(), O_RDONLY), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(open(Path("missing").c_str(), O_RDONLY), SyscallFailsWithErrno(ENOENT));
}

TEST_F(PathErrorTest, DotAndDotDotResolve) {
  ASSERT_THAT(mkdir(Path("a").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("a/b").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  EXPECT_TRUE(SameFile(Stat(Path("a/b/..")), Stat(Path("a"))));
  EXPECT_TRUE(SameFile(Stat(Path("a/./b/../../f")), Stat(Path("f"))));
  EXPECT_TRUE(SameFile(Stat(Path(".")), Stat(dir_)));
  EXPECT_TRUE(SameFile(Stat(Path("a//b///")), Stat(Path("a/b"))));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("a/./b/../../f"), O_RDWR));
}

TEST_F(PathErrorTest, DotDotAboveTheRootStaysAtTheRoot) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  EXPECT_TRUE(SameFile(Stat("/../../.."), Stat("/")));
  EXPECT_TRUE(SameFile(Stat("/../.." + dir_ + "/f"), Stat(Path("f"))));
  FileDescriptor root = ASSERT_NO_ERRNO_AND_VALUE(Open("/", O_RDONLY | O_DIRECTORY));
  FileDescriptor up = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(root.get(), "../..", O_RDONLY));
  EXPECT_TRUE(SameFile(Fstat(up.get()), Stat("/")));
}

// openat(2).

TEST_F(OpenatTest, RelativeToADirectoryFd) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_RDONLY | O_DIRECTORY));
  FileDescriptor fd =
      ASSERT_NO_ERRNO_AND_VALUE(OpenAt(dir.get(), "f", O_RDWR | O_CREAT | O_EXCL, 0644));
  ASSERT_THAT(write(fd.get(), "via dirfd", 9), SyscallSucceedsWithValue(9));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("d/f"))), "via dirfd");
  FileDescriptor up = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(dir.get(), "..", O_RDONLY));
  EXPECT_TRUE(SameFile(Fstat(up.get()), Stat(dir_)));
}

TEST_F(OpenatTest, TheDirfdFollowsItsDirectoryWhenRenamed) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(rename(Path("d").c_str(), Path("e").c_str()), SyscallSucceeds());
  FileDescriptor fd =
      ASSERT_NO_ERRNO_AND_VALUE(OpenAt(dir.get(), "f", O_WRONLY | O_CREAT | O_EXCL, 0644));
  EXPECT_TRUE(Exists(Path("e/f")));
  EXPECT_FALSE(Exists(Path("d")));
}

TEST_F(OpenatTest, CreateInARemovedDirectoryFailsWithEnoent) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(rmdir(Path("d").c_str()), SyscallSucceeds());
  EXPECT_THAT(openat(dir.get(), "f", O_WRONLY | O_CREAT, 0644), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(openat(dir.get(), "f", O_RDONLY), SyscallFailsWithErrno(ENOENT));
  // The directory itself is still there to stat.
  const struct stat st = Fstat(dir.get());
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_nlink, 0u);
}

TEST_F(OpenatTest, RelativeToAFileFdFailsWithEnotdir) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  FileDescriptor file = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  EXPECT_THAT(openat(file.get(), "g", O_WRONLY | O_CREAT, 0644), SyscallFailsWithErrno(ENOTDIR));
  FileDescriptor path_fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  EXPECT_THAT(openat(path_fd.get(), "g", O_RDONLY), SyscallFailsWithErrno(ENOTDIR));
}

// openat2(2).

TEST_F(Openat2Test, BehavesLikeOpenat) {
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  const long fd = Openat2(dir.get(), "f", How(O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0, 0600));
  ASSERT_THAT(fd, SyscallSucceeds());
  FileDescriptor owned(fd);
  EXPECT_THAT(fcntl(fd, F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
  const struct stat st = Fstat(fd);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_TRUE(SameFile(st, Stat(Path("f"))));
  EXPECT_THAT(Openat2(dir.get(), "f", How(O_RDWR | O_CREAT | O_EXCL, 0, 0600)),
              SyscallFailsWithErrno(EEXIST));
}

TEST_F(Openat2Test, ResolveNoSymlinksRefusesAnySymlink) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("d/f"), "x"));
  ASSERT_THAT(symlink("d", Path("dlink").c_str()), SyscallSucceeds());
  ASSERT_THAT(symlink("d/f", Path("flink").c_str()), SyscallSucceeds());
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  EXPECT_THAT(Openat2(dir.get(), "flink", How(O_RDONLY, RESOLVE_NO_SYMLINKS)),
              SyscallFailsWithErrno(ELOOP));
  EXPECT_THAT(Openat2(dir.get(), "dlink/f", How(O_RDONLY, RESOLVE_NO_SYMLINKS)),
              SyscallFailsWithErrno(ELOOP));
  const long fd = Openat2(dir.get(), "d/f", How(O_RDONLY, RESOLVE_NO_SYMLINKS));
  ASSERT_THAT(fd, SyscallSucceeds());
  FileDescriptor owned(fd);
  // O_PATH | O_NOFOLLOW still may open the final link itself.
  const long link_fd = Openat2(dir.get(), "flink", How(O_PATH | O_NOFOLLOW, RESOLVE_NO_SYMLINKS));
  ASSERT_THAT(link_fd, SyscallSucceeds());
  FileDescriptor owned_link(link_fd);
  EXPECT_TRUE(S_ISLNK(Fstat(link_fd).st_mode));
}

TEST_F(Openat2Test, ResolveBeneathRefusesEscapes) {
  ASSERT_THAT(mkdir(Path("root").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("root/sub").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("root/f"), "inside"));
  ASSERT_NO_ERRNO(WriteFile(Path("outside"), "outside"));
  ASSERT_THAT(symlink("../outside", Path("root/up").c_str()), SyscallSucceeds());
  ASSERT_THAT(symlink((dir_ + "/root/f").c_str(), Path("root/abs").c_str()), SyscallSucceeds());
  ASSERT_THAT(symlink("sub/../f", Path("root/ok").c_str()), SyscallSucceeds());
  FileDescriptor root = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("root"), O_RDONLY | O_DIRECTORY));
  const auto beneath = How(O_RDONLY, RESOLVE_BENEATH);
  EXPECT_THAT(Openat2(root.get(), "../outside", beneath), SyscallFailsWithErrno(EXDEV));
  EXPECT_THAT(Openat2(root.get(), "sub/../../outside", beneath), SyscallFailsWithErrno(EXDEV));
  EXPECT_THAT(Openat2(root.get(), "up", beneath), SyscallFailsWithErrno(EXDEV));
  EXPECT_THAT(Openat2(root.get(), "abs", beneath), SyscallFailsWithErrno(EXDEV));
  EXPECT_THAT(Openat2(root.get(), dir_ + "/root/f", beneath), SyscallFailsWithErrno(EXDEV));
  for (const char* ok : {"f", "sub/../f", "ok", "./sub/.."}) {
    const long fd = Openat2(root.get(), ok, beneath);
    EXPECT_THAT(fd, SyscallSucceeds()) << ok;
    if (fd >= 0) close(fd);
  }
}

TEST_F(Openat2Test, ResolveInRootTreatsTheDirfdAsRoot) {
  ASSERT_THAT(mkdir(Path("root").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("root/f"), "inside"));
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "outside"));
  ASSERT_THAT(symlink("/f", Path("root/abs").c_str()), SyscallSucceeds());
  ASSERT_THAT(symlink("../../../f", Path("root/up").c_str()), SyscallSucceeds());
  FileDescriptor root = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("root"), O_RDONLY | O_DIRECTORY));
  const auto in_root = How(O_RDONLY, RESOLVE_IN_ROOT);
  for (const char* path : {"abs", "up", "/f", "../f", "/../../f"}) {
    const long fd = Openat2(root.get(), path, in_root);
    ASSERT_THAT(fd, SyscallSucceeds()) << path;
    FileDescriptor owned(fd);
    EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadAll(fd)), "inside") << path;
  }
}

TEST_F(Openat2Test, BadSizeFailsWithEinvalOrE2big) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  const auto how = How(O_RDONLY);
  // Smaller than the first version of the struct (24 bytes).
  EXPECT_THAT(Openat2(AT_FDCWD, Path("f"), how, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(Openat2(AT_FDCWD, Path("f"), how, kOpenHowSizeVer0 - 1),
              SyscallFailsWithErrno(EINVAL));
  // Bigger is fine while the extra bytes are zero, E2BIG once they aren't.
  struct {
    struct open_how how;
    uint64_t extra;
  } bigger;
  memset(&bigger, 0, sizeof(bigger));
  bigger.how = how;
  const long fd = syscall(SYS_openat2, AT_FDCWD, Path("f").c_str(), &bigger, sizeof(bigger));
  ASSERT_THAT(fd, SyscallSucceeds());
  close(fd);
  bigger.extra = 1;
  EXPECT_THAT(syscall(SYS_openat2, AT_FDCWD, Path("f").c_str(), &bigger, sizeof(bigger)),
              SyscallFailsWithErrno(E2BIG));
  // More than a page is refused outright.
  std::vector<char> huge(8192, 0);
  memcpy(huge.data(), &how, sizeof(how));
  EXPECT_THAT(syscall(SYS_openat2, AT_FDCWD, Path("f").c_str(), huge.data(), 4097),
              SyscallFailsWithErrno(E2BIG));
}

TEST_F(Openat2Test, UnknownFlagsAndBadModesFailWithEinval) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x"));
  // Unlike open(2), openat2 rejects flags it doesn't know.
  EXPECT_THAT(Openat2(AT_FDCWD, Path("f"), How(O_RDONLY | (1ULL << 30))),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(Openat2(AT_FDCWD, Path("f"), How(O_RDONLY | (1ULL << 40))),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(Openat2(AT_FDCWD, Path("f"), How(O_RDONLY, 1ULL << 40)),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(Openat2(AT_FDCWD, Path("f"), How(O_RDONLY, RESOLVE_BENEATH | RESOLVE_IN_ROOT)),
              SyscallFailsWithErrno(EINVAL));
  // A mode is only allowed with O_CREAT or O_TMPFILE, and only permission bits.
  EXPECT_THAT(Openat2(AT_FDCWD, Path("f"), How(O_RDONLY, 0, 0644)), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(Openat2(AT_FDCWD, Path("g"), How(O_RDWR | O_CREAT, 0, S_IFREG | 0644)),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_FALSE(Exists(Path("g")));
  const long fd = Openat2(AT_FDCWD, dir_, How(O_TMPFILE | O_RDWR, 0, 0600));
  ASSERT_THAT(fd, SyscallSucceeds());
  close(fd);
}

TEST_F(Openat2Test, BadPointersFailWithEfault) {
  EXPECT_THAT(syscall(SYS_openat2, AT_FDCWD, dir_.c_str(), nullptr, sizeof(struct open_how)),
              SyscallFailsWithErrno(EFAULT));
  const auto how = How(O_RDONLY);
  EXPECT_THAT(syscall(SYS_openat2, AT_FDCWD, nullptr, &how, sizeof(how)),
              SyscallFailsWithErrno(EFAULT));
}

}  // namespace
}  // namespace kekkai::syscall_test

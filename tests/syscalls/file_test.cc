// Files, directories and links of the host's read-only view, and the devices a
// sandbox has: open(2), openat(2), close(2), fstat(2), newfstatat(2), statx(2),
// access(2), faccessat(2), faccessat2(2), readlink(2), readlinkat(2),
// getcwd(2), chdir(2), fchdir(2), getdents64(2), lseek(2) and pread64(2) on
// paths every Debian 12 has (/etc/os-release, /usr, /usr/bin, /bin -> usr/bin,
// /proc/self/exe, /dev/null, /dev/zero, /dev/urandom). Nothing is created,
// changed or deleted: the same binary must pass natively as root and sandboxed.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/syscalls/util/cleanup.h"
#include "tests/syscalls/util/file_descriptor.h"
#include "tests/syscalls/util/dirents.h"
#include "tests/syscalls/util/stat_util.h"
#include "tests/syscalls/util/syscall_matchers.h"
#include "tests/syscalls/util/test_main.h"

namespace kekkai::syscall_test {
namespace {

using ::testing::Contains;
using ::testing::Gt;
using ::testing::IsSupersetOf;
using ::testing::StartsWith;

constexpr char kFile[] = "/etc/os-release";  // a regular file (through a symlink)
constexpr char kDir[] = "/usr";
constexpr char kLink[] = "/bin";  // -> usr/bin on a merged-/usr system
constexpr char kLinkTarget[] = "usr/bin";
constexpr char kMissing[] = "/kekkai-test-no-such-file";
const char* const kKernelAddr = reinterpret_cast<const char*>(0xffffffffff600000ULL);

// Puts the working directory back after a test that changes it.
class CwdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char buf[PATH_MAX];
    ASSERT_NE(getcwd(buf, sizeof(buf)), nullptr) << ErrnoName(errno);
    saved_ = buf;
  }
  void TearDown() override { EXPECT_THAT(chdir(saved_.c_str()), SyscallSucceeds()); }

  std::string saved_;
};

// open(2) and openat(2).

TEST(OpenTest, RegularFileReadOnly) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_GT(st.st_size, 0);
  EXPECT_TRUE(SameFile(st, Stat(kFile)));
}

TEST(OpenTest, DirectoryReadOnly) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kDir, O_RDONLY | O_DIRECTORY));
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST(OpenTest, FollowsASymlinkToADirectory) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kLink, O_RDONLY | O_DIRECTORY));
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_TRUE(SameFile(st, Stat("/usr/bin")));
}

TEST(OpenTest, MissingFileFailsWithEnoent) {
  EXPECT_THAT(open(kMissing, O_RDONLY), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(open("/usr/kekkai-test-no-such-file", O_RDONLY), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(open("/kekkai-no-such-dir/file", O_RDONLY), SyscallFailsWithErrno(ENOENT));
}

TEST(OpenTest, EmptyPathFailsWithEnoent) {
  EXPECT_THAT(open("", O_RDONLY), SyscallFailsWithErrno(ENOENT));
}

TEST(OpenTest, FileAsADirectoryFailsWithEnotdir) {
  EXPECT_THAT(open("/etc/os-release/x", O_RDONLY), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(open("/etc/os-release/", O_RDONLY), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(open(kFile, O_RDONLY | O_DIRECTORY), SyscallFailsWithErrno(ENOTDIR));
}

TEST(OpenTest, DirectoryForWritingFailsWithEisdir) {
  EXPECT_THAT(open(kDir, O_WRONLY), SyscallFailsWithErrno(EISDIR));
  EXPECT_THAT(open(kDir, O_RDWR), SyscallFailsWithErrno(EISDIR));
}

TEST(OpenTest, BadPathPointerFailsWithEfault) {
  EXPECT_THAT(open(nullptr, O_RDONLY), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(open(kKernelAddr, O_RDONLY), SyscallFailsWithErrno(EFAULT));
}

TEST(OpenTest, OverlongPathFailsWithEnametoolong) {
  std::string long_path = "/";
  while (long_path.size() <= PATH_MAX) long_path += "usr/../";
  EXPECT_THAT(open(long_path.c_str(), O_RDONLY), SyscallFailsWithErrno(ENAMETOOLONG));
  const std::string long_name = "/usr/" + std::string(NAME_MAX + 1, 'k');
  EXPECT_THAT(open(long_name.c_str(), O_RDONLY), SyscallFailsWithErrno(ENAMETOOLONG));
}

TEST(OpenTest, DotDotAndDotResolve) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/usr/./bin/../lib/./../..", O_RDONLY));
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(SameFile(st, Stat("/")));
  // The root's parent is the root.
  EXPECT_TRUE(SameFile(Stat("/.."), Stat("/")));
}

TEST(OpenTest, NofollowOnASymlinkFailsWithEloop) {
  EXPECT_THAT(open(kLink, O_RDONLY | O_NOFOLLOW), SyscallFailsWithErrno(ELOOP));
}

TEST(OpenTest, NofollowOnlyConcernsTheLastComponent) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/bin/env", O_RDONLY | O_NOFOLLOW));
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(SameFile(st, Stat("/usr/bin/env")));
}

TEST(OpenTest, PathNofollowOpensTheLinkItself) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kLink, O_PATH | O_NOFOLLOW));
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  char buf[64];
  EXPECT_THAT(readlinkat(fd.get(), "", buf, sizeof(buf)),
              SyscallSucceedsWithValue(static_cast<ssize_t>(strlen(kLinkTarget))));
}

TEST(OpenTest, CreateExclusiveOfAnExistingPathFailsWithEexist) {
  // Nothing is created: the path exists (a symlink counts, wherever it points).
  EXPECT_THAT(open(kFile, O_RDONLY | O_CREAT | O_EXCL, 0644), SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(open("/usr/lib/os-release", O_RDONLY | O_CREAT | O_EXCL, 0644),
              SyscallFailsWithErrno(EEXIST));
  EXPECT_THAT(open(kDir, O_RDONLY | O_CREAT | O_EXCL, 0644), SyscallFailsWithErrno(EEXIST));
}

TEST(OpenTest, CloseThenCloseAgainFailsWithEbadf) {
  const int fd = open(kFile, O_RDONLY);
  ASSERT_THAT(fd, SyscallSucceeds());
  EXPECT_THAT(close(fd), SyscallSucceeds());
  EXPECT_THAT(close(fd), SyscallFailsWithErrno(EBADF));
}

TEST(OpenTest, EachOpenIsANewDescriptionWithItsOwnOffset) {
  FileDescriptor a = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  FileDescriptor b = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  EXPECT_NE(a.get(), b.get());
  char c;
  ASSERT_THAT(read(a.get(), &c, 1), SyscallSucceedsWithValue(1));
  EXPECT_THAT(lseek(b.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(0));
}

TEST(OpenatTest, RelativeToADirectoryFd) {
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open("/etc", O_RDONLY | O_DIRECTORY));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(dir.get(), "os-release", O_RDONLY));
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(SameFile(st, Stat(kFile)));
}

TEST(OpenatTest, RelativeToAnOPathDirectoryFd) {
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(kDir, O_PATH | O_DIRECTORY));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(dir.get(), "bin/env", O_RDONLY));
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(SameFile(st, Stat("/usr/bin/env")));
}

TEST(OpenatTest, DotDotFromADirectoryFd) {
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open("/usr/bin", O_RDONLY | O_DIRECTORY));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(dir.get(), "..", O_RDONLY));
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(SameFile(st, Stat(kDir)));
}

TEST(OpenatTest, AbsolutePathIgnoresTheDirfd) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(-1, kFile, O_RDONLY));
  FileDescriptor fd2 = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(INT_MAX, kFile, O_RDONLY));
  FileDescriptor file = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  FileDescriptor fd3 = ASSERT_NO_ERRNO_AND_VALUE(OpenAt(file.get(), kFile, O_RDONLY));
}

TEST(OpenatTest, RelativeWithABadDirfdFailsWithEbadf) {
  EXPECT_THAT(openat(-1, "etc/os-release", O_RDONLY), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(openat(INT_MAX, "etc/os-release", O_RDONLY), SyscallFailsWithErrno(EBADF));
}

TEST(OpenatTest, RelativeToAFileFailsWithEnotdir) {
  FileDescriptor file = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  EXPECT_THAT(openat(file.get(), "x", O_RDONLY), SyscallFailsWithErrno(ENOTDIR));
}

// fstat(2), newfstatat(2), statx(2).

TEST(StatTest, FstatMatchesStatByPath) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  struct stat a, b;
  ASSERT_THAT(fstat(fd.get(), &a), SyscallSucceeds());
  ASSERT_THAT(stat(kFile, &b), SyscallSucceeds());
  EXPECT_EQ(a.st_dev, b.st_dev);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_mode, b.st_mode);
  EXPECT_EQ(a.st_nlink, b.st_nlink);
  EXPECT_EQ(a.st_uid, b.st_uid);
  EXPECT_EQ(a.st_gid, b.st_gid);
  EXPECT_EQ(a.st_size, b.st_size);
  EXPECT_EQ(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
  EXPECT_GE(a.st_nlink, 1u);
  EXPECT_GT(a.st_blksize, 0);
}

TEST(StatTest, RegularFileAndDirectoryModes) {
  const struct stat file = Stat(kFile);
  EXPECT_TRUE(S_ISREG(file.st_mode));
  // Debian ships os-release as 0644 root:root.
  EXPECT_EQ(file.st_mode & 07777, 0644u);
  EXPECT_EQ(file.st_uid, 0u);
  const struct stat dir = Stat(kDir);
  EXPECT_TRUE(S_ISDIR(dir.st_mode));
  EXPECT_GE(dir.st_nlink, 2u);
}

TEST(StatTest, LstatSeesTheSymlink) {
  struct stat st;
  ASSERT_THAT(lstat(kLink, &st), SyscallSucceeds());
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_size, static_cast<off_t>(strlen(kLinkTarget)));
  EXPECT_TRUE(S_ISDIR(Stat(kLink).st_mode));
}

TEST(StatTest, TrailingSlashFollowsTheSymlink) {
  struct stat st;
  ASSERT_THAT(lstat("/bin/", &st), SyscallSucceeds());
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_THAT(stat("/etc/os-release/", &st), SyscallFailsWithErrno(ENOTDIR));
}

TEST(StatTest, FstatOfAnOPathFd) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_PATH));
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(SameFile(st, Stat(kFile)));
}

TEST(StatTest, FstatBadFdFailsWithEbadf) {
  struct stat st;
  EXPECT_THAT(fstat(-1, &st), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fstat(INT_MAX, &st), SyscallFailsWithErrno(EBADF));
}

TEST(StatTest, BadBufferFailsWithEfault) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  EXPECT_THAT(syscall(SYS_fstat, fd.get(), kKernelAddr), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(syscall(SYS_newfstatat, AT_FDCWD, kFile, kKernelAddr, 0),
              SyscallFailsWithErrno(EFAULT));
}

TEST(StatTest, MissingFailsWithEnoent) {
  struct stat st;
  EXPECT_THAT(stat(kMissing, &st), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(lstat(kMissing, &st), SyscallFailsWithErrno(ENOENT));
}

TEST(NewfstatatTest, EmptyPathWithAtEmptyPathIsFstat) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  struct stat st;
  ASSERT_THAT(fstatat(fd.get(), "", &st, AT_EMPTY_PATH), SyscallSucceeds());
  EXPECT_TRUE(SameFile(st, Stat(kFile)));
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(kDir, O_PATH));
  ASSERT_THAT(fstatat(dir.get(), "", &st, AT_EMPTY_PATH), SyscallSucceeds());
  EXPECT_TRUE(SameFile(st, Stat(kDir)));
}

TEST(NewfstatatTest, EmptyPathWithoutAtEmptyPathFailsWithEnoent) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  struct stat st;
  EXPECT_THAT(fstatat(fd.get(), "", &st, 0), SyscallFailsWithErrno(ENOENT));
}

TEST(NewfstatatTest, RelativeToADirectoryFd) {
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open("/", O_RDONLY | O_DIRECTORY));
  struct stat st;
  ASSERT_THAT(fstatat(dir.get(), "usr/bin", &st, 0), SyscallSucceeds());
  EXPECT_TRUE(SameFile(st, Stat("/usr/bin")));
  ASSERT_THAT(fstatat(dir.get(), "bin", &st, AT_SYMLINK_NOFOLLOW), SyscallSucceeds());
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_THAT(fstatat(dir.get(), "bin", &st, 0), SyscallSucceeds());
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST(NewfstatatTest, UnknownFlagsFailWithEinval) {
  struct stat st;
  EXPECT_THAT(fstatat(AT_FDCWD, kFile, &st, 0x1), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(fstatat(AT_FDCWD, kFile, &st, AT_REMOVEDIR), SyscallFailsWithErrno(EINVAL));
}

TEST(NewfstatatTest, BadDirfdFailsWithEbadfAndFileDirfdWithEnotdir) {
  struct stat st;
  EXPECT_THAT(fstatat(-1, "usr", &st, 0), SyscallFailsWithErrno(EBADF));
  FileDescriptor file = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  EXPECT_THAT(fstatat(file.get(), "x", &st, 0), SyscallFailsWithErrno(ENOTDIR));
}

TEST(NewfstatatTest, BadPathPointerFailsWithEfault) {
  struct stat st;
  EXPECT_THAT(fstatat(AT_FDCWD, kKernelAddr, &st, 0), SyscallFailsWithErrno(EFAULT));
}

TEST(StatxTest, BasicStatsMatchFstat) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  struct statx stx;
  memset(&stx, 0xff, sizeof(stx));
  ASSERT_THAT(statx(AT_FDCWD, kFile, 0, STATX_BASIC_STATS, &stx), SyscallSucceeds());
  EXPECT_EQ(stx.stx_mask & STATX_BASIC_STATS, static_cast<unsigned>(STATX_BASIC_STATS));
  EXPECT_EQ(stx.stx_ino, st.st_ino);
  EXPECT_EQ(stx.stx_mode, st.st_mode);
  EXPECT_EQ(stx.stx_nlink, st.st_nlink);
  EXPECT_EQ(stx.stx_uid, st.st_uid);
  EXPECT_EQ(stx.stx_gid, st.st_gid);
  EXPECT_EQ(static_cast<off_t>(stx.stx_size), st.st_size);
  EXPECT_EQ(static_cast<blkcnt_t>(stx.stx_blocks), st.st_blocks);
  EXPECT_EQ(makedev(stx.stx_dev_major, stx.stx_dev_minor), st.st_dev);
  EXPECT_EQ(stx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
  EXPECT_EQ(stx.stx_mtime.tv_nsec, static_cast<uint32_t>(st.st_mtim.tv_nsec));
}

TEST(StatxTest, EmptyPathOnAnFd) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kDir, O_RDONLY | O_DIRECTORY));
  struct statx stx;
  ASSERT_THAT(statx(fd.get(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx), SyscallSucceeds());
  EXPECT_TRUE(S_ISDIR(stx.stx_mode));
  EXPECT_EQ(stx.stx_ino, Stat(kDir).st_ino);
}

TEST(StatxTest, SymlinkNofollow) {
  struct statx stx;
  ASSERT_THAT(statx(AT_FDCWD, kLink, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx),
              SyscallSucceeds());
  EXPECT_TRUE(S_ISLNK(stx.stx_mode));
  EXPECT_EQ(stx.stx_size, strlen(kLinkTarget));
  ASSERT_THAT(statx(AT_FDCWD, kLink, 0, STATX_BASIC_STATS, &stx), SyscallSucceeds());
  EXPECT_TRUE(S_ISDIR(stx.stx_mode));
}

TEST(StatxTest, InvalidFlagsOrMaskFailWithEinval) {
  struct statx stx;
  EXPECT_THAT(statx(AT_FDCWD, kFile, 0x1, STATX_BASIC_STATS, &stx), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(
      statx(AT_FDCWD, kFile, AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &stx),
      SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(statx(AT_FDCWD, kFile, 0, STATX__RESERVED, &stx), SyscallFailsWithErrno(EINVAL));
}

TEST(StatxTest, ErrorsLikeStat) {
  struct statx stx;
  EXPECT_THAT(statx(AT_FDCWD, kMissing, 0, STATX_BASIC_STATS, &stx), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(statx(AT_FDCWD, kFile, 0, STATX_BASIC_STATS,
                    reinterpret_cast<struct statx*>(const_cast<char*>(kKernelAddr))),
              SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(statx(-1, "usr", 0, STATX_BASIC_STATS, &stx), SyscallFailsWithErrno(EBADF));
}

// access(2), faccessat(2), faccessat2(2).

TEST(AccessTest, ExistingFileIsReadable) {
  EXPECT_THAT(access(kFile, F_OK), SyscallSucceeds());
  EXPECT_THAT(access(kFile, R_OK), SyscallSucceeds());
  EXPECT_THAT(access(kDir, R_OK | X_OK), SyscallSucceeds());
  EXPECT_THAT(access("/usr/bin/env", R_OK | X_OK), SyscallSucceeds());
}

TEST(AccessTest, ExecuteWithoutAnyExecuteBitFailsWithEacces) {
  // Even for root: X_OK needs some execute bit, and os-release has none.
  ASSERT_EQ(Stat(kFile).st_mode & 0111, 0u);
  EXPECT_THAT(access(kFile, X_OK), SyscallFailsWithErrno(EACCES));
}

TEST(AccessTest, MissingFailsWithEnoent) {
  EXPECT_THAT(access(kMissing, F_OK), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(access("/etc/os-release/x", F_OK), SyscallFailsWithErrno(ENOTDIR));
}

TEST(AccessTest, InvalidModeFailsWithEinval) {
  EXPECT_THAT(access(kFile, 8), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(access(kFile, -1), SyscallFailsWithErrno(EINVAL));
}

TEST(AccessTest, BadPathPointerFailsWithEfault) {
  EXPECT_THAT(access(kKernelAddr, F_OK), SyscallFailsWithErrno(EFAULT));
}

long RawFaccessat(int dirfd, const char* path, int mode) {
  return syscall(SYS_faccessat, dirfd, path, mode);
}

long RawFaccessat2(int dirfd, const char* path, int mode, int flags) {
  return syscall(SYS_faccessat2, dirfd, path, mode, flags);
}

TEST(FaccessatTest, RelativeToADirectoryFd) {
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open("/etc", O_RDONLY | O_DIRECTORY));
  EXPECT_THAT(RawFaccessat(dir.get(), "os-release", R_OK), SyscallSucceeds());
  EXPECT_THAT(RawFaccessat(dir.get(), "kekkai-no-such-file", F_OK), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(RawFaccessat(AT_FDCWD, kFile, R_OK), SyscallSucceeds());
}

TEST(FaccessatTest, BadDirfdFailsWithEbadf) {
  EXPECT_THAT(RawFaccessat(-1, "etc/os-release", R_OK), SyscallFailsWithErrno(EBADF));
}

TEST(Faccessat2Test, AcceptsItsFlags) {
  EXPECT_THAT(RawFaccessat2(AT_FDCWD, kFile, R_OK, 0), SyscallSucceeds());
  EXPECT_THAT(RawFaccessat2(AT_FDCWD, kFile, R_OK, AT_EACCESS), SyscallSucceeds());
  EXPECT_THAT(RawFaccessat2(AT_FDCWD, kLink, F_OK, AT_SYMLINK_NOFOLLOW), SyscallSucceeds());
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_PATH));
  EXPECT_THAT(RawFaccessat2(fd.get(), "", R_OK, AT_EMPTY_PATH), SyscallSucceeds());
  EXPECT_THAT(RawFaccessat2(fd.get(), "", X_OK, AT_EMPTY_PATH), SyscallFailsWithErrno(EACCES));
}

TEST(Faccessat2Test, UnknownFlagsFailWithEinval) {
  EXPECT_THAT(RawFaccessat2(AT_FDCWD, kFile, R_OK, 0x1), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(RawFaccessat2(AT_FDCWD, kFile, R_OK, AT_NO_AUTOMOUNT), SyscallFailsWithErrno(EINVAL));
}

TEST(Faccessat2Test, EmptyPathWithoutAtEmptyPathFailsWithEnoent) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_PATH));
  EXPECT_THAT(RawFaccessat2(fd.get(), "", R_OK, 0), SyscallFailsWithErrno(ENOENT));
}

// readlink(2) and readlinkat(2).

TEST(ReadlinkTest, ReturnsTheTargetWithoutANul) {
  char buf[64];
  memset(buf, 'x', sizeof(buf));
  ASSERT_THAT(readlink(kLink, buf, sizeof(buf)),
              SyscallSucceedsWithValue(static_cast<ssize_t>(strlen(kLinkTarget))));
  EXPECT_EQ(std::string(buf, strlen(kLinkTarget)), kLinkTarget);
  EXPECT_EQ(buf[strlen(kLinkTarget)], 'x');
}

TEST(ReadlinkTest, ShortBufferTruncates) {
  char buf[3];
  ASSERT_THAT(readlink(kLink, buf, sizeof(buf)), SyscallSucceedsWithValue(3));
  EXPECT_EQ(std::string(buf, 3), "usr");
}

TEST(ReadlinkTest, ZeroSizeFailsWithEinval) {
  char buf[1];
  EXPECT_THAT(readlink(kLink, buf, 0), SyscallFailsWithErrno(EINVAL));
}

TEST(ReadlinkTest, NotASymlinkFailsWithEinval) {
  char buf[64];
  EXPECT_THAT(readlink("/usr/lib/os-release", buf, sizeof(buf)), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(readlink(kDir, buf, sizeof(buf)), SyscallFailsWithErrno(EINVAL));
  // A trailing slash resolves the link: what is left is a directory.
  EXPECT_THAT(readlink("/bin/", buf, sizeof(buf)), SyscallFailsWithErrno(EINVAL));
}

TEST(ReadlinkTest, MissingFailsWithEnoent) {
  char buf[64];
  EXPECT_THAT(readlink(kMissing, buf, sizeof(buf)), SyscallFailsWithErrno(ENOENT));
}

TEST(ReadlinkTest, BadPointersFailWithEfault) {
  EXPECT_THAT(readlink(kLink, const_cast<char*>(kKernelAddr), 64), SyscallFailsWithErrno(EFAULT));
  char buf[64];
  EXPECT_THAT(readlink(kKernelAddr, buf, sizeof(buf)), SyscallFailsWithErrno(EFAULT));
}

TEST(ReadlinkTest, ProcSelfExeIsThisProgram) {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf));
  ASSERT_THAT(n, SyscallSucceedsWithValue(Gt(0)));
  const std::string exe(buf, n);
  EXPECT_THAT(exe, StartsWith("/"));
  struct stat by_link, by_argv0;
  ASSERT_THAT(stat(exe.c_str(), &by_link), SyscallSucceeds()) << exe;
  ASSERT_THAT(stat(TestProgramArgv0(), &by_argv0), SyscallSucceeds()) << TestProgramArgv0();
  EXPECT_TRUE(SameFile(by_link, by_argv0)) << exe << " vs " << TestProgramArgv0();
}

TEST(ReadlinkatTest, RelativeToADirectoryFd) {
  FileDescriptor root = ASSERT_NO_ERRNO_AND_VALUE(Open("/", O_RDONLY | O_DIRECTORY));
  char buf[64];
  ASSERT_THAT(readlinkat(root.get(), "bin", buf, sizeof(buf)),
              SyscallSucceedsWithValue(static_cast<ssize_t>(strlen(kLinkTarget))));
  EXPECT_EQ(std::string(buf, strlen(kLinkTarget)), kLinkTarget);
}

TEST(ReadlinkatTest, EmptyPathOnANonLinkFailsWithEnoent) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_PATH));
  char buf[64];
  EXPECT_THAT(readlinkat(fd.get(), "", buf, sizeof(buf)), SyscallFailsWithErrno(ENOENT));
}

TEST(ReadlinkatTest, BadDirfdFailsWithEbadf) {
  char buf[64];
  EXPECT_THAT(readlinkat(-1, "bin", buf, sizeof(buf)), SyscallFailsWithErrno(EBADF));
}

// getcwd(2), chdir(2), fchdir(2).

std::string Cwd() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof(buf)) == nullptr ? "(getcwd failed)" : buf;
}

TEST_F(CwdTest, GetcwdReturnsTheLengthWithTheNul) {
  ASSERT_THAT(chdir(kDir), SyscallSucceeds());
  char buf[64];
  memset(buf, 'x', sizeof(buf));
  EXPECT_THAT(syscall(SYS_getcwd, buf, sizeof(buf)), SyscallSucceedsWithValue(5));
  EXPECT_STREQ(buf, "/usr");
}

TEST_F(CwdTest, GetcwdIntoAnExactlySizedBuffer) {
  ASSERT_THAT(chdir(kDir), SyscallSucceeds());
  char buf[5];
  EXPECT_THAT(syscall(SYS_getcwd, buf, 5), SyscallSucceedsWithValue(5));
  EXPECT_STREQ(buf, "/usr");
}

TEST_F(CwdTest, GetcwdTooSmallFailsWithErange) {
  ASSERT_THAT(chdir(kDir), SyscallSucceeds());
  char buf[5];
  EXPECT_THAT(syscall(SYS_getcwd, buf, 4), SyscallFailsWithErrno(ERANGE));
  EXPECT_THAT(syscall(SYS_getcwd, buf, 0), SyscallFailsWithErrno(ERANGE));
}

TEST_F(CwdTest, GetcwdBadBufferFailsWithEfault) {
  EXPECT_THAT(syscall(SYS_getcwd, kKernelAddr, 64), SyscallFailsWithErrno(EFAULT));
}

TEST_F(CwdTest, ChdirThroughASymlinkGivesTheResolvedPath) {
  ASSERT_THAT(chdir(kLink), SyscallSucceeds());
  EXPECT_EQ(Cwd(), "/usr/bin");
  ASSERT_THAT(chdir(".."), SyscallSucceeds());
  EXPECT_EQ(Cwd(), "/usr");
  ASSERT_THAT(chdir("/"), SyscallSucceeds());
  EXPECT_EQ(Cwd(), "/");
  ASSERT_THAT(chdir(".."), SyscallSucceeds());
  EXPECT_EQ(Cwd(), "/");
}

TEST_F(CwdTest, RelativePathsStartAtTheWorkingDirectory) {
  ASSERT_THAT(chdir("/etc"), SyscallSucceeds());
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("os-release", O_RDONLY));
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(SameFile(st, Stat(kFile)));
  EXPECT_THAT(access("os-release", R_OK), SyscallSucceeds());
  ASSERT_THAT(fstatat(AT_FDCWD, "../usr", &st, 0), SyscallSucceeds());
  EXPECT_TRUE(SameFile(st, Stat(kDir)));
}

TEST_F(CwdTest, ChdirErrors) {
  const std::string before = Cwd();
  EXPECT_THAT(chdir(kFile), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(chdir(kMissing), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(chdir(""), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(chdir(kKernelAddr), SyscallFailsWithErrno(EFAULT));
  EXPECT_EQ(Cwd(), before);
}

TEST_F(CwdTest, FchdirToADirectoryFd) {
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open("/usr/lib", O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(fchdir(dir.get()), SyscallSucceeds());
  EXPECT_EQ(Cwd(), "/usr/lib");
  FileDescriptor path_dir = ASSERT_NO_ERRNO_AND_VALUE(Open("/etc", O_PATH | O_DIRECTORY));
  ASSERT_THAT(fchdir(path_dir.get()), SyscallSucceeds());
  EXPECT_EQ(Cwd(), "/etc");
}

TEST_F(CwdTest, FchdirErrors) {
  const std::string before = Cwd();
  FileDescriptor file = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  EXPECT_THAT(fchdir(file.get()), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(fchdir(-1), SyscallFailsWithErrno(EBADF));
  EXPECT_EQ(Cwd(), before);
}

// getdents64(2).

struct Dirent {
  uint64_t ino;
  unsigned char type;
};

// Reads a directory to its end (util/dirents.h checks each record); returns name
// -> entry, and fails on a name listed twice.
std::map<std::string, Dirent> ReadDir(int fd, size_t bufsize) {
  std::map<std::string, Dirent> entries;
  for (const Dirent64& d : ReadDirents(fd, bufsize)) {
    EXPECT_TRUE(entries.emplace(d.name, Dirent{d.ino, d.type}).second) << "duplicate " << d.name;
  }
  return entries;
}

std::set<std::string> Names(const std::map<std::string, Dirent>& entries) {
  std::set<std::string> names;
  for (const auto& [name, e] : entries) names.insert(name);
  return names;
}

TEST(Getdents64Test, ListsADirectory) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kDir, O_RDONLY | O_DIRECTORY));
  const auto entries = ReadDir(fd.get(), 4096);
  EXPECT_THAT(Names(entries), IsSupersetOf({".", "..", "bin", "lib", "share", "sbin"}));
}

TEST(Getdents64Test, TypesAreRightOrUnknown) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/", O_RDONLY | O_DIRECTORY));
  const auto entries = ReadDir(fd.get(), 4096);
  ASSERT_THAT(Names(entries), IsSupersetOf({"usr", "etc", "bin"}));
  for (const auto& [name, e] : entries) {
    if (e.type == DT_UNKNOWN || name == "..") continue;
    struct stat st;
    ASSERT_THAT(lstat(("/" + name).c_str(), &st), SyscallSucceeds()) << name;
    EXPECT_EQ(e.type, IFTODT(st.st_mode)) << name;
  }
}

TEST(Getdents64Test, ASmallBufferTakesMoreCallsButGivesTheSameEntries) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kDir, O_RDONLY | O_DIRECTORY));
  const auto big = ReadDir(fd.get(), 32768);
  FileDescriptor fd2 = ASSERT_NO_ERRNO_AND_VALUE(Open(kDir, O_RDONLY | O_DIRECTORY));
  const auto small = ReadDir(fd2.get(), sizeof(struct dirent64) + 8);
  EXPECT_EQ(Names(big), Names(small));
}

TEST(Getdents64Test, AtTheEndReturnsZeroUntilRewound) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kDir, O_RDONLY | O_DIRECTORY));
  const auto first = ReadDir(fd.get(), 4096);
  char buf[4096];
  EXPECT_THAT(syscall(SYS_getdents64, fd.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(0));
  ASSERT_THAT(lseek(fd.get(), 0, SEEK_SET), SyscallSucceedsWithValue(0));
  EXPECT_EQ(Names(ReadDir(fd.get(), 4096)), Names(first));
}

TEST(Getdents64Test, ThroughASymlinkListsTheTarget) {
  FileDescriptor a = ASSERT_NO_ERRNO_AND_VALUE(Open(kLink, O_RDONLY | O_DIRECTORY));
  FileDescriptor b = ASSERT_NO_ERRNO_AND_VALUE(Open("/usr/bin", O_RDONLY | O_DIRECTORY));
  const auto via_link = Names(ReadDir(a.get(), 32768));
  EXPECT_THAT(via_link, Contains("env"));
  EXPECT_EQ(via_link, Names(ReadDir(b.get(), 32768)));
}

TEST(Getdents64Test, TooSmallABufferFailsWithEinval) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kDir, O_RDONLY | O_DIRECTORY));
  char buf[8];
  EXPECT_THAT(syscall(SYS_getdents64, fd.get(), buf, 1), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_getdents64, fd.get(), buf, sizeof(buf)), SyscallFailsWithErrno(EINVAL));
}

TEST(Getdents64Test, NotADirectoryFailsWithEnotdir) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  char buf[4096];
  EXPECT_THAT(syscall(SYS_getdents64, fd.get(), buf, sizeof(buf)), SyscallFailsWithErrno(ENOTDIR));
}

TEST(Getdents64Test, BadFdFailsWithEbadf) {
  char buf[4096];
  EXPECT_THAT(syscall(SYS_getdents64, -1, buf, sizeof(buf)), SyscallFailsWithErrno(EBADF));
  FileDescriptor path_fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kDir, O_PATH | O_DIRECTORY));
  EXPECT_THAT(syscall(SYS_getdents64, path_fd.get(), buf, sizeof(buf)),
              SyscallFailsWithErrno(EBADF));
}

TEST(Getdents64Test, BadBufferFailsWithEfault) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kDir, O_RDONLY | O_DIRECTORY));
  EXPECT_THAT(syscall(SYS_getdents64, fd.get(), kKernelAddr, 4096), SyscallFailsWithErrno(EFAULT));
}

// A bigger file: lseek(2) and pread64(2) across pages of an ELF binary.

TEST(BinaryFileTest, ReadsAnElfAcrossPages) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/usr/bin/env", O_RDONLY));
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  ASSERT_GT(st.st_size, 3 * 4096);
  char magic[4];
  ASSERT_THAT(pread(fd.get(), magic, 4, 0), SyscallSucceedsWithValue(4));
  EXPECT_EQ(std::string(magic, 4),
            "\x7f"
            "ELF");
  // The whole file by read(2) matches what pread(2) sees at a page boundary.
  std::vector<char> all(st.st_size);
  size_t got = 0;
  while (got < all.size()) {
    const ssize_t n = read(fd.get(), all.data() + got, all.size() - got);
    ASSERT_THAT(n, SyscallSucceedsWithValue(Gt(0)));
    got += n;
  }
  char tail[1];
  EXPECT_THAT(read(fd.get(), tail, 1), SyscallSucceedsWithValue(0));
  std::vector<char> straddle(100);
  ASSERT_THAT(pread(fd.get(), straddle.data(), straddle.size(), 4096 - 50),
              SyscallSucceedsWithValue(100));
  EXPECT_EQ(memcmp(straddle.data(), all.data() + 4096 - 50, 100), 0);
  EXPECT_THAT(lseek(fd.get(), 0, SEEK_END), SyscallSucceedsWithValue(st.st_size));
  EXPECT_THAT(lseek(fd.get(), -4, SEEK_END), SyscallSucceedsWithValue(st.st_size - 4));
  char last[4];
  ASSERT_THAT(read(fd.get(), last, 4), SyscallSucceedsWithValue(4));
  EXPECT_EQ(memcmp(last, all.data() + st.st_size - 4, 4), 0);
}

// Devices.

TEST(DeviceTest, DevNullIsCharacterDevice1_3) {
  const struct stat st = Stat("/dev/null");
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(major(st.st_rdev), 1u);
  EXPECT_EQ(minor(st.st_rdev), 3u);
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDWR));
  struct stat fst;
  ASSERT_THAT(fstat(fd.get(), &fst), SyscallSucceeds());
  EXPECT_EQ(fst.st_rdev, st.st_rdev);
}

TEST(DeviceTest, DevZeroReadsZeroesAndSwallowsWrites) {
  const struct stat st = Stat("/dev/zero");
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(major(st.st_rdev), 1u);
  EXPECT_EQ(minor(st.st_rdev), 5u);
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/zero", O_RDWR));
  std::vector<char> buf(10000, 'x');
  ASSERT_THAT(read(fd.get(), buf.data(), buf.size()), SyscallSucceedsWithValue(10000));
  EXPECT_EQ(std::count(buf.begin(), buf.end(), 0), 10000);
  EXPECT_THAT(write(fd.get(), buf.data(), 123), SyscallSucceedsWithValue(123));
}

TEST(DeviceTest, DevUrandomReadsRandomBytes) {
  const struct stat st = Stat("/dev/urandom");
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(major(st.st_rdev), 1u);
  EXPECT_EQ(minor(st.st_rdev), 9u);
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/urandom", O_RDONLY));
  unsigned char a[32] = {}, b[32] = {};
  ASSERT_THAT(read(fd.get(), a, sizeof(a)), SyscallSucceedsWithValue(32));
  ASSERT_THAT(read(fd.get(), b, sizeof(b)), SyscallSucceedsWithValue(32));
  EXPECT_NE(memcmp(a, b, sizeof(a)), 0);
}

TEST(DeviceTest, DevDirectoryListsTheDevices) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev", O_RDONLY | O_DIRECTORY));
  EXPECT_THAT(Names(ReadDir(fd.get(), 4096)), IsSupersetOf({"null", "zero", "urandom"}));
}

}  // namespace
}  // namespace kekkai::syscall_test

// File attributes in a scratch directory: chmod(2), fchmod(2), fchmodat(2),
// fchmodat2(2), chown(2), fchown(2), lchown(2), fchownat(2), utimensat(2),
// utimes(2), futimesat(2), utime(2), truncate(2), ftruncate(2), fallocate(2),
// access(2), faccessat(2), faccessat2(2), statfs(2), fstatfs(2), the stat
// family and statx(2) — and the permission checks an unprivileged effective
// uid meets. Everything is created under a fresh /tmp/kekkai_fs_test_XXXXXX
// and removed afterwards.
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include <string>

#include "tests/syscalls/util/cleanup.h"
#include "tests/syscalls/util/file_descriptor.h"
#include "tests/syscalls/util/scoped_credentials.h"
#include "tests/syscalls/util/scratch_dir.h"
#include "tests/syscalls/util/stat_util.h"
#include "tests/syscalls/util/syscall_matchers.h"
#include "tests/syscalls/util/time_util.h"

namespace kekkai::syscall_test {
namespace {

// fchmodat2(2) (Linux 6.6), which glibc 2.36 has no number for.
constexpr long kSysFchmodat2 = 452;
constexpr time_t kY2k = 946684800;

mode_t ModeOf(const std::string& path) { return Stat(path).st_mode & 07777; }

// Waits long enough for the filesystem's timestamp clock (at worst a coarse,
// jiffy-granular one) to move on.
void WaitForTimestampTick() {
  const timespec ts = {0, 20 * kNsPerMs};
  nanosleep(&ts, nullptr);
}

// Expects `ts` to be within a few seconds of now.
void ExpectNearNow(const timespec& ts, const char* what) {
  EXPECT_NEAR(static_cast<double>(ts.tv_sec), static_cast<double>(time(nullptr)), 5) << what;
}

long Fchmodat2(int dirfd, const char* path, mode_t mode, int flags) {
  return syscall(kSysFchmodat2, dirfd, path, mode, flags);
}

long Faccessat2(int dirfd, const char* path, int mode, int flags) {
  return syscall(SYS_faccessat2, dirfd, path, mode, flags);
}

long RawUtimensat(int dirfd, const char* path, const timespec* times, int flags) {
  return syscall(SYS_utimensat, dirfd, path, times, flags);
}

using ChmodTest = ScratchDirTest;
using ChownTest = ScratchDirTest;
using UtimensatTest = ScratchDirTest;
using UtimesTest = ScratchDirTest;
using TruncateTest = ScratchDirTest;
using FallocateTest = ScratchDirTest;
using AccessTest = ScratchDirTest;
using StatfsTest = ScratchDirTest;
using StatTest = ScratchDirTest;

// A scratch directory others may search, and a way to act as nobody:nogroup.
class UnprivilegedTest : public ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(geteuid(), 0u) << "these tests switch from root to an unprivileged euid";
    ASSERT_THAT(chmod(dir_.c_str(), 0755), SyscallSucceeds());
  }
  // Creates `name` with `contents`, then gives it `mode` and owner `uid`:`gid`.
  void MakeFile(const std::string& name, mode_t mode, uid_t uid = 0, gid_t gid = 0,
                const std::string& contents = "data") {
    ASSERT_NO_ERRNO(WriteFile(Path(name), contents, 0600));
    ASSERT_THAT(chown(Path(name).c_str(), uid, gid), SyscallSucceeds());
    ASSERT_THAT(chmod(Path(name).c_str(), mode), SyscallSucceeds());
  }
};

// chmod(2), fchmod(2), fchmodat(2), fchmodat2(2).

TEST_F(ChmodTest, ChangesThePermissionBitsOnly) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  for (mode_t mode : {0600u, 0751u, 04755u, 02711u, 01777u, 07777u, 0u}) {
    ASSERT_THAT(chmod(Path("f").c_str(), mode), SyscallSucceeds()) << std::oct << mode;
    const struct stat st = Stat(Path("f"));
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, mode) << std::oct << mode;
  }
  // File-type bits in the argument are ignored.
  ASSERT_THAT(chmod(Path("f").c_str(), S_IFDIR | 0640), SyscallSucceeds());
  const struct stat st = Stat(Path("f"));
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_F(ChmodTest, OnADirectory) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(chmod(Path("d").c_str(), 01733), SyscallSucceeds());
  const struct stat st = Stat(Path("d"));
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 01733u);
}

TEST_F(ChmodTest, UpdatesCtimeButNotMtime) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  const struct stat before = Stat(Path("f"));
  WaitForTimestampTick();
  ASSERT_THAT(chmod(Path("f").c_str(), 0600), SyscallSucceeds());
  const struct stat after = Stat(Path("f"));
  EXPECT_GT(TimespecToNs(after.st_ctim), TimespecToNs(before.st_ctim));
  EXPECT_EQ(TimespecToNs(after.st_mtim), TimespecToNs(before.st_mtim));
}

TEST_F(ChmodTest, FollowsSymlinks) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  ASSERT_THAT(chmod(Path("link").c_str(), 0611), SyscallSucceeds());
  EXPECT_EQ(ModeOf(Path("f")), 0611u);
  EXPECT_EQ(Lstat(Path("link")).st_mode & 07777, 0777u);
}

TEST_F(ChmodTest, Errors) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  EXPECT_THAT(chmod(Path("missing").c_str(), 0600), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(chmod(Path("f/x").c_str(), 0600), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(chmod("", 0600), SyscallFailsWithErrno(ENOENT));
}

TEST_F(ChmodTest, FchmodWorksOnAnyOpenFdButNotOPath) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  FileDescriptor ro = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  ASSERT_THAT(fchmod(ro.get(), 0604), SyscallSucceeds());
  EXPECT_EQ(ModeOf(Path("f")), 0604u);
  EXPECT_EQ(Fstat(ro.get()).st_mode & 07777, 0604u);
  FileDescriptor path_fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  EXPECT_THAT(fchmod(path_fd.get(), 0600), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fchmod(-1, 0600), SyscallFailsWithErrno(EBADF));
  EXPECT_EQ(ModeOf(Path("f")), 0604u);
}

TEST_F(ChmodTest, FchmodatRelativeToADirectoryFd) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("d/f"), "x", 0644));
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(syscall(SYS_fchmodat, dir.get(), "f", 0640), SyscallSucceeds());
  EXPECT_EQ(ModeOf(Path("d/f")), 0640u);
  EXPECT_THAT(syscall(SYS_fchmodat, dir.get(), "missing", 0640), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(syscall(SYS_fchmodat, -1, "f", 0640), SyscallFailsWithErrno(EBADF));
}

TEST_F(ChmodTest, Fchmodat2NofollowOnASymlinkFailsWithEopnotsupp) {
  // Linux symlinks have no mode of their own to change.
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  EXPECT_THAT(Fchmodat2(AT_FDCWD, Path("link").c_str(), 0600, AT_SYMLINK_NOFOLLOW),
              SyscallFailsWithErrno(EOPNOTSUPP));
  EXPECT_EQ(ModeOf(Path("f")), 0644u);
  // On anything else the flag changes nothing.
  ASSERT_THAT(Fchmodat2(AT_FDCWD, Path("f").c_str(), 0600, AT_SYMLINK_NOFOLLOW), SyscallSucceeds());
  EXPECT_EQ(ModeOf(Path("f")), 0600u);
  ASSERT_THAT(Fchmodat2(AT_FDCWD, Path("link").c_str(), 0640, 0), SyscallSucceeds());
  EXPECT_EQ(ModeOf(Path("f")), 0640u);
}

TEST_F(ChmodTest, Fchmodat2FlagsAndEmptyPath) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  EXPECT_THAT(Fchmodat2(AT_FDCWD, Path("f").c_str(), 0600, AT_REMOVEDIR),
              SyscallFailsWithErrno(EINVAL));
  // With AT_EMPTY_PATH even an O_PATH fd (which fchmod refuses) can be changed.
  FileDescriptor path_fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  ASSERT_THAT(Fchmodat2(path_fd.get(), "", 0606, AT_EMPTY_PATH), SyscallSucceeds());
  EXPECT_EQ(ModeOf(Path("f")), 0606u);
  EXPECT_THAT(Fchmodat2(path_fd.get(), "", 0600, 0), SyscallFailsWithErrno(ENOENT));
}

// chown(2), fchown(2), lchown(2), fchownat(2).

TEST_F(ChownTest, ChangesOwnerAndGroupAndMinusOneLeavesThemAlone) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  ASSERT_THAT(chown(Path("f").c_str(), 1000, 2000), SyscallSucceeds());
  struct stat st = Stat(Path("f"));
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 2000u);
  ASSERT_THAT(chown(Path("f").c_str(), 1001, -1), SyscallSucceeds());
  st = Stat(Path("f"));
  EXPECT_EQ(st.st_uid, 1001u);
  EXPECT_EQ(st.st_gid, 2000u);
  ASSERT_THAT(chown(Path("f").c_str(), -1, 2001), SyscallSucceeds());
  st = Stat(Path("f"));
  EXPECT_EQ(st.st_uid, 1001u);
  EXPECT_EQ(st.st_gid, 2001u);
  ASSERT_THAT(chown(Path("f").c_str(), -1, -1), SyscallSucceeds());
  st = Stat(Path("f"));
  EXPECT_EQ(st.st_uid, 1001u);
  EXPECT_EQ(st.st_gid, 2001u);
}

TEST_F(ChownTest, ClearsSetuidAndSetgidOfExecutableFiles) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  ASSERT_THAT(chmod(Path("f").c_str(), 06755), SyscallSucceeds());
  ASSERT_THAT(chown(Path("f").c_str(), 1000, 1000), SyscallSucceeds());
  EXPECT_EQ(ModeOf(Path("f")), 0755u);
  // Even a chown that changes nothing clears them, root's included.
  ASSERT_THAT(chmod(Path("f").c_str(), 06755), SyscallSucceeds());
  ASSERT_THAT(chown(Path("f").c_str(), -1, -1), SyscallSucceeds());
  EXPECT_EQ(ModeOf(Path("f")), 0755u);
}

TEST_F(ChownTest, KeepsSetgidWithoutGroupExecute) {
  // Setgid without group-execute marks mandatory locking, not a privilege.
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  ASSERT_THAT(chmod(Path("f").c_str(), 06644), SyscallSucceeds());
  ASSERT_THAT(chown(Path("f").c_str(), 1000, 1000), SyscallSucceeds());
  EXPECT_EQ(ModeOf(Path("f")), 02644u);
}

TEST_F(ChownTest, KeepsTheBitsOfDirectories) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(chmod(Path("d").c_str(), 07755), SyscallSucceeds());
  ASSERT_THAT(chown(Path("d").c_str(), 1000, 1000), SyscallSucceeds());
  EXPECT_EQ(ModeOf(Path("d")), 07755u);
}

TEST_F(ChownTest, UpdatesCtime) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  const struct stat before = Stat(Path("f"));
  WaitForTimestampTick();
  ASSERT_THAT(chown(Path("f").c_str(), 1000, 1000), SyscallSucceeds());
  const struct stat after = Stat(Path("f"));
  EXPECT_GT(TimespecToNs(after.st_ctim), TimespecToNs(before.st_ctim));
  EXPECT_EQ(TimespecToNs(after.st_mtim), TimespecToNs(before.st_mtim));
}

TEST_F(ChownTest, LchownChangesTheLinkAndChownTheTarget) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  ASSERT_THAT(lchown(Path("link").c_str(), 1111, 2222), SyscallSucceeds());
  EXPECT_EQ(Lstat(Path("link")).st_uid, 1111u);
  EXPECT_EQ(Lstat(Path("link")).st_gid, 2222u);
  EXPECT_EQ(Stat(Path("f")).st_uid, 0u);
  ASSERT_THAT(chown(Path("link").c_str(), 3333, 4444), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("f")).st_uid, 3333u);
  EXPECT_EQ(Lstat(Path("link")).st_uid, 1111u);
}

TEST_F(ChownTest, FchownOnAnFdButNotOPath) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  ASSERT_THAT(fchown(fd.get(), 5, 6), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("f")).st_uid, 5u);
  EXPECT_EQ(Stat(Path("f")).st_gid, 6u);
  FileDescriptor path_fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  EXPECT_THAT(fchown(path_fd.get(), 7, 8), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fchown(-1, 7, 8), SyscallFailsWithErrno(EBADF));
}

TEST_F(ChownTest, FchownatRelativeAndItsFlags) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  ASSERT_THAT(fchownat(dir.get(), "f", 10, 20, 0), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("f")).st_uid, 10u);
  ASSERT_THAT(fchownat(dir.get(), "link", 30, 40, AT_SYMLINK_NOFOLLOW), SyscallSucceeds());
  EXPECT_EQ(Lstat(Path("link")).st_uid, 30u);
  EXPECT_EQ(Stat(Path("f")).st_uid, 10u);
  EXPECT_THAT(fchownat(dir.get(), "f", 1, 1, AT_REMOVEDIR), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(fchownat(dir.get(), "missing", 1, 1, 0), SyscallFailsWithErrno(ENOENT));
}

// utimensat(2).

TEST_F(UtimensatTest, SetsExplicitTimesToTheNanosecond) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  const timespec times[2] = {{kY2k, 123456789}, {kY2k + 1000, 987654321}};
  ASSERT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), times, 0), SyscallSucceeds());
  const struct stat st = Stat(Path("f"));
  EXPECT_EQ(st.st_atim.tv_sec, kY2k);
  EXPECT_EQ(st.st_atim.tv_nsec, 123456789);
  EXPECT_EQ(st.st_mtim.tv_sec, kY2k + 1000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 987654321);
  ExpectNearNow(st.st_ctim, "ctime");
}

TEST_F(UtimensatTest, TimesBeforeTheEpochAndFarAhead) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  const timespec times[2] = {{-1000, 0}, {2100000000, 0}};  // 1969 and 2036
  ASSERT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), times, 0), SyscallSucceeds());
  const struct stat st = Stat(Path("f"));
  EXPECT_EQ(st.st_atim.tv_sec, -1000);
  EXPECT_EQ(st.st_mtim.tv_sec, 2100000000);
}

TEST_F(UtimensatTest, UtimeOmitLeavesThatTimeAlone) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  const timespec set[2] = {{kY2k, 1}, {kY2k, 2}};
  ASSERT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), set, 0), SyscallSucceeds());
  const timespec omit_atime[2] = {{0, UTIME_OMIT}, {kY2k + 5, 5}};
  ASSERT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), omit_atime, 0), SyscallSucceeds());
  struct stat st = Stat(Path("f"));
  EXPECT_EQ(TimespecToNs(st.st_atim), TimespecToNs({kY2k, 1}));
  EXPECT_EQ(TimespecToNs(st.st_mtim), TimespecToNs({kY2k + 5, 5}));
  const timespec omit_mtime[2] = {{kY2k + 7, 7}, {12345, UTIME_OMIT}};
  ASSERT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), omit_mtime, 0), SyscallSucceeds());
  st = Stat(Path("f"));
  EXPECT_EQ(TimespecToNs(st.st_atim), TimespecToNs({kY2k + 7, 7}));
  EXPECT_EQ(TimespecToNs(st.st_mtim), TimespecToNs({kY2k + 5, 5}));
}

TEST_F(UtimensatTest, BothOmittedChangesNothingNotEvenCtime) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  const struct stat before = Stat(Path("f"));
  WaitForTimestampTick();
  const timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
  ASSERT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), omit, 0), SyscallSucceeds());
  const struct stat after = Stat(Path("f"));
  EXPECT_EQ(TimespecToNs(after.st_ctim), TimespecToNs(before.st_ctim));
  EXPECT_EQ(TimespecToNs(after.st_mtim), TimespecToNs(before.st_mtim));
}

TEST_F(UtimensatTest, UtimeNowAndNullTimesSetNow) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  const timespec old[2] = {{kY2k, 0}, {kY2k, 0}};
  ASSERT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), old, 0), SyscallSucceeds());
  const timespec now_mtime[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
  ASSERT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), now_mtime, 0), SyscallSucceeds());
  struct stat st = Stat(Path("f"));
  EXPECT_EQ(st.st_atim.tv_sec, kY2k);
  ExpectNearNow(st.st_mtim, "UTIME_NOW mtime");
  ASSERT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), old, 0), SyscallSucceeds());
  ASSERT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), nullptr, 0), SyscallSucceeds());
  st = Stat(Path("f"));
  ExpectNearNow(st.st_atim, "NULL atime");
  ExpectNearNow(st.st_mtim, "NULL mtime");
}

TEST_F(UtimensatTest, NofollowChangesTheSymlinkItself) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  const struct stat target_before = Stat(Path("f"));
  const timespec times[2] = {{kY2k, 0}, {kY2k + 1, 0}};
  ASSERT_THAT(utimensat(AT_FDCWD, Path("link").c_str(), times, AT_SYMLINK_NOFOLLOW),
              SyscallSucceeds());
  EXPECT_EQ(Lstat(Path("link")).st_mtim.tv_sec, kY2k + 1);
  EXPECT_EQ(TimespecToNs(Stat(Path("f")).st_mtim), TimespecToNs(target_before.st_mtim));
  ASSERT_THAT(utimensat(AT_FDCWD, Path("link").c_str(), times, 0), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("f")).st_mtim.tv_sec, kY2k + 1);
}

TEST_F(UtimensatTest, NullPathActsOnTheFd) {
  // futimens(3) is utimensat(fd, NULL, ...), a Linux extension.
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  const timespec times[2] = {{kY2k, 0}, {kY2k + 2, 0}};
  ASSERT_THAT(RawUtimensat(fd.get(), nullptr, times, 0), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("f")).st_mtim.tv_sec, kY2k + 2);
  ASSERT_THAT(futimens(fd.get(), nullptr), SyscallSucceeds());
  ExpectNearNow(Stat(Path("f")).st_mtim, "futimens");
  EXPECT_THAT(RawUtimensat(fd.get(), nullptr, times, AT_SYMLINK_NOFOLLOW),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(RawUtimensat(-1, nullptr, times, 0), SyscallFailsWithErrno(EBADF));
}

TEST_F(UtimensatTest, EmptyPathActsOnAnOPathFd) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  const timespec times[2] = {{kY2k, 0}, {kY2k + 3, 0}};
  ASSERT_THAT(utimensat(fd.get(), "", times, AT_EMPTY_PATH), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("f")).st_mtim.tv_sec, kY2k + 3);
  EXPECT_THAT(utimensat(fd.get(), "", times, 0), SyscallFailsWithErrno(ENOENT));
}

TEST_F(UtimensatTest, BadNanosecondsOrFlagsFailWithEinval) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  const timespec too_big[2] = {{kY2k, 1000000000}, {kY2k, 0}};
  EXPECT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), too_big, 0), SyscallFailsWithErrno(EINVAL));
  const timespec negative[2] = {{kY2k, 0}, {kY2k, -1}};
  EXPECT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), negative, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), nullptr, AT_REMOVEDIR),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(utimensat(AT_FDCWD, Path("missing").c_str(), nullptr, 0),
              SyscallFailsWithErrno(ENOENT));
}

// utimes(2), futimesat(2), utime(2).

TEST_F(UtimesTest, SetsMicroseconds) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  // The utimes system call itself: libc's utimes(3) uses utimensat.
  const timeval tv[2] = {{kY2k, 1}, {kY2k + 10, 999999}};
  ASSERT_THAT(syscall(SYS_utimes, Path("f").c_str(), tv), SyscallSucceeds());
  const struct stat st = Stat(Path("f"));
  EXPECT_EQ(TimespecToNs(st.st_atim), TimespecToNs({kY2k, 1000}));
  EXPECT_EQ(TimespecToNs(st.st_mtim), TimespecToNs({kY2k + 10, 999999000}));
  ASSERT_THAT(syscall(SYS_utimes, Path("f").c_str(), nullptr), SyscallSucceeds());
  ExpectNearNow(Stat(Path("f")).st_mtim, "utimes(NULL)");
}

TEST_F(UtimesTest, BadMicrosecondsFailWithEinval) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  const timeval tv[2] = {{kY2k, 1000000}, {kY2k, 0}};
  EXPECT_THAT(syscall(SYS_utimes, Path("f").c_str(), tv), SyscallFailsWithErrno(EINVAL));
  const timeval neg[2] = {{kY2k, 0}, {kY2k, -1}};
  EXPECT_THAT(syscall(SYS_utimes, Path("f").c_str(), neg), SyscallFailsWithErrno(EINVAL));
}

TEST_F(UtimesTest, FutimesatRelativeToADirectoryFd) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  const timeval tv[2] = {{kY2k, 0}, {kY2k + 20, 0}};
  ASSERT_THAT(syscall(SYS_futimesat, dir.get(), "f", tv), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("f")).st_mtim.tv_sec, kY2k + 20);
  EXPECT_THAT(syscall(SYS_futimesat, -1, "f", tv), SyscallFailsWithErrno(EBADF));
}

TEST_F(UtimesTest, UtimeSetsWholeSeconds) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  const struct utimbuf times = {kY2k + 30, kY2k + 40};
  ASSERT_THAT(syscall(SYS_utime, Path("f").c_str(), &times), SyscallSucceeds());
  const struct stat st = Stat(Path("f"));
  EXPECT_EQ(TimespecToNs(st.st_atim), TimespecToNs({kY2k + 30, 0}));
  EXPECT_EQ(TimespecToNs(st.st_mtim), TimespecToNs({kY2k + 40, 0}));
  ASSERT_THAT(syscall(SYS_utime, Path("f").c_str(), nullptr), SyscallSucceeds());
  ExpectNearNow(Stat(Path("f")).st_mtim, "utime(NULL)");
}

// truncate(2), ftruncate(2).

TEST_F(TruncateTest, GrowingReadsAsZeros) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc", 0644));
  ASSERT_THAT(truncate(Path("f").c_str(), 10000), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("f")).st_size, 10000);
  const std::string contents = ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f")));
  ASSERT_EQ(contents.size(), 10000u);
  EXPECT_EQ(contents.substr(0, 3), "abc");
  EXPECT_EQ(contents.find_first_not_of('\0', 3), std::string::npos);
}

TEST_F(TruncateTest, ShrinkingDropsTheTailForGood) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abcdefgh", 0644));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR));
  ASSERT_THAT(ftruncate(fd.get(), 3), SyscallSucceeds());
  EXPECT_EQ(Fstat(fd.get()).st_size, 3);
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "abc");
  // Growing again brings zeros back, not the old bytes.
  ASSERT_THAT(ftruncate(fd.get(), 8), SyscallSucceeds());
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), std::string("abc\0\0\0\0\0", 8));
  ASSERT_THAT(ftruncate(fd.get(), 0), SyscallSucceeds());
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "");
}

TEST_F(TruncateTest, FtruncateKeepsTheOffset) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abcdefgh", 0644));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR));
  ASSERT_THAT(lseek(fd.get(), 6, SEEK_SET), SyscallSucceedsWithValue(6));
  ASSERT_THAT(ftruncate(fd.get(), 2), SyscallSucceeds());
  EXPECT_THAT(lseek(fd.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(6));
  ASSERT_THAT(write(fd.get(), "Z", 1), SyscallSucceedsWithValue(1));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), std::string("ab\0\0\0\0Z", 7));
}

TEST_F(TruncateTest, UpdatesMtimeAndCtime) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc", 0644));
  const timespec old[2] = {{kY2k, 0}, {kY2k, 0}};
  ASSERT_THAT(utimensat(AT_FDCWD, Path("f").c_str(), old, 0), SyscallSucceeds());
  const struct stat before = Stat(Path("f"));
  WaitForTimestampTick();
  ASSERT_THAT(truncate(Path("f").c_str(), 1), SyscallSucceeds());
  const struct stat after = Stat(Path("f"));
  ExpectNearNow(after.st_mtim, "mtime");
  EXPECT_GT(TimespecToNs(after.st_ctim), TimespecToNs(before.st_ctim));
}

TEST_F(TruncateTest, NegativeLengthFailsWithEinval) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc", 0644));
  EXPECT_THAT(truncate(Path("f").c_str(), -1), SyscallFailsWithErrno(EINVAL));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR));
  EXPECT_THAT(ftruncate(fd.get(), -1), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(Stat(Path("f")).st_size, 3);
}

TEST_F(TruncateTest, DirectoryFailsWithEisdirOrEinval) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  EXPECT_THAT(truncate(Path("d").c_str(), 0), SyscallFailsWithErrno(EISDIR));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_RDONLY | O_DIRECTORY));
  EXPECT_THAT(ftruncate(fd.get(), 0), SyscallFailsWithErrno(EINVAL));
}

TEST_F(TruncateTest, FtruncateNeedsAWritableFd) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc", 0644));
  FileDescriptor ro = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  EXPECT_THAT(ftruncate(ro.get(), 0), SyscallFailsWithErrno(EINVAL));
  FileDescriptor path_fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  EXPECT_THAT(ftruncate(path_fd.get(), 0), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(ftruncate(-1, 0), SyscallFailsWithErrno(EBADF));
  // O_APPEND doesn't stop it.
  FileDescriptor append = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY | O_APPEND));
  EXPECT_THAT(ftruncate(append.get(), 1), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("f")).st_size, 1);
}

TEST_F(TruncateTest, PathErrorsAndSymlinks) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abcdef", 0644));
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  EXPECT_THAT(truncate(Path("missing").c_str(), 0), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(truncate(Path("f/x").c_str(), 0), SyscallFailsWithErrno(ENOTDIR));
  ASSERT_THAT(truncate(Path("link").c_str(), 2), SyscallSucceeds());
  EXPECT_EQ(Stat(Path("f")).st_size, 2);
}

// fallocate(2).

TEST_F(FallocateTest, ModeZeroExtendsTheFileWithZeros) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc", 0644));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR));
  ASSERT_THAT(fallocate(fd.get(), 0, 0, 8192), SyscallSucceeds());
  EXPECT_EQ(Fstat(fd.get()).st_size, 8192);
  const std::string contents = ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f")));
  ASSERT_EQ(contents.size(), 8192u);
  EXPECT_EQ(contents.substr(0, 3), "abc");
  EXPECT_EQ(contents.find_first_not_of('\0', 3), std::string::npos);
  // Inside the file nothing changes.
  ASSERT_THAT(fallocate(fd.get(), 0, 0, 2), SyscallSucceeds());
  EXPECT_EQ(Fstat(fd.get()).st_size, 8192);
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))).substr(0, 3), "abc");
  // The offset isn't moved.
  EXPECT_THAT(lseek(fd.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(0));
}

TEST_F(FallocateTest, KeepSizeLeavesTheSize) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc", 0644));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY));
  ASSERT_THAT(fallocate(fd.get(), FALLOC_FL_KEEP_SIZE, 0, 65536), SyscallSucceeds());
  EXPECT_EQ(Fstat(fd.get()).st_size, 3);
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "abc");
}

TEST_F(FallocateTest, PunchHoleZeroesARangeAndKeepsTheSize) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), std::string(3 * 4096, 'x'), 0644));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR));
  ASSERT_THAT(fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096 - 10, 4096 + 20),
              SyscallSucceeds());
  EXPECT_EQ(Fstat(fd.get()).st_size, 3 * 4096);
  const std::string contents = ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f")));
  ASSERT_EQ(contents.size(), 3u * 4096);
  EXPECT_EQ(contents.substr(0, 4096 - 10), std::string(4096 - 10, 'x'));
  EXPECT_EQ(contents.substr(4096 - 10, 4096 + 20), std::string(4096 + 20, '\0'));
  EXPECT_EQ(contents.substr(2 * 4096 + 10), std::string(4096 - 10, 'x'));
}

TEST_F(FallocateTest, PunchHoleWithoutKeepSizeFailsWithEopnotsupp) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc", 0644));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR));
  EXPECT_THAT(fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE, 0, 1), SyscallFailsWithErrno(EOPNOTSUPP));
  EXPECT_THAT(fallocate(fd.get(), 0x4000, 0, 1), SyscallFailsWithErrno(EOPNOTSUPP));
}

TEST_F(FallocateTest, BadRangesFailWithEinval) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc", 0644));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR));
  EXPECT_THAT(fallocate(fd.get(), 0, -1, 10), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(fallocate(fd.get(), 0, 0, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(fallocate(fd.get(), 0, 0, -5), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(Fstat(fd.get()).st_size, 3);
}

TEST_F(FallocateTest, NeedsAWritableFd) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc", 0644));
  FileDescriptor ro = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  EXPECT_THAT(fallocate(ro.get(), 0, 0, 4096), SyscallFailsWithErrno(EBADF));
  FileDescriptor path_fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  EXPECT_THAT(fallocate(path_fd.get(), 0, 0, 4096), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fallocate(-1, 0, 0, 4096), SyscallFailsWithErrno(EBADF));
  EXPECT_EQ(Stat(Path("f")).st_size, 3);
}

// access(2), faccessat(2), faccessat2(2) as root.

TEST_F(AccessTest, RootMayReadAndWriteAnythingButExecuteNeedsAnXBit) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  ASSERT_THAT(chmod(Path("f").c_str(), 0), SyscallSucceeds());
  EXPECT_THAT(access(Path("f").c_str(), F_OK), SyscallSucceeds());
  EXPECT_THAT(access(Path("f").c_str(), R_OK | W_OK), SyscallSucceeds());
  EXPECT_THAT(access(Path("f").c_str(), X_OK), SyscallFailsWithErrno(EACCES));
  ASSERT_THAT(chmod(Path("f").c_str(), 0001), SyscallSucceeds());
  EXPECT_THAT(access(Path("f").c_str(), R_OK | W_OK | X_OK), SyscallSucceeds());
  // Any directory may be searched.
  ASSERT_THAT(mkdir(Path("d").c_str(), 0), SyscallSucceeds());
  EXPECT_THAT(access(Path("d").c_str(), R_OK | W_OK | X_OK), SyscallSucceeds());
}

TEST_F(AccessTest, Errors) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  EXPECT_THAT(access(Path("missing").c_str(), F_OK), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(access(Path("f/x").c_str(), F_OK), SyscallFailsWithErrno(ENOTDIR));
  EXPECT_THAT(access(Path("f").c_str(), 8), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(access(Path("f").c_str(), -1), SyscallFailsWithErrno(EINVAL));
}

TEST_F(AccessTest, FollowsSymlinksUnlessAskedNotTo) {
  ASSERT_THAT(symlink("nowhere", Path("dangling").c_str()), SyscallSucceeds());
  EXPECT_THAT(access(Path("dangling").c_str(), F_OK), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(Faccessat2(AT_FDCWD, Path("dangling").c_str(), F_OK, AT_SYMLINK_NOFOLLOW),
              SyscallSucceeds());
}

TEST_F(AccessTest, FaccessatRelativeToADirectoryFd) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  EXPECT_THAT(syscall(SYS_faccessat, dir.get(), "f", R_OK), SyscallSucceeds());
  EXPECT_THAT(syscall(SYS_faccessat, dir.get(), "f", X_OK), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(syscall(SYS_faccessat, dir.get(), "g", F_OK), SyscallFailsWithErrno(ENOENT));
}

// statfs(2), fstatfs(2).

TEST_F(StatfsTest, PathAndFdGiveTheSameAnswers) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "x", 0644));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  struct statfs by_path, by_fd, by_dir;
  ASSERT_THAT(statfs(Path("f").c_str(), &by_path), SyscallSucceeds());
  ASSERT_THAT(fstatfs(fd.get(), &by_fd), SyscallSucceeds());
  ASSERT_THAT(statfs(dir_.c_str(), &by_dir), SyscallSucceeds());
  for (const struct statfs* other : {&by_fd, &by_dir}) {
    EXPECT_EQ(by_path.f_type, other->f_type);
    EXPECT_EQ(by_path.f_bsize, other->f_bsize);
    EXPECT_EQ(by_path.f_frsize, other->f_frsize);
    EXPECT_EQ(by_path.f_blocks, other->f_blocks);
    EXPECT_EQ(by_path.f_namelen, other->f_namelen);
    EXPECT_EQ(by_path.f_flags, other->f_flags);
    EXPECT_EQ(memcmp(&by_path.f_fsid, &other->f_fsid, sizeof(by_path.f_fsid)), 0);
  }
}

TEST_F(StatfsTest, FieldsAreSane) {
  struct statfs st;
  ASSERT_THAT(statfs(dir_.c_str(), &st), SyscallSucceeds());
  EXPECT_EQ(st.f_namelen, NAME_MAX);
  EXPECT_GT(st.f_bsize, 0);
  EXPECT_GT(st.f_frsize, 0);
  EXPECT_LE(st.f_bavail, st.f_bfree);
  EXPECT_LE(st.f_bfree, st.f_blocks);
  EXPECT_EQ(st.f_flags & ST_RDONLY, 0u);  // the scratch directory is writable
}

TEST_F(StatfsTest, FstatfsWorksOnAnOPathFd) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_PATH));
  struct statfs a, b;
  ASSERT_THAT(fstatfs(fd.get(), &a), SyscallSucceeds());
  ASSERT_THAT(statfs(dir_.c_str(), &b), SyscallSucceeds());
  EXPECT_EQ(a.f_type, b.f_type);
  EXPECT_EQ(a.f_namelen, b.f_namelen);
}

TEST_F(StatfsTest, Errors) {
  struct statfs st;
  EXPECT_THAT(statfs(Path("missing").c_str(), &st), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(fstatfs(-1, &st), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(syscall(SYS_statfs, dir_.c_str(), nullptr), SyscallFailsWithErrno(EFAULT));
}

// The stat family and statx(2) agree.

void ExpectStatxMatches(const struct statx& stx, const struct stat& st, const std::string& what) {
  EXPECT_EQ(stx.stx_mask & STATX_BASIC_STATS, static_cast<unsigned>(STATX_BASIC_STATS)) << what;
  EXPECT_EQ(stx.stx_mode, st.st_mode) << what;
  EXPECT_EQ(stx.stx_nlink, st.st_nlink) << what;
  EXPECT_EQ(stx.stx_uid, st.st_uid) << what;
  EXPECT_EQ(stx.stx_gid, st.st_gid) << what;
  EXPECT_EQ(stx.stx_ino, st.st_ino) << what;
  EXPECT_EQ(static_cast<off_t>(stx.stx_size), st.st_size) << what;
  EXPECT_EQ(static_cast<blkcnt_t>(stx.stx_blocks), st.st_blocks) << what;
  EXPECT_EQ(makedev(stx.stx_dev_major, stx.stx_dev_minor), st.st_dev) << what;
  EXPECT_EQ(stx.stx_mtime.tv_sec, st.st_mtim.tv_sec) << what;
  EXPECT_EQ(stx.stx_mtime.tv_nsec, static_cast<uint32_t>(st.st_mtim.tv_nsec)) << what;
  EXPECT_EQ(stx.stx_ctime.tv_sec, st.st_ctim.tv_sec) << what;
  EXPECT_EQ(stx.stx_blksize, static_cast<uint32_t>(st.st_blksize)) << what;
}

void ExpectSameStat(const struct stat& a, const struct stat& b, const std::string& what) {
  EXPECT_EQ(a.st_dev, b.st_dev) << what;
  EXPECT_EQ(a.st_ino, b.st_ino) << what;
  EXPECT_EQ(a.st_mode, b.st_mode) << what;
  EXPECT_EQ(a.st_nlink, b.st_nlink) << what;
  EXPECT_EQ(a.st_uid, b.st_uid) << what;
  EXPECT_EQ(a.st_gid, b.st_gid) << what;
  EXPECT_EQ(a.st_size, b.st_size) << what;
  EXPECT_EQ(a.st_blocks, b.st_blocks) << what;
  EXPECT_EQ(TimespecToNs(a.st_mtim), TimespecToNs(b.st_mtim)) << what;
  EXPECT_EQ(TimespecToNs(a.st_ctim), TimespecToNs(b.st_ctim)) << what;
}

TEST_F(StatTest, AllFormsAgreeOnAFile) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "twelve bytes", 0640));
  ASSERT_THAT(chown(Path("f").c_str(), 123, 456), SyscallSucceeds());
  const struct stat st = Stat(Path("f"));
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_size, 12);
  EXPECT_EQ(st.st_nlink, 1u);
  EXPECT_EQ(st.st_uid, 123u);
  EXPECT_EQ(st.st_gid, 456u);
  EXPECT_GT(st.st_blksize, 0);
  ExpectSameStat(st, Lstat(Path("f")), "lstat");
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  ExpectSameStat(st, Fstat(fd.get()), "fstat");
  // libc routes stat/lstat/fstat through newfstatat; older programs make the
  // original system calls.
  struct stat raw;
  ASSERT_THAT(syscall(SYS_stat, Path("f").c_str(), &raw), SyscallSucceeds());
  ExpectSameStat(st, raw, "SYS_stat");
  ASSERT_THAT(syscall(SYS_lstat, Path("f").c_str(), &raw), SyscallSucceeds());
  ExpectSameStat(st, raw, "SYS_lstat");
  ASSERT_THAT(syscall(SYS_fstat, fd.get(), &raw), SyscallSucceeds());
  ExpectSameStat(st, raw, "SYS_fstat");
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  struct stat at;
  ASSERT_THAT(fstatat(dir.get(), "f", &at, 0), SyscallSucceeds());
  ExpectSameStat(st, at, "fstatat");
  struct statx stx;
  memset(&stx, 0xa5, sizeof(stx));
  ASSERT_THAT(statx(dir.get(), "f", 0, STATX_BASIC_STATS, &stx), SyscallSucceeds());
  ExpectStatxMatches(stx, st, "statx");
  ASSERT_THAT(statx(fd.get(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx), SyscallSucceeds());
  ExpectStatxMatches(stx, st, "statx(AT_EMPTY_PATH)");
}

TEST_F(StatTest, AllFormsAgreeOnADirectory) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0751), SyscallSucceeds());
  ASSERT_THAT(mkdir(Path("d/sub").c_str(), 0755), SyscallSucceeds());
  const struct stat st = Stat(Path("d"));
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0751u);
  EXPECT_EQ(st.st_nlink, 3u);
  ExpectSameStat(st, Lstat(Path("d")), "lstat");
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_RDONLY | O_DIRECTORY));
  ExpectSameStat(st, Fstat(fd.get()), "fstat");
  struct statx stx;
  ASSERT_THAT(statx(AT_FDCWD, Path("d").c_str(), 0, STATX_BASIC_STATS, &stx), SyscallSucceeds());
  ExpectStatxMatches(stx, st, "statx");
}

TEST_F(StatTest, AllFormsAgreeOnASymlink) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc", 0644));
  ASSERT_THAT(symlink("f", Path("link").c_str()), SyscallSucceeds());
  const struct stat st = Lstat(Path("link"));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_size, 1);
  struct stat raw;
  ASSERT_THAT(syscall(SYS_lstat, Path("link").c_str(), &raw), SyscallSucceeds());
  ExpectSameStat(st, raw, "SYS_lstat");
  ASSERT_THAT(syscall(SYS_stat, Path("link").c_str(), &raw), SyscallSucceeds());
  ExpectSameStat(Stat(Path("f")), raw, "SYS_stat following");
  struct stat at;
  ASSERT_THAT(fstatat(AT_FDCWD, Path("link").c_str(), &at, AT_SYMLINK_NOFOLLOW), SyscallSucceeds());
  ExpectSameStat(st, at, "fstatat(AT_SYMLINK_NOFOLLOW)");
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("link"), O_PATH | O_NOFOLLOW));
  ExpectSameStat(st, Fstat(fd.get()), "fstat(O_PATH|O_NOFOLLOW)");
  struct statx stx;
  ASSERT_THAT(statx(AT_FDCWD, Path("link").c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx),
              SyscallSucceeds());
  ExpectStatxMatches(stx, st, "statx(AT_SYMLINK_NOFOLLOW)");
  ASSERT_THAT(statx(AT_FDCWD, Path("link").c_str(), 0, STATX_BASIC_STATS, &stx), SyscallSucceeds());
  ExpectStatxMatches(stx, Stat(Path("f")), "statx following");
}

TEST_F(StatTest, SizeAndTimesTrackWrites) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR | O_CREAT, 0644));
  EXPECT_EQ(Fstat(fd.get()).st_size, 0);
  EXPECT_EQ(Fstat(fd.get()).st_blocks, 0);
  const timespec old[2] = {{kY2k, 0}, {kY2k, 0}};
  ASSERT_THAT(futimens(fd.get(), old), SyscallSucceeds());
  const struct stat before = Fstat(fd.get());
  WaitForTimestampTick();
  ASSERT_THAT(pwrite(fd.get(), "x", 1, 99999), SyscallSucceedsWithValue(1));
  const struct stat after = Stat(Path("f"));
  EXPECT_EQ(after.st_size, 100000);
  EXPECT_EQ(after.st_atim.tv_sec, kY2k);
  ExpectNearNow(after.st_mtim, "mtime after write");
  EXPECT_GT(TimespecToNs(after.st_ctim), TimespecToNs(before.st_ctim));
}

TEST_F(StatTest, StatxWithAnEmptyMaskStillSucceeds) {
  ASSERT_NO_ERRNO(WriteFile(Path("f"), "abc", 0644));
  struct statx stx;
  memset(&stx, 0, sizeof(stx));
  ASSERT_THAT(statx(AT_FDCWD, Path("f").c_str(), 0, 0, &stx), SyscallSucceeds());
  // The type is always filled in.
  EXPECT_TRUE(S_ISREG(stx.stx_mode));
}

// Permission checks for an unprivileged effective uid (nobody:nogroup).

TEST_F(UnprivilegedTest, OpenOfAnotherUsersPrivateFileFailsWithEacces) {
  MakeFile("secret", 0600);
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  EXPECT_THAT(open(Path("secret").c_str(), O_RDONLY), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(open(Path("secret").c_str(), O_WRONLY), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(open(Path("secret").c_str(), O_RDWR | O_CREAT, 0644), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(truncate(Path("secret").c_str(), 0), SyscallFailsWithErrno(EACCES));
  // O_PATH needs no permission on the file itself.
  const int fd = open(Path("secret").c_str(), O_PATH);
  EXPECT_THAT(fd, SyscallSucceeds());
  if (fd >= 0) close(fd);
  struct stat st;
  EXPECT_THAT(stat(Path("secret").c_str(), &st), SyscallSucceeds());
}

TEST_F(UnprivilegedTest, OtherPermissionBitsApplyToOthers) {
  MakeFile("readable", 0604);
  MakeFile("writable", 0602);
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  FileDescriptor r = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("readable"), O_RDONLY));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadAll(r.get())), "data");
  EXPECT_THAT(open(Path("readable").c_str(), O_WRONLY), SyscallFailsWithErrno(EACCES));
  FileDescriptor w = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("writable"), O_WRONLY));
  EXPECT_THAT(open(Path("writable").c_str(), O_RDONLY), SyscallFailsWithErrno(EACCES));
}

TEST_F(UnprivilegedTest, OwnerBitsApplyToTheOwnerEvenIfOthersMayMore) {
  MakeFile("mine", 0406, kNobodyUid, kNogroupGid);
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  EXPECT_THAT(open(Path("mine").c_str(), O_WRONLY), SyscallFailsWithErrno(EACCES));
  FileDescriptor r = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("mine"), O_RDONLY));
  // The owner may give itself access.
  ASSERT_THAT(chmod(Path("mine").c_str(), 0600), SyscallSucceeds());
  FileDescriptor w = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("mine"), O_WRONLY));
}

TEST_F(UnprivilegedTest, DirectoryWithoutSearchPermission) {
  // Readable but not searchable: names can be listed, not reached.
  ASSERT_THAT(mkdir(Path("d").c_str(), 0755), SyscallSucceeds());
  MakeFile("d/f", 0644);
  ASSERT_THAT(chmod(Path("d").c_str(), 0744), SyscallSucceeds());
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  struct stat st;
  EXPECT_THAT(stat(Path("d/f").c_str(), &st), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(open(Path("d/f").c_str(), O_RDONLY), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(open(Path("d/f").c_str(), O_PATH), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(chdir(Path("d").c_str()), SyscallFailsWithErrno(EACCES));
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("d"), O_RDONLY | O_DIRECTORY));
  char buf[4096];
  EXPECT_THAT(syscall(SYS_getdents64, dir.get(), buf, sizeof(buf)), SyscallSucceeds());
  EXPECT_THAT(fstatat(dir.get(), "f", &st, 0), SyscallFailsWithErrno(EACCES));
}

TEST_F(UnprivilegedTest, DirectoryWithoutAnyPermission) {
  ASSERT_THAT(mkdir(Path("d").c_str(), 0700), SyscallSucceeds());
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  EXPECT_THAT(open(Path("d").c_str(), O_RDONLY | O_DIRECTORY), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(open(Path("d/new").c_str(), O_WRONLY | O_CREAT, 0644), SyscallFailsWithErrno(EACCES));
  // Even a missing name below is EACCES, not ENOENT: the lookup itself is denied.
  struct stat st;
  EXPECT_THAT(stat(Path("d/missing").c_str(), &st), SyscallFailsWithErrno(EACCES));
}

TEST_F(UnprivilegedTest, CreatingAndRemovingNeedWriteAccessToTheDirectory) {
  MakeFile("f", 0666);
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  // dir_ is 0755 root: searchable, not writable.
  EXPECT_THAT(open(Path("new").c_str(), O_WRONLY | O_CREAT, 0644), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(mkdir(Path("newdir").c_str(), 0755), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(unlink(Path("f").c_str()), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(rename(Path("f").c_str(), Path("g").c_str()), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(symlink("f", Path("link").c_str()), SyscallFailsWithErrno(EACCES));
  // Writing the file itself is allowed by its own mode.
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY | O_TRUNC));
}

TEST_F(UnprivilegedTest, NewFilesBelongToTheEffectiveIds) {
  ASSERT_THAT(mkdir(Path("open").c_str(), 0777), SyscallSucceeds());
  ASSERT_THAT(chmod(Path("open").c_str(), 0777), SyscallSucceeds());
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  FileDescriptor fd =
      ASSERT_NO_ERRNO_AND_VALUE(Open(Path("open/f"), O_WRONLY | O_CREAT | O_EXCL, 0644));
  ASSERT_THAT(mkdir(Path("open/d").c_str(), 0755), SyscallSucceeds());
  back.Run();
  EXPECT_EQ(Stat(Path("open/f")).st_uid, kNobodyUid);
  EXPECT_EQ(Stat(Path("open/f")).st_gid, kNogroupGid);
  EXPECT_EQ(Stat(Path("open/d")).st_uid, kNobodyUid);
  EXPECT_EQ(Stat(Path("open/d")).st_gid, kNogroupGid);
}

TEST_F(UnprivilegedTest, StickyDirectoryProtectsOthersFiles) {
  ASSERT_THAT(mkdir(Path("sticky").c_str(), 0777), SyscallSucceeds());
  ASSERT_THAT(chmod(Path("sticky").c_str(), 01777), SyscallSucceeds());
  MakeFile("sticky/roots", 0666);
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  EXPECT_THAT(unlink(Path("sticky/roots").c_str()), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(rename(Path("sticky/roots").c_str(), Path("sticky/x").c_str()),
              SyscallFailsWithErrno(EPERM));
  // But one's own files may go.
  FileDescriptor fd =
      ASSERT_NO_ERRNO_AND_VALUE(Open(Path("sticky/mine"), O_WRONLY | O_CREAT | O_EXCL, 0644));
  EXPECT_THAT(rename(Path("sticky/mine").c_str(), Path("sticky/mine2").c_str()), SyscallSucceeds());
  EXPECT_THAT(unlink(Path("sticky/mine2").c_str()), SyscallSucceeds());
}

TEST_F(UnprivilegedTest, OnlyTheOwnerMayChmodAndNobodyMayGiveAway) {
  MakeFile("roots", 0666);
  MakeFile("mine", 0644, kNobodyUid, kNogroupGid);
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  EXPECT_THAT(chmod(Path("roots").c_str(), 0600), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(chown(Path("roots").c_str(), kNobodyUid, -1), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(chmod(Path("mine").c_str(), 0600), SyscallSucceeds());
  EXPECT_THAT(chown(Path("mine").c_str(), 0, -1), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(chown(Path("mine").c_str(), -1, 0), SyscallFailsWithErrno(EPERM));
  // Changing to what it already is, or to one's own group, is allowed.
  EXPECT_THAT(chown(Path("mine").c_str(), kNobodyUid, kNogroupGid), SyscallSucceeds());
  EXPECT_THAT(chown(Path("mine").c_str(), -1, -1), SyscallSucceeds());
  back.Run();
  EXPECT_EQ(ModeOf(Path("roots")), 0666u);
  EXPECT_EQ(Stat(Path("roots")).st_uid, 0u);
}

TEST_F(UnprivilegedTest, ChmodDropsSetgidForAGroupTheCallerIsNotIn) {
  MakeFile("mine", 0644, kNobodyUid, 0);
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  ASSERT_THAT(chmod(Path("mine").c_str(), 02755), SyscallSucceeds());
  EXPECT_EQ(ModeOf(Path("mine")), 0755u);
  ASSERT_THAT(chmod(Path("mine").c_str(), 04755), SyscallSucceeds());
  EXPECT_EQ(ModeOf(Path("mine")), 04755u);
}

TEST_F(UnprivilegedTest, WritingClearsSetuid) {
  MakeFile("suid", 04777);
  {
    Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
    FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("suid"), O_WRONLY));
    ASSERT_THAT(write(fd.get(), "x", 1), SyscallSucceedsWithValue(1));
  }
  EXPECT_EQ(ModeOf(Path("suid")), 0777u);
  // Root (CAP_FSETID) writes without clearing it.
  ASSERT_THAT(chmod(Path("suid").c_str(), 04777), SyscallSucceeds());
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("suid"), O_WRONLY));
  ASSERT_THAT(write(fd.get(), "y", 1), SyscallSucceedsWithValue(1));
  EXPECT_EQ(ModeOf(Path("suid")), 04777u);
}

TEST_F(UnprivilegedTest, UtimensatNeedsOwnershipForExplicitTimes) {
  MakeFile("writable", 0666);
  MakeFile("readonly", 0644);
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  const timespec times[2] = {{kY2k, 0}, {kY2k, 0}};
  EXPECT_THAT(utimensat(AT_FDCWD, Path("writable").c_str(), times, 0),
              SyscallFailsWithErrno(EPERM));
  // "Now" needs only write access.
  EXPECT_THAT(utimensat(AT_FDCWD, Path("writable").c_str(), nullptr, 0), SyscallSucceeds());
  EXPECT_THAT(utimensat(AT_FDCWD, Path("readonly").c_str(), nullptr, 0),
              SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(utimensat(AT_FDCWD, Path("readonly").c_str(), times, 0),
              SyscallFailsWithErrno(EPERM));
}

TEST_F(UnprivilegedTest, AccessChecksTheRealUidAndAtEaccessTheEffective) {
  MakeFile("secret", 0600);
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  // The real uid is still 0.
  EXPECT_THAT(access(Path("secret").c_str(), R_OK | W_OK), SyscallSucceeds());
  EXPECT_THAT(Faccessat2(AT_FDCWD, Path("secret").c_str(), R_OK, 0), SyscallSucceeds());
  EXPECT_THAT(Faccessat2(AT_FDCWD, Path("secret").c_str(), R_OK, AT_EACCESS),
              SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(Faccessat2(AT_FDCWD, Path("secret").c_str(), W_OK, AT_EACCESS),
              SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(Faccessat2(AT_FDCWD, Path("secret").c_str(), F_OK, AT_EACCESS), SyscallSucceeds());
}

TEST_F(UnprivilegedTest, AtEaccessAgainstEachPermissionClass) {
  MakeFile("mine", 0400, kNobodyUid, 0);
  MakeFile("others", 0604);
  MakeFile("exec", 0701);
  Cleanup back = ASSERT_NO_ERRNO_AND_VALUE(ScopedEffectiveIds());
  EXPECT_THAT(Faccessat2(AT_FDCWD, Path("mine").c_str(), R_OK, AT_EACCESS), SyscallSucceeds());
  EXPECT_THAT(Faccessat2(AT_FDCWD, Path("mine").c_str(), W_OK, AT_EACCESS),
              SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(Faccessat2(AT_FDCWD, Path("others").c_str(), R_OK, AT_EACCESS), SyscallSucceeds());
  EXPECT_THAT(Faccessat2(AT_FDCWD, Path("others").c_str(), R_OK | W_OK, AT_EACCESS),
              SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(Faccessat2(AT_FDCWD, Path("exec").c_str(), X_OK, AT_EACCESS), SyscallSucceeds());
  EXPECT_THAT(Faccessat2(AT_FDCWD, Path("exec").c_str(), R_OK, AT_EACCESS),
              SyscallFailsWithErrno(EACCES));
}

TEST_F(UnprivilegedTest, RootIgnoresPermissionBits) {
  MakeFile("locked", 0000, kNobodyUid, kNogroupGid);
  ASSERT_THAT(mkdir(Path("ro").c_str(), 0555), SyscallSucceeds());
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("locked"), O_RDWR));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadAll(fd.get())), "data");
  FileDescriptor created =
      ASSERT_NO_ERRNO_AND_VALUE(Open(Path("ro/new"), O_WRONLY | O_CREAT | O_EXCL, 0644));
  ASSERT_THAT(chmod(Path("locked").c_str(), 0644), SyscallSucceeds());  // not the owner
}

}  // namespace
}  // namespace kekkai::syscall_test

// The descriptor table: dup(2), dup2(2), dup3(2), fcntl(2) (F_DUPFD,
// F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL), close(2), the FIOCLEX /
// FIONCLEX / FIONBIO ioctls and RLIMIT_NOFILE — on the standard streams,
// /dev/null and a read-only host file.
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

#include "tests/syscalls/util/cleanup.h"
#include "tests/syscalls/util/file_descriptor.h"
#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {
namespace {

using ::testing::Ge;

constexpr char kFile[] = "/etc/os-release";
// The kernel's O_LARGEFILE, which open(2) adds on x86-64 (libc defines
// O_LARGEFILE as 0 for 64-bit programs).
constexpr int kOLargefile = 0100000;

// Returns the lowest fd number not in use.
int LowestFreeFd() {
  const int fd = fcntl(STDERR_FILENO, F_DUPFD, 0);
  if (fd >= 0) close(fd);
  return fd;
}

// Returns whether `fd` is open.
bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1; }

// Returns whether two fds share one open file description (and so its offset).
bool SameDescription(int a, int b) {
  const off_t saved = lseek(a, 0, SEEK_CUR);
  if (lseek(a, 3, SEEK_SET) != 3) return false;
  const bool same = lseek(b, 0, SEEK_CUR) == 3;
  lseek(a, saved, SEEK_SET);
  return same;
}

TEST(StdioTest, StdoutAndStderrAreOpen) {
  EXPECT_THAT(fcntl(STDOUT_FILENO, F_GETFD), SyscallSucceeds());
  EXPECT_THAT(fcntl(STDERR_FILENO, F_GETFD), SyscallSucceeds());
  EXPECT_THAT(fcntl(STDOUT_FILENO, F_GETFL), SyscallSucceedsWithValue(::testing::Truly([](int fl) {
                return (fl & O_ACCMODE) != O_RDONLY;
              })));
}

// dup(2).

TEST(DupTest, ReturnsTheLowestFreeFd) {
  const int lowest = LowestFreeFd();
  ASSERT_THAT(lowest, SyscallSucceeds());
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Dup(STDERR_FILENO));
  EXPECT_EQ(fd.get(), lowest);
}

TEST(DupTest, FillsAHoleFirst) {
  FileDescriptor a = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  FileDescriptor b = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  FileDescriptor c = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  const int hole = b.get();
  b.reset();
  FileDescriptor d = ASSERT_NO_ERRNO_AND_VALUE(Dup(c.get()));
  EXPECT_EQ(d.get(), hole);
}

TEST(DupTest, SharesTheOpenFileDescription) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  FileDescriptor dup_fd = ASSERT_NO_ERRNO_AND_VALUE(Dup(fd.get()));
  EXPECT_TRUE(SameDescription(fd.get(), dup_fd.get()));
  // Status flags are shared too.
  ASSERT_THAT(fcntl(fd.get(), F_SETFL, O_NONBLOCK), SyscallSucceeds());
  EXPECT_THAT(fcntl(dup_fd.get(), F_GETFL),
              SyscallSucceedsWithValue(::testing::Truly([](int fl) { return fl & O_NONBLOCK; })));
}

TEST(DupTest, DoesNotCopyCloexec) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_THAT(fcntl(fd.get(), F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
  FileDescriptor dup_fd = ASSERT_NO_ERRNO_AND_VALUE(Dup(fd.get()));
  EXPECT_THAT(fcntl(dup_fd.get(), F_GETFD), SyscallSucceedsWithValue(0));
}

TEST(DupTest, BadFdFailsWithEbadf) {
  EXPECT_THAT(dup(-1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(dup(INT_MAX), SyscallFailsWithErrno(EBADF));
  const int closed = LowestFreeFd();
  EXPECT_THAT(dup(closed), SyscallFailsWithErrno(EBADF));
}

TEST(DupTest, OPathFdCanBeDuplicated) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_PATH));
  FileDescriptor dup_fd = ASSERT_NO_ERRNO_AND_VALUE(Dup(fd.get()));
  EXPECT_THAT(fcntl(dup_fd.get(), F_GETFL),
              SyscallSucceedsWithValue(::testing::Truly([](int fl) { return fl & O_PATH; })));
}

// dup2(2) and dup3(2).

TEST(Dup2Test, OntoAFreeNumber) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  const int target = LowestFreeFd() + 10;
  ASSERT_FALSE(IsOpen(target));
  ASSERT_THAT(dup2(fd.get(), target), SyscallSucceedsWithValue(target));
  FileDescriptor owned(target);
  EXPECT_TRUE(SameDescription(fd.get(), target));
}

TEST(Dup2Test, ReplacesAnOpenTarget) {
  FileDescriptor file = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  FileDescriptor null_fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  ASSERT_THAT(dup2(file.get(), null_fd.get()), SyscallSucceedsWithValue(null_fd.get()));
  // null_fd now names the host file.
  struct stat a, b;
  ASSERT_THAT(fstat(file.get(), &a), SyscallSucceeds());
  ASSERT_THAT(fstat(null_fd.get(), &b), SyscallSucceeds());
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_TRUE(S_ISREG(b.st_mode));
}

TEST(Dup2Test, ClearsCloexecOnTheNewFd) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY | O_CLOEXEC));
  FileDescriptor target = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_THAT(dup2(fd.get(), target.get()), SyscallSucceeds());
  EXPECT_THAT(fcntl(target.get(), F_GETFD), SyscallSucceedsWithValue(0));
}

TEST(Dup2Test, SameFdReturnsItUnchanged) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY | O_CLOEXEC));
  EXPECT_THAT(dup2(fd.get(), fd.get()), SyscallSucceedsWithValue(fd.get()));
  // Nothing happened: not even FD_CLOEXEC was cleared.
  EXPECT_THAT(fcntl(fd.get(), F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
}

TEST(Dup2Test, SameBadFdFailsWithEbadf) {
  const int closed = LowestFreeFd();
  EXPECT_THAT(dup2(closed, closed), SyscallFailsWithErrno(EBADF));
}

TEST(Dup2Test, BadOldFdFailsWithEbadfAndLeavesTheTarget) {
  FileDescriptor target = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  EXPECT_THAT(dup2(-1, target.get()), SyscallFailsWithErrno(EBADF));
  EXPECT_TRUE(IsOpen(target.get()));
}

TEST(Dup2Test, NegativeOrTooLargeTargetFailsWithEbadf) {
  EXPECT_THAT(dup2(STDERR_FILENO, -1), SyscallFailsWithErrno(EBADF));
  struct rlimit l;
  ASSERT_THAT(getrlimit(RLIMIT_NOFILE, &l), SyscallSucceeds());
  ASSERT_LT(l.rlim_cur, static_cast<rlim_t>(INT_MAX));
  EXPECT_THAT(dup2(STDERR_FILENO, static_cast<int>(l.rlim_cur)), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(dup2(STDERR_FILENO, INT_MAX), SyscallFailsWithErrno(EBADF));
}

TEST(Dup3Test, CloexecFlagSetsFdCloexec) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  const int target = LowestFreeFd() + 5;
  ASSERT_THAT(dup3(fd.get(), target, O_CLOEXEC), SyscallSucceedsWithValue(target));
  FileDescriptor owned(target);
  EXPECT_THAT(fcntl(target, F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
  ASSERT_THAT(dup3(fd.get(), target, 0), SyscallSucceedsWithValue(target));
  EXPECT_THAT(fcntl(target, F_GETFD), SyscallSucceedsWithValue(0));
}

TEST(Dup3Test, SameFdFailsWithEinval) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  EXPECT_THAT(dup3(fd.get(), fd.get(), 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(dup3(fd.get(), fd.get(), O_CLOEXEC), SyscallFailsWithErrno(EINVAL));
}

TEST(Dup3Test, FlagsOtherThanCloexecFailWithEinval) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  const int target = LowestFreeFd() + 5;
  EXPECT_THAT(dup3(fd.get(), target, O_NONBLOCK), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(dup3(fd.get(), target, O_CLOEXEC | 1), SyscallFailsWithErrno(EINVAL));
  EXPECT_FALSE(IsOpen(target));
}

TEST(Dup3Test, BadOldFdFailsWithEbadf) {
  const int target = LowestFreeFd() + 5;
  EXPECT_THAT(dup3(-1, target, 0), SyscallFailsWithErrno(EBADF));
}

// fcntl(2).

TEST(FcntlTest, DupfdReturnsTheLowestFreeAtOrAboveTheArgument) {
  const int base = LowestFreeFd() + 20;
  const int fd = fcntl(STDERR_FILENO, F_DUPFD, base);
  ASSERT_THAT(fd, SyscallSucceedsWithValue(base));
  FileDescriptor a(fd);
  const int fd2 = fcntl(STDERR_FILENO, F_DUPFD, base);
  ASSERT_THAT(fd2, SyscallSucceedsWithValue(base + 1));
  FileDescriptor b(fd2);
  EXPECT_THAT(fcntl(fd, F_GETFD), SyscallSucceedsWithValue(0));
}

TEST(FcntlTest, DupfdCloexecSetsFdCloexec) {
  const int fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
  ASSERT_THAT(fd, SyscallSucceedsWithValue(Ge(3)));
  FileDescriptor owned(fd);
  EXPECT_THAT(fcntl(fd, F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
}

TEST(FcntlTest, DupfdWithABadMinimumFailsWithEinval) {
  EXPECT_THAT(fcntl(STDERR_FILENO, F_DUPFD, -1), SyscallFailsWithErrno(EINVAL));
  struct rlimit l;
  ASSERT_THAT(getrlimit(RLIMIT_NOFILE, &l), SyscallSucceeds());
  ASSERT_LT(l.rlim_cur, static_cast<rlim_t>(INT_MAX));
  EXPECT_THAT(fcntl(STDERR_FILENO, F_DUPFD, static_cast<int>(l.rlim_cur)),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, INT_MAX), SyscallFailsWithErrno(EINVAL));
}

TEST(FcntlTest, SetfdKeepsOnlyCloexec) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  ASSERT_THAT(fcntl(fd.get(), F_SETFD, FD_CLOEXEC), SyscallSucceeds());
  EXPECT_THAT(fcntl(fd.get(), F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
  ASSERT_THAT(fcntl(fd.get(), F_SETFD, 0xfe), SyscallSucceeds());
  EXPECT_THAT(fcntl(fd.get(), F_GETFD), SyscallSucceedsWithValue(0));
  ASSERT_THAT(fcntl(fd.get(), F_SETFD, ~0), SyscallSucceeds());
  EXPECT_THAT(fcntl(fd.get(), F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
}

TEST(FcntlTest, GetflReportsTheAccessModeAndLargefile) {
  FileDescriptor ro = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  EXPECT_THAT(fcntl(ro.get(), F_GETFL), SyscallSucceedsWithValue(O_RDONLY | kOLargefile));
  FileDescriptor wo = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  EXPECT_THAT(fcntl(wo.get(), F_GETFL), SyscallSucceedsWithValue(O_WRONLY | kOLargefile));
  FileDescriptor rw = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDWR | O_APPEND | O_NONBLOCK));
  EXPECT_THAT(fcntl(rw.get(), F_GETFL),
              SyscallSucceedsWithValue(O_RDWR | O_APPEND | O_NONBLOCK | kOLargefile));
}

TEST(FcntlTest, GetflDoesNotReportCreationOrDescriptorFlags) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY | O_CLOEXEC | O_NOCTTY));
  EXPECT_THAT(fcntl(fd.get(), F_GETFL), SyscallSucceedsWithValue(O_RDONLY | kOLargefile));
}

TEST(FcntlTest, SetflChangesAppendAndNonblockOnly) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  ASSERT_THAT(fcntl(fd.get(), F_SETFL, O_APPEND | O_NONBLOCK), SyscallSucceeds());
  EXPECT_THAT(fcntl(fd.get(), F_GETFL),
              SyscallSucceedsWithValue(O_WRONLY | O_APPEND | O_NONBLOCK | kOLargefile));
  // The access mode and creation flags can't be changed this way.
  ASSERT_THAT(fcntl(fd.get(), F_SETFL, O_RDWR | O_CREAT | O_TRUNC), SyscallSucceeds());
  EXPECT_THAT(fcntl(fd.get(), F_GETFL), SyscallSucceedsWithValue(O_WRONLY | kOLargefile));
}

TEST(FcntlTest, BadFdFailsWithEbadf) {
  EXPECT_THAT(fcntl(-1, F_GETFD), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fcntl(-1, F_GETFL), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fcntl(-1, F_SETFD, 0), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fcntl(-1, F_SETFL, 0), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fcntl(-1, F_DUPFD, 0), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fcntl(LowestFreeFd(), F_GETFD), SyscallFailsWithErrno(EBADF));
}

TEST(FcntlTest, UnknownCommandFailsWithEinval) {
  EXPECT_THAT(syscall(SYS_fcntl, STDERR_FILENO, 12345, 0), SyscallFailsWithErrno(EINVAL));
}

TEST(FcntlTest, OPathFdAllowsGetfdAndGetfl) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_PATH));
  EXPECT_THAT(fcntl(fd.get(), F_GETFD), SyscallSucceedsWithValue(0));
  // O_PATH keeps none of the other open flags, not even O_LARGEFILE.
  EXPECT_THAT(fcntl(fd.get(), F_GETFL), SyscallSucceedsWithValue(O_PATH));
}

// ioctl(2) on the descriptor.

TEST(IoctlTest, FioclexAndFionclexToggleCloexec) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  ASSERT_THAT(ioctl(fd.get(), FIOCLEX), SyscallSucceeds());
  EXPECT_THAT(fcntl(fd.get(), F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
  ASSERT_THAT(ioctl(fd.get(), FIONCLEX), SyscallSucceeds());
  EXPECT_THAT(fcntl(fd.get(), F_GETFD), SyscallSucceedsWithValue(0));
}

TEST(IoctlTest, FionbioTogglesNonblock) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  int on = 1;
  ASSERT_THAT(ioctl(fd.get(), FIONBIO, &on), SyscallSucceeds());
  EXPECT_THAT(fcntl(fd.get(), F_GETFL),
              SyscallSucceedsWithValue(O_RDONLY | O_NONBLOCK | kOLargefile));
  int off = 0;
  ASSERT_THAT(ioctl(fd.get(), FIONBIO, &off), SyscallSucceeds());
  EXPECT_THAT(fcntl(fd.get(), F_GETFL), SyscallSucceedsWithValue(O_RDONLY | kOLargefile));
}

TEST(IoctlTest, BadFdFailsWithEbadf) {
  EXPECT_THAT(ioctl(-1, FIOCLEX), SyscallFailsWithErrno(EBADF));
}

TEST(IoctlTest, TerminalRequestOnAFileFailsWithEnotty) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  struct winsize ws;
  EXPECT_THAT(ioctl(fd.get(), TIOCGWINSZ, &ws), SyscallFailsWithErrno(ENOTTY));
  FileDescriptor null_fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  EXPECT_THAT(ioctl(null_fd.get(), TIOCGWINSZ, &ws), SyscallFailsWithErrno(ENOTTY));
}

// close(2).

TEST(CloseTest, ClosingTwiceFailsWithEbadf) {
  const int fd = open("/dev/null", O_RDONLY);
  ASSERT_THAT(fd, SyscallSucceeds());
  EXPECT_THAT(close(fd), SyscallSucceeds());
  EXPECT_THAT(close(fd), SyscallFailsWithErrno(EBADF));
}

TEST(CloseTest, BadFdFailsWithEbadf) {
  EXPECT_THAT(close(-1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(close(INT_MAX), SyscallFailsWithErrno(EBADF));
}

TEST(CloseTest, ClosingOneDuplicateLeavesTheOther) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  const int dup_fd = dup(fd.get());
  ASSERT_THAT(dup_fd, SyscallSucceeds());
  ASSERT_THAT(close(dup_fd), SyscallSucceeds());
  char c;
  EXPECT_THAT(read(fd.get(), &c, 1), SyscallSucceedsWithValue(1));
}

TEST(CloseTest, ClosedNumberIsReused) {
  const int fd = open("/dev/null", O_RDONLY);
  ASSERT_THAT(fd, SyscallSucceeds());
  ASSERT_THAT(close(fd), SyscallSucceeds());
  FileDescriptor again = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  EXPECT_EQ(again.get(), fd);
}

// RLIMIT_NOFILE bounds the descriptor numbers.

TEST(NofileTest, NoFreeNumberBelowTheLimitFailsWithEmfile) {
  struct rlimit saved;
  ASSERT_THAT(getrlimit(RLIMIT_NOFILE, &saved), SyscallSucceeds());
  const int lowest = LowestFreeFd();
  ASSERT_GT(lowest, STDERR_FILENO);  // at least stderr is in use
  // Allow exactly the fds in use now, so none is free.
  struct rlimit tight = {static_cast<rlim_t>(lowest), saved.rlim_max};
  ASSERT_THAT(setrlimit(RLIMIT_NOFILE, &tight), SyscallSucceeds());
  Cleanup restore([saved] { setrlimit(RLIMIT_NOFILE, &saved); });
  const int dup_result = dup(STDERR_FILENO);
  const int dup_errno = errno;
  const int open_result = open("/dev/null", O_RDONLY);
  const int open_errno = errno;
  // The fd comes first: a missing file is EMFILE too, as Linux.
  const int missing_result = open("/nonexistent/kekkai", O_RDONLY);
  const int missing_errno = errno;
  const int dupfd_result = fcntl(STDERR_FILENO, F_DUPFD, 0);
  const int dupfd_errno = errno;
  restore.Run();
  for (int fd : {dup_result, open_result, dupfd_result, missing_result}) {
    if (fd >= 0) close(fd);
  }
  EXPECT_EQ(dup_result, -1);
  EXPECT_EQ(dup_errno, EMFILE);
  EXPECT_EQ(open_result, -1);
  EXPECT_EQ(open_errno, EMFILE);
  EXPECT_EQ(missing_result, -1);
  EXPECT_EQ(missing_errno, EMFILE);
  EXPECT_EQ(dupfd_result, -1);
  EXPECT_EQ(dupfd_errno, EMFILE);
}

TEST(NofileTest, Dup2AtOrAboveTheLimitFailsWithEbadf) {
  struct rlimit saved;
  ASSERT_THAT(getrlimit(RLIMIT_NOFILE, &saved), SyscallSucceeds());
  const int limit = LowestFreeFd() + 4;
  struct rlimit tight = {static_cast<rlim_t>(limit), saved.rlim_max};
  ASSERT_THAT(setrlimit(RLIMIT_NOFILE, &tight), SyscallSucceeds());
  Cleanup restore([saved] { setrlimit(RLIMIT_NOFILE, &saved); });
  const int below = dup2(STDERR_FILENO, limit - 1);
  const int at = dup2(STDERR_FILENO, limit);
  const int at_errno = errno;
  restore.Run();
  if (below >= 0) close(below);
  if (at >= 0) close(at);
  EXPECT_EQ(below, limit - 1);
  EXPECT_EQ(at, -1);
  EXPECT_EQ(at_errno, EBADF);
}

}  // namespace
}  // namespace kekkai::syscall_test

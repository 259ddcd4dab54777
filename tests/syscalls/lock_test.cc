// Advisory locks: flock(2), and fcntl(2)'s POSIX record locks (F_GETLK, F_SETLK,
// F_SETLKW) and open-file-description locks (F_OFD_GETLK, F_OFD_SETLK,
// F_OFD_SETLKW). Conflicts are shown between descriptions of one file opened
// twice in this process (there is one process; deadlock detection between
// processes comes with fork). Blocking waits are interrupted by an ITIMER_REAL
// SIGALRM. Files live under a fresh /tmp/kekkai_fs_test_XXXXXX.
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "tests/syscalls/util/cleanup.h"
#include "tests/syscalls/util/file_descriptor.h"
#include "tests/syscalls/util/scoped_signal.h"
#include "tests/syscalls/util/scratch_dir.h"
#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {
namespace {

// Returns a struct flock for [start, start + len) from `whence`.
struct flock Flock(short type, off_t start, off_t len, short whence = SEEK_SET) {
  struct flock fl;
  memset(&fl, 0, sizeof(fl));
  fl.l_type = type;
  fl.l_whence = whence;
  fl.l_start = start;
  fl.l_len = len;
  return fl;
}

// Returns what F_OFD_GETLK (or `cmd`) reports for a `type` lock of [start,
// start + len) through `fd`.
struct flock Probe(int fd, short type, off_t start, off_t len, int cmd = F_OFD_GETLK) {
  struct flock fl = Flock(type, start, len);
  EXPECT_THAT(fcntl(fd, cmd, &fl), SyscallSucceeds());
  return fl;
}

// A scratch file "f" of 100 bytes, opened twice read-write (two descriptions).
class LockTest : public ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_ERRNO(WriteFile(Path("f"), std::string(100, 'x')));
    a_ = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR));
    b_ = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR));
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    ScratchDirTest::TearDown();
  }

  FileDescriptor a_, b_;
};

using FlockTest = LockTest;
using PosixLockTest = LockTest;
using OfdLockTest = LockTest;
using LockWaitTest = LockTest;

// ---- flock(2). ----

TEST_F(FlockTest, ExclusiveConflictsBetweenDescriptions) {
  ASSERT_THAT(flock(a_.get(), LOCK_EX | LOCK_NB), SyscallSucceeds());
  EXPECT_THAT(flock(b_.get(), LOCK_EX | LOCK_NB), SyscallFailsWithErrno(EWOULDBLOCK));
  EXPECT_THAT(flock(b_.get(), LOCK_SH | LOCK_NB), SyscallFailsWithErrno(EWOULDBLOCK));
  ASSERT_THAT(flock(a_.get(), LOCK_UN), SyscallSucceeds());
  EXPECT_THAT(flock(b_.get(), LOCK_EX | LOCK_NB), SyscallSucceeds());
}

TEST_F(FlockTest, SharedLocksCoexistAndConvert) {
  ASSERT_THAT(flock(a_.get(), LOCK_SH | LOCK_NB), SyscallSucceeds());
  ASSERT_THAT(flock(b_.get(), LOCK_SH | LOCK_NB), SyscallSucceeds());
  // Taking the same lock again is a no-op.
  EXPECT_THAT(flock(b_.get(), LOCK_SH | LOCK_NB), SyscallSucceeds());
  ASSERT_THAT(flock(b_.get(), LOCK_UN), SyscallSucceeds());
  // Alone now: a converts to exclusive, then back to shared, which b may share.
  ASSERT_THAT(flock(a_.get(), LOCK_EX | LOCK_NB), SyscallSucceeds());
  EXPECT_THAT(flock(b_.get(), LOCK_SH | LOCK_NB), SyscallFailsWithErrno(EWOULDBLOCK));
  ASSERT_THAT(flock(a_.get(), LOCK_SH | LOCK_NB), SyscallSucceeds());
  EXPECT_THAT(flock(b_.get(), LOCK_SH | LOCK_NB), SyscallSucceeds());
  EXPECT_THAT(flock(a_.get(), LOCK_EX | LOCK_NB), SyscallFailsWithErrno(EWOULDBLOCK));
}

TEST_F(FlockTest, DupSharesTheLockAndTheLastCloseReleasesIt) {
  ASSERT_THAT(flock(a_.get(), LOCK_EX | LOCK_NB), SyscallSucceeds());
  FileDescriptor dup_a(dup(a_.get()));
  ASSERT_TRUE(dup_a.valid());
  // The same description holds it already.
  EXPECT_THAT(flock(dup_a.get(), LOCK_EX | LOCK_NB), SyscallSucceeds());
  a_.reset();
  EXPECT_THAT(flock(b_.get(), LOCK_EX | LOCK_NB), SyscallFailsWithErrno(EWOULDBLOCK));
  dup_a.reset();
  EXPECT_THAT(flock(b_.get(), LOCK_EX | LOCK_NB), SyscallSucceeds());
}

TEST_F(FlockTest, IndependentOfRecordLocks) {
  ASSERT_THAT(flock(a_.get(), LOCK_EX | LOCK_NB), SyscallSucceeds());
  struct flock fl = Flock(F_WRLCK, 0, 0);
  EXPECT_THAT(fcntl(b_.get(), F_OFD_SETLK, &fl), SyscallSucceeds());
  EXPECT_THAT(flock(b_.get(), LOCK_SH | LOCK_NB), SyscallFailsWithErrno(EWOULDBLOCK));
}

TEST_F(FlockTest, Errors) {
  EXPECT_THAT(flock(-1, LOCK_SH), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(flock(1000000, LOCK_SH), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(flock(a_.get(), 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(flock(a_.get(), LOCK_SH | LOCK_EX), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(flock(a_.get(), LOCK_NB), SyscallFailsWithErrno(EINVAL));
  FileDescriptor path = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  EXPECT_THAT(flock(path.get(), LOCK_SH), SyscallFailsWithErrno(EBADF));
  // Read-only and write-only descriptions both take either kind.
  FileDescriptor ro = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  EXPECT_THAT(flock(ro.get(), LOCK_EX | LOCK_NB), SyscallSucceeds());
}

// ---- POSIX record locks: the process owns them. ----

TEST_F(PosixLockTest, OneProcessNeverConflictsWithItself) {
  struct flock fl = Flock(F_WRLCK, 0, 10);
  ASSERT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
  EXPECT_THAT(fcntl(b_.get(), F_SETLK, &fl), SyscallSucceeds());
  // F_GETLK sees no conflict with the caller's own locks.
  EXPECT_EQ(Probe(b_.get(), F_WRLCK, 0, 10, F_GETLK).l_type, F_UNLCK);
  // An OFD probe (another owner) sees the process's lock, with its pid.
  struct flock got = Probe(b_.get(), F_RDLCK, 5, 1);
  EXPECT_EQ(got.l_type, F_WRLCK);
  EXPECT_EQ(got.l_whence, SEEK_SET);
  EXPECT_EQ(got.l_start, 0);
  EXPECT_EQ(got.l_len, 10);
  EXPECT_EQ(got.l_pid, getpid());
}

TEST_F(PosixLockTest, ClosingAnyFdOfTheFileReleases) {
  struct flock fl = Flock(F_WRLCK, 0, 0);
  ASSERT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
  EXPECT_EQ(Probe(b_.get(), F_RDLCK, 0, 1).l_type, F_WRLCK);
  // Another fd of the same file, never used for locking, closes.
  FileDescriptor other = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  other.reset();
  EXPECT_EQ(Probe(b_.get(), F_RDLCK, 0, 1).l_type, F_UNLCK);
}

TEST_F(PosixLockTest, ClosingAnotherFileKeepsTheLock) {
  struct flock fl = Flock(F_WRLCK, 0, 0);
  ASSERT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
  ASSERT_NO_ERRNO(WriteFile(Path("g"), "g"));
  FileDescriptor other = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("g"), O_RDONLY));
  other.reset();
  EXPECT_EQ(Probe(b_.get(), F_RDLCK, 0, 1).l_type, F_WRLCK);
}

TEST_F(PosixLockTest, RangesSplitAndMerge) {
  struct flock fl = Flock(F_WRLCK, 0, 100);
  ASSERT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
  fl = Flock(F_UNLCK, 40, 20);
  ASSERT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
  // Two pieces: [0, 40) and [60, 100).
  struct flock got = Probe(b_.get(), F_RDLCK, 0, 50);
  EXPECT_EQ(got.l_start, 0);
  EXPECT_EQ(got.l_len, 40);
  EXPECT_EQ(Probe(b_.get(), F_WRLCK, 40, 20).l_type, F_UNLCK);
  got = Probe(b_.get(), F_RDLCK, 50, 50);
  EXPECT_EQ(got.l_type, F_WRLCK);
  EXPECT_EQ(got.l_start, 60);
  EXPECT_EQ(got.l_len, 40);
  // Filling the hole merges everything back into one lock.
  fl = Flock(F_WRLCK, 40, 20);
  ASSERT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
  got = Probe(b_.get(), F_RDLCK, 99, 1);
  EXPECT_EQ(got.l_start, 0);
  EXPECT_EQ(got.l_len, 100);
  // A read lock in the middle splits it by type: readers may share that part.
  fl = Flock(F_RDLCK, 20, 10);
  ASSERT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
  EXPECT_EQ(Probe(b_.get(), F_RDLCK, 20, 10).l_type, F_UNLCK);
  got = Probe(b_.get(), F_WRLCK, 25, 1);
  EXPECT_EQ(got.l_type, F_RDLCK);
  EXPECT_EQ(got.l_start, 20);
  EXPECT_EQ(got.l_len, 10);
  got = Probe(b_.get(), F_RDLCK, 30, 5);
  EXPECT_EQ(got.l_type, F_WRLCK);
  EXPECT_EQ(got.l_start, 30);
  EXPECT_EQ(got.l_len, 70);
}

TEST_F(PosixLockTest, WhenceAndLengths) {
  // l_len 0: to the end of the file, wherever it is (F_GETLK says 0 too).
  struct flock fl = Flock(F_WRLCK, 10, 0);
  ASSERT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
  struct flock got = Probe(b_.get(), F_RDLCK, 1000000, 1);
  EXPECT_EQ(got.l_start, 10);
  EXPECT_EQ(got.l_len, 0);
  fl = Flock(F_UNLCK, 0, 0);
  ASSERT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
  // A negative length locks the bytes before l_start.
  fl = Flock(F_WRLCK, 10, -5);
  ASSERT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
  got = Probe(b_.get(), F_RDLCK, 0, 100);
  EXPECT_EQ(got.l_start, 5);
  EXPECT_EQ(got.l_len, 5);
  // SEEK_CUR counts from the offset, SEEK_END from the size (100).
  ASSERT_THAT(lseek(a_.get(), 30, SEEK_SET), SyscallSucceedsWithValue(30));
  fl = Flock(F_WRLCK, 2, 3, SEEK_CUR);
  ASSERT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
  got = Probe(b_.get(), F_RDLCK, 20, 20);
  EXPECT_EQ(got.l_start, 32);
  EXPECT_EQ(got.l_len, 3);
  fl = Flock(F_WRLCK, -10, 4, SEEK_END);
  ASSERT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
  got = Probe(b_.get(), F_RDLCK, 50, 50);
  EXPECT_EQ(got.l_start, 90);
  EXPECT_EQ(got.l_len, 4);
}

TEST_F(PosixLockTest, Errors) {
  struct flock fl = Flock(F_WRLCK, 0, 1);
  EXPECT_THAT(fcntl(-1, F_SETLK, &fl), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fcntl(a_.get(), F_SETLK, nullptr), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(fcntl(a_.get(), F_GETLK, reinterpret_cast<void*>(1)), SyscallFailsWithErrno(EFAULT));
  fl = Flock(F_WRLCK, 0, 1, /*whence=*/7);
  EXPECT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallFailsWithErrno(EINVAL));
  fl = Flock(/*type=*/9, 0, 1);
  EXPECT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(fcntl(a_.get(), F_GETLK, &fl), SyscallFailsWithErrno(EINVAL));
  fl = Flock(F_UNLCK, 0, 1);
  EXPECT_THAT(fcntl(a_.get(), F_GETLK, &fl), SyscallFailsWithErrno(EINVAL));
  // Before offset 0.
  fl = Flock(F_WRLCK, -1, 1);
  EXPECT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallFailsWithErrno(EINVAL));
  fl = Flock(F_WRLCK, 2, -5);
  EXPECT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallFailsWithErrno(EINVAL));
  // Past the largest offset.
  fl = Flock(F_WRLCK, LLONG_MAX, 2);
  EXPECT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallFailsWithErrno(EOVERFLOW));
  fl = Flock(F_WRLCK, LLONG_MAX, 1, SEEK_END);
  EXPECT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallFailsWithErrno(EOVERFLOW));
  // The lock kind must match the access mode.
  FileDescriptor ro = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  FileDescriptor wo = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY));
  fl = Flock(F_WRLCK, 0, 1);
  EXPECT_THAT(fcntl(ro.get(), F_SETLK, &fl), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fcntl(ro.get(), F_OFD_SETLK, &fl), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fcntl(ro.get(), F_GETLK, &fl), SyscallSucceeds());  // Testing is fine.
  fl = Flock(F_RDLCK, 0, 1);
  EXPECT_THAT(fcntl(wo.get(), F_SETLK, &fl), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fcntl(ro.get(), F_SETLK, &fl), SyscallSucceeds());
  fl = Flock(F_UNLCK, 0, 1);
  EXPECT_THAT(fcntl(wo.get(), F_SETLK, &fl), SyscallSucceeds());
  FileDescriptor path = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  EXPECT_THAT(fcntl(path.get(), F_GETLK, &fl), SyscallFailsWithErrno(EBADF));
}

// ---- OFD locks: the open file description owns them. ----

TEST_F(OfdLockTest, ConflictBetweenOpensAndReportPidMinusOne) {
  struct flock fl = Flock(F_WRLCK, 0, 10);
  ASSERT_THAT(fcntl(a_.get(), F_OFD_SETLK, &fl), SyscallSucceeds());
  EXPECT_THAT(fcntl(b_.get(), F_OFD_SETLK, &fl), SyscallFailsWithErrno(EAGAIN));
  fl = Flock(F_RDLCK, 9, 5);
  EXPECT_THAT(fcntl(b_.get(), F_OFD_SETLK, &fl), SyscallFailsWithErrno(EAGAIN));
  fl = Flock(F_RDLCK, 10, 5);
  EXPECT_THAT(fcntl(b_.get(), F_OFD_SETLK, &fl), SyscallSucceeds());
  struct flock got = Probe(b_.get(), F_RDLCK, 0, 5);
  EXPECT_EQ(got.l_type, F_WRLCK);
  EXPECT_EQ(got.l_start, 0);
  EXPECT_EQ(got.l_len, 10);
  EXPECT_EQ(got.l_pid, -1);
  // A dup is the same description: no conflict.
  FileDescriptor dup_a(dup(a_.get()));
  fl = Flock(F_WRLCK, 0, 10);
  EXPECT_THAT(fcntl(dup_a.get(), F_OFD_SETLK, &fl), SyscallSucceeds());
}

TEST_F(OfdLockTest, ConflictWithPosixLocksBothWays) {
  struct flock fl = Flock(F_WRLCK, 0, 10);
  ASSERT_THAT(fcntl(a_.get(), F_OFD_SETLK, &fl), SyscallSucceeds());
  EXPECT_THAT(fcntl(b_.get(), F_SETLK, &fl), SyscallFailsWithErrno(EAGAIN));
  struct flock got = Probe(b_.get(), F_RDLCK, 0, 1, F_GETLK);
  EXPECT_EQ(got.l_type, F_WRLCK);
  EXPECT_EQ(got.l_pid, -1);
  fl = Flock(F_UNLCK, 0, 10);
  ASSERT_THAT(fcntl(a_.get(), F_OFD_SETLK, &fl), SyscallSucceeds());

  fl = Flock(F_RDLCK, 50, 10);
  ASSERT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
  fl = Flock(F_WRLCK, 55, 1);
  EXPECT_THAT(fcntl(b_.get(), F_OFD_SETLK, &fl), SyscallFailsWithErrno(EAGAIN));
  fl = Flock(F_RDLCK, 55, 1);
  EXPECT_THAT(fcntl(b_.get(), F_OFD_SETLK, &fl), SyscallSucceeds());
  got = Probe(b_.get(), F_WRLCK, 50, 2);
  EXPECT_EQ(got.l_type, F_RDLCK);
  EXPECT_EQ(got.l_pid, getpid());
}

TEST_F(OfdLockTest, ReleasedWhenTheLastReferenceCloses) {
  struct flock fl = Flock(F_WRLCK, 0, 0);
  ASSERT_THAT(fcntl(a_.get(), F_OFD_SETLK, &fl), SyscallSucceeds());
  FileDescriptor dup_a(dup(a_.get()));
  // Unlike a POSIX lock, closing another fd of the file doesn't drop it.
  FileDescriptor other = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  other.reset();
  a_.reset();
  EXPECT_THAT(fcntl(b_.get(), F_OFD_SETLK, &fl), SyscallFailsWithErrno(EAGAIN));
  dup_a.reset();
  EXPECT_THAT(fcntl(b_.get(), F_OFD_SETLK, &fl), SyscallSucceeds());
}

TEST_F(OfdLockTest, PidMustBeZero) {
  struct flock fl = Flock(F_WRLCK, 0, 1);
  fl.l_pid = getpid();
  EXPECT_THAT(fcntl(a_.get(), F_OFD_SETLK, &fl), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(fcntl(a_.get(), F_OFD_SETLKW, &fl), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(fcntl(a_.get(), F_OFD_GETLK, &fl), SyscallFailsWithErrno(EINVAL));
  // POSIX locks ignore l_pid.
  EXPECT_THAT(fcntl(a_.get(), F_SETLK, &fl), SyscallSucceeds());
}

// ---- Blocking waits, ended by SIGALRM. ----

volatile sig_atomic_t alarms = 0;
void OnAlarm(int) { alarms = alarms + 1; }

// Installs OnAlarm for SIGALRM without SA_RESTART (so an interrupted wait fails
// with EINTR) and arms ITIMER_REAL for 50 ms; `restore` disarms the timer and
// puts the old action back.
void ArmAlarm(Cleanup& restore) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnAlarm;
  auto action = std::make_shared<Cleanup>(ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGALRM, sa)));
  alarms = 0;
  struct itimerval it;
  memset(&it, 0, sizeof(it));
  it.it_value.tv_usec = 50000;
  ASSERT_THAT(setitimer(ITIMER_REAL, &it, nullptr), SyscallSucceeds());
  restore = Cleanup([action] {
    struct itimerval off;
    memset(&off, 0, sizeof(off));
    setitimer(ITIMER_REAL, &off, nullptr);
  });
}

TEST_F(LockWaitTest, OfdSetlkwIsInterruptedBySignal) {
  struct flock fl = Flock(F_WRLCK, 0, 10);
  ASSERT_THAT(fcntl(a_.get(), F_OFD_SETLK, &fl), SyscallSucceeds());
  Cleanup restore;
  ASSERT_NO_FATAL_FAILURE(ArmAlarm(restore));
  EXPECT_THAT(fcntl(b_.get(), F_OFD_SETLKW, &fl), SyscallFailsWithErrno(EINTR));
  EXPECT_EQ(alarms, 1);
}

TEST_F(LockWaitTest, PosixSetlkwIsInterruptedBySignal) {
  struct flock fl = Flock(F_RDLCK, 0, 0);
  ASSERT_THAT(fcntl(a_.get(), F_OFD_SETLK, &fl), SyscallSucceeds());
  Cleanup restore;
  ASSERT_NO_FATAL_FAILURE(ArmAlarm(restore));
  fl = Flock(F_WRLCK, 5, 1);
  EXPECT_THAT(fcntl(b_.get(), F_SETLKW, &fl), SyscallFailsWithErrno(EINTR));
  EXPECT_EQ(alarms, 1);
  // Nothing was taken.
  EXPECT_EQ(Probe(a_.get(), F_WRLCK, 5, 1).l_type, F_UNLCK);
}

TEST_F(LockWaitTest, FlockIsInterruptedBySignal) {
  ASSERT_THAT(flock(a_.get(), LOCK_SH), SyscallSucceeds());
  Cleanup restore;
  ASSERT_NO_FATAL_FAILURE(ArmAlarm(restore));
  EXPECT_THAT(flock(b_.get(), LOCK_EX), SyscallFailsWithErrno(EINTR));
  EXPECT_EQ(alarms, 1);
}

TEST_F(LockWaitTest, UncontendedWaitsDontBlock) {
  struct flock fl = Flock(F_WRLCK, 0, 0);
  EXPECT_THAT(fcntl(a_.get(), F_OFD_SETLKW, &fl), SyscallSucceeds());
  fl = Flock(F_UNLCK, 0, 0);
  EXPECT_THAT(fcntl(a_.get(), F_OFD_SETLKW, &fl), SyscallSucceeds());
  fl = Flock(F_WRLCK, 0, 0);
  EXPECT_THAT(fcntl(b_.get(), F_SETLKW, &fl), SyscallSucceeds());
  EXPECT_THAT(flock(a_.get(), LOCK_EX), SyscallSucceeds());
}

}  // namespace
}  // namespace kekkai::syscall_test

// Pipes and FIFOs: pipe(2), pipe2(2) and its flags, reads and writes with end of
// file, EPIPE and SIGPIPE, O_NONBLOCK, the capacity (F_GETPIPE_SZ,
// F_SETPIPE_SZ) and PIPE_BUF atomicity, FIONREAD, fstat; and FIFOs made with
// mkfifo(3) in a fresh /tmp/kekkai_fs_test_XXXXXX, opened as fifo(7) says (a
// blocking open interrupted by an ITIMER_REAL SIGALRM).
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

// Opens a pipe with pipe2(`flags`) into `r` and `w`.
void MakePipe(FileDescriptor& r, FileDescriptor& w, int flags = 0) {
  int fds[2];
  ASSERT_THAT(pipe2(fds, flags), SyscallSucceeds());
  r.reset(fds[0]);
  w.reset(fds[1]);
}

// Returns the lowest fd number not in use.
int LowestFreeFd() {
  const int fd = fcntl(STDERR_FILENO, F_DUPFD, 0);
  if (fd >= 0) close(fd);
  return fd;
}

// Writes `n` bytes of `c` to `fd` in one write(2); returns its result.
ssize_t WriteBytes(int fd, size_t n, char c = 'x') {
  std::string s(n, c);
  return write(fd, s.data(), n);
}

TEST(PipeTest, DataFlowsFromWriterToReader) {
  FileDescriptor r, w;
  ASSERT_NO_FATAL_FAILURE(MakePipe(r, w));
  ASSERT_THAT(write(w.get(), "hello", 5), SyscallSucceedsWithValue(5));
  ASSERT_THAT(write(w.get(), " world", 6), SyscallSucceedsWithValue(6));
  char buf[32] = {};
  ASSERT_THAT(read(r.get(), buf, 3), SyscallSucceedsWithValue(3));
  EXPECT_EQ(std::string(buf, 3), "hel");
  ASSERT_THAT(read(r.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(8));
  EXPECT_EQ(std::string(buf, 8), "lo world");
  // The ends are one-way.
  EXPECT_THAT(write(r.get(), "x", 1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(read(w.get(), buf, 1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fcntl(r.get(), F_GETFL), SyscallSucceedsWithValue(O_RDONLY));
  EXPECT_THAT(fcntl(w.get(), F_GETFL), SyscallSucceedsWithValue(O_WRONLY));
  EXPECT_THAT(lseek(r.get(), 0, SEEK_CUR), SyscallFailsWithErrno(ESPIPE));
  EXPECT_THAT(pread(r.get(), buf, 1, 0), SyscallFailsWithErrno(ESPIPE));
}

TEST(PipeTest, PipeSyscall) {
  int fds[2] = {-1, -1};
  ASSERT_THAT(syscall(SYS_pipe, fds), SyscallSucceeds());
  FileDescriptor r(fds[0]), w(fds[1]);
  EXPECT_THAT(fcntl(r.get(), F_GETFD), SyscallSucceedsWithValue(0));
  EXPECT_THAT(fcntl(w.get(), F_GETFL), SyscallSucceedsWithValue(O_WRONLY));
}

TEST(PipeTest, Pipe2Flags) {
  FileDescriptor r, w;
  ASSERT_NO_FATAL_FAILURE(MakePipe(r, w, O_CLOEXEC | O_NONBLOCK));
  EXPECT_THAT(fcntl(r.get(), F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
  EXPECT_THAT(fcntl(w.get(), F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
  EXPECT_THAT(fcntl(r.get(), F_GETFL), SyscallSucceedsWithValue(O_RDONLY | O_NONBLOCK));
  EXPECT_THAT(fcntl(w.get(), F_GETFL), SyscallSucceedsWithValue(O_WRONLY | O_NONBLOCK));
  int fds[2];
  EXPECT_THAT(pipe2(fds, O_APPEND), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(pipe2(fds, O_RDWR), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(pipe2(fds, 1 << 30), SyscallFailsWithErrno(EINVAL));
}

TEST(PipeTest, PacketModeKeepsWritesApart) {
  FileDescriptor r, w;
  ASSERT_NO_FATAL_FAILURE(MakePipe(r, w, O_DIRECT | O_NONBLOCK));
  // The writer makes the packets: only it keeps O_DIRECT.
  EXPECT_THAT(fcntl(r.get(), F_GETFL), SyscallSucceedsWithValue(O_RDONLY | O_NONBLOCK));
  EXPECT_THAT(fcntl(w.get(), F_GETFL), SyscallSucceedsWithValue(O_WRONLY | O_NONBLOCK | O_DIRECT));
  ASSERT_THAT(write(w.get(), "first", 5), SyscallSucceedsWithValue(5));
  ASSERT_THAT(write(w.get(), "second", 6), SyscallSucceedsWithValue(6));
  ASSERT_THAT(write(w.get(), "third", 5), SyscallSucceedsWithValue(5));
  char buf[64];
  // One packet per read, however big the buffer.
  ASSERT_THAT(read(r.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(5));
  EXPECT_EQ(std::string(buf, 5), "first");
  // A short read drops the rest of its packet.
  ASSERT_THAT(read(r.get(), buf, 3), SyscallSucceedsWithValue(3));
  EXPECT_EQ(std::string(buf, 3), "sec");
  ASSERT_THAT(read(r.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(5));
  EXPECT_EQ(std::string(buf, 5), "third");
  EXPECT_THAT(read(r.get(), buf, sizeof(buf)), SyscallFailsWithErrno(EAGAIN));
  // Writes bigger than PIPE_BUF become PIPE_BUF packets.
  ASSERT_THAT(WriteBytes(w.get(), PIPE_BUF + 10), SyscallSucceedsWithValue(PIPE_BUF + 10));
  std::string big(2 * PIPE_BUF, '\0');
  EXPECT_THAT(read(r.get(), big.data(), big.size()), SyscallSucceedsWithValue(PIPE_BUF));
  EXPECT_THAT(read(r.get(), big.data(), big.size()), SyscallSucceedsWithValue(10));
  // Without O_DIRECT on the writer (F_SETFL), writes merge again.
  ASSERT_THAT(fcntl(w.get(), F_SETFL, O_NONBLOCK), SyscallSucceeds());
  ASSERT_THAT(write(w.get(), "ab", 2), SyscallSucceedsWithValue(2));
  ASSERT_THAT(write(w.get(), "cd", 2), SyscallSucceedsWithValue(2));
  ASSERT_THAT(read(r.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(4));
  EXPECT_EQ(std::string(buf, 4), "abcd");
}

TEST(PipeTest, BadArrayIsEfaultAndLeaksNoFds) {
  const int before = LowestFreeFd();
  EXPECT_THAT(pipe2(nullptr, 0), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(syscall(SYS_pipe, reinterpret_cast<int*>(1)), SyscallFailsWithErrno(EFAULT));
  EXPECT_EQ(LowestFreeFd(), before);
}

TEST(PipeTest, EndOfFileOnceWritersAreGone) {
  FileDescriptor r, w;
  ASSERT_NO_FATAL_FAILURE(MakePipe(r, w));
  FileDescriptor w2(dup(w.get()));
  ASSERT_THAT(write(w.get(), "ab", 2), SyscallSucceedsWithValue(2));
  w.reset();
  // A writer is left (the dup): data, then still no end of file.
  char buf[8];
  ASSERT_THAT(read(r.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(2));
  ASSERT_THAT(fcntl(r.get(), F_SETFL, O_NONBLOCK), SyscallSucceeds());
  EXPECT_THAT(read(r.get(), buf, sizeof(buf)), SyscallFailsWithErrno(EAGAIN));
  w2.reset();
  EXPECT_THAT(read(r.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(0));
}

volatile sig_atomic_t sigpipes = 0;
void OnSigpipe(int) { sigpipes = sigpipes + 1; }

TEST(PipeTest, WriteWithoutReadersIsEpipeAndSigpipe) {
  FileDescriptor r, w;
  ASSERT_NO_FATAL_FAILURE(MakePipe(r, w));
  r.reset();
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSigpipe;
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGPIPE, sa));
  sigpipes = 0;
  EXPECT_THAT(write(w.get(), "x", 1), SyscallFailsWithErrno(EPIPE));
  EXPECT_EQ(sigpipes, 1);
  // Ignored, it still fails with EPIPE.
  sa.sa_handler = SIG_IGN;
  Cleanup ignore = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGPIPE, sa));
  EXPECT_THAT(write(w.get(), "x", 1), SyscallFailsWithErrno(EPIPE));
  EXPECT_EQ(sigpipes, 1);
}

TEST(PipeTest, NonblockingEmptyAndFull) {
  FileDescriptor r, w;
  ASSERT_NO_FATAL_FAILURE(MakePipe(r, w, O_NONBLOCK));
  char buf[16];
  EXPECT_THAT(read(r.get(), buf, sizeof(buf)), SyscallFailsWithErrno(EAGAIN));
  // Fill it with 1 KiB writes: 64 KiB by default.
  ASSERT_THAT(fcntl(w.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(65536));
  size_t total = 0;
  for (;;) {
    const ssize_t n = WriteBytes(w.get(), 1024);
    if (n < 0) {
      EXPECT_EQ(errno, EAGAIN);
      break;
    }
    total += static_cast<size_t>(n);
    ASSERT_LE(total, 65536u);
  }
  EXPECT_EQ(total, 65536u);
  int queued = 0;
  ASSERT_THAT(ioctl(r.get(), FIONREAD, &queued), SyscallSucceeds());
  EXPECT_EQ(queued, 65536);
  EXPECT_THAT(WriteBytes(w.get(), 1), SyscallFailsWithErrno(EAGAIN));
}

TEST(PipeTest, SmallWritesAreAtomic) {
  FileDescriptor r, w;
  ASSERT_NO_FATAL_FAILURE(MakePipe(r, w, O_NONBLOCK));
  // Leave 100 bytes of room in the last page.
  ASSERT_THAT(WriteBytes(w.get(), 65536 - 100), SyscallSucceedsWithValue(65536 - 100));
  // 200 bytes (at most PIPE_BUF) don't fit: nothing is written.
  EXPECT_THAT(WriteBytes(w.get(), 200), SyscallFailsWithErrno(EAGAIN));
  int queued = 0;
  ASSERT_THAT(ioctl(r.get(), FIONREAD, &queued), SyscallSucceeds());
  EXPECT_EQ(queued, 65536 - 100);
  EXPECT_THAT(WriteBytes(w.get(), 100), SyscallSucceedsWithValue(100));
  // Freeing a page makes room for a partial write of a big one.
  std::string buf(4096, '\0');
  ASSERT_THAT(read(r.get(), buf.data(), buf.size()), SyscallSucceedsWithValue(4096));
  EXPECT_THAT(WriteBytes(w.get(), 3 * PIPE_BUF), SyscallSucceedsWithValue(4096));
}

TEST(PipeTest, SetPipeSize) {
  FileDescriptor r, w;
  ASSERT_NO_FATAL_FAILURE(MakePipe(r, w, O_NONBLOCK));
  // Rounded up to a power of two pages.
  EXPECT_THAT(fcntl(w.get(), F_SETPIPE_SZ, 5000), SyscallSucceedsWithValue(8192));
  EXPECT_THAT(fcntl(r.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(8192));
  EXPECT_THAT(fcntl(r.get(), F_SETPIPE_SZ, 1), SyscallSucceedsWithValue(4096));
  EXPECT_THAT(WriteBytes(w.get(), 4096), SyscallSucceedsWithValue(4096));
  EXPECT_THAT(WriteBytes(w.get(), 1), SyscallFailsWithErrno(EAGAIN));
  EXPECT_THAT(fcntl(w.get(), F_SETPIPE_SZ, 65536), SyscallSucceedsWithValue(65536));
  EXPECT_THAT(WriteBytes(w.get(), 8192), SyscallSucceedsWithValue(8192));
  // Three pages are in use: two won't hold them.
  EXPECT_THAT(fcntl(w.get(), F_SETPIPE_SZ, 8192), SyscallFailsWithErrno(EBUSY));
  EXPECT_THAT(fcntl(w.get(), F_SETPIPE_SZ, 1u << 31 | 1), SyscallFailsWithErrno(EINVAL));
  // Only pipes have a size.
  FileDescriptor memfd(static_cast<int>(syscall(SYS_memfd_create, "notapipe", 0)));
  ASSERT_TRUE(memfd.valid());
  EXPECT_THAT(fcntl(memfd.get(), F_GETPIPE_SZ), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fcntl(memfd.get(), F_SETPIPE_SZ, 4096), SyscallFailsWithErrno(EBADF));
}

// /proc/self/fd/N of a pipe end opens a new description of the same pipe.
TEST(PipeTest, ReopenThroughProcSelfFd) {
  int fds[2];
  ASSERT_THAT(pipe(fds), SyscallSucceeds());
  FileDescriptor r(fds[0]), w(fds[1]);
  ASSERT_THAT(write(w.get(), "x", 1), SyscallSucceedsWithValue(1));
  FileDescriptor r2 = ASSERT_NO_ERRNO_AND_VALUE(
      Open("/proc/self/fd/" + std::to_string(r.get()), O_RDONLY | O_NONBLOCK));
  FileDescriptor w2 =
      ASSERT_NO_ERRNO_AND_VALUE(Open("/proc/self/fd/" + std::to_string(w.get()), O_WRONLY));
  char c = 0;
  ASSERT_THAT(read(r2.get(), &c, 1), SyscallSucceedsWithValue(1));
  EXPECT_EQ(c, 'x');
  EXPECT_THAT(read(r2.get(), &c, 1), SyscallFailsWithErrno(EAGAIN));
  ASSERT_THAT(write(w2.get(), "y", 1), SyscallSucceedsWithValue(1));
  ASSERT_THAT(read(r.get(), &c, 1), SyscallSucceedsWithValue(1));
  EXPECT_EQ(c, 'y');
  // A new description: its own flags, the same pipe.
  EXPECT_EQ(fcntl(r.get(), F_GETFL) & O_NONBLOCK, 0);
  struct stat a, b;
  ASSERT_THAT(fstat(r.get(), &a), SyscallSucceeds());
  ASSERT_THAT(fstat(r2.get(), &b), SyscallSucceeds());
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_dev, b.st_dev);
  EXPECT_TRUE(S_ISFIFO(b.st_mode));
  char link[64] = {};
  ASSERT_THAT(readlink(("/proc/self/fd/" + std::to_string(r2.get())).c_str(), link,
                       sizeof(link) - 1),
              SyscallSucceeds());
  EXPECT_EQ(std::string(link), "pipe:[" + std::to_string(a.st_ino) + "]");
}

TEST(PipeTest, FstatShowsAFifo) {
  FileDescriptor r, w;
  ASSERT_NO_FATAL_FAILURE(MakePipe(r, w));
  struct stat rs, ws;
  ASSERT_THAT(fstat(r.get(), &rs), SyscallSucceeds());
  ASSERT_THAT(fstat(w.get(), &ws), SyscallSucceeds());
  EXPECT_TRUE(S_ISFIFO(rs.st_mode));
  EXPECT_EQ(rs.st_mode & 0777, 0600u);
  EXPECT_EQ(rs.st_ino, ws.st_ino);
  EXPECT_EQ(rs.st_dev, ws.st_dev);
  EXPECT_EQ(rs.st_uid, geteuid());
  FileDescriptor r2, w2;
  ASSERT_NO_FATAL_FAILURE(MakePipe(r2, w2));
  struct stat other;
  ASSERT_THAT(fstat(r2.get(), &other), SyscallSucceeds());
  EXPECT_NE(other.st_ino, rs.st_ino);
  // /proc/self/fd names it by its inode.
  char link[64] = {};
  const std::string fd_path = "/proc/self/fd/" + std::to_string(r.get());
  ASSERT_THAT(readlink(fd_path.c_str(), link, sizeof(link) - 1), SyscallSucceeds());
  EXPECT_EQ(std::string(link), "pipe:[" + std::to_string(rs.st_ino) + "]");
}

TEST(PipeTest, ZeroLengthIo) {
  FileDescriptor r, w;
  ASSERT_NO_FATAL_FAILURE(MakePipe(r, w));
  char c;
  EXPECT_THAT(read(r.get(), &c, 0), SyscallSucceedsWithValue(0));
  EXPECT_THAT(write(w.get(), &c, 0), SyscallSucceedsWithValue(0));
  EXPECT_THAT(write(w.get(), nullptr, 1), SyscallFailsWithErrno(EFAULT));
  ASSERT_THAT(write(w.get(), "z", 1), SyscallSucceedsWithValue(1));
  EXPECT_THAT(read(r.get(), nullptr, 1), SyscallFailsWithErrno(EFAULT));
  // The failed read consumed nothing.
  EXPECT_THAT(read(r.get(), &c, 1), SyscallSucceedsWithValue(1));
  EXPECT_EQ(c, 'z');
}

// ---- FIFOs. ----

using FifoTest = ScratchDirTest;

TEST_F(FifoTest, MkfifoMakesAFifo) {
  ASSERT_THAT(mkfifo(Path("p").c_str(), 0640), SyscallSucceeds());
  struct stat st;
  ASSERT_THAT(stat(Path("p").c_str(), &st), SyscallSucceeds());
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0640u & ~022u);
  EXPECT_THAT(mkfifo(Path("p").c_str(), 0640), SyscallFailsWithErrno(EEXIST));
}

TEST_F(FifoTest, ReadWriteOpenNeverBlocks) {
  ASSERT_THAT(mkfifo(Path("p").c_str(), 0600), SyscallSucceeds());
  FileDescriptor rw = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("p"), O_RDWR));
  ASSERT_THAT(write(rw.get(), "loop", 4), SyscallSucceedsWithValue(4));
  char buf[8];
  ASSERT_THAT(read(rw.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(4));
  EXPECT_EQ(std::string(buf, 4), "loop");
  struct stat st;
  ASSERT_THAT(fstat(rw.get(), &st), SyscallSucceeds());
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

// When the last end closes, what was left in the FIFO and its size are gone.
TEST_F(FifoTest, LastCloseDropsWhatWasLeft) {
  ASSERT_THAT(mkfifo(Path("p").c_str(), 0600), SyscallSucceeds());
  {
    FileDescriptor rw = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("p"), O_RDWR));
    ASSERT_THAT(fcntl(rw.get(), F_SETPIPE_SZ, 1 << 20), SyscallSucceeds());
    ASSERT_THAT(write(rw.get(), "stale", 5), SyscallSucceedsWithValue(5));
  }
  FileDescriptor rw = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("p"), O_RDWR | O_NONBLOCK));
  char buf[8];
  EXPECT_THAT(read(rw.get(), buf, sizeof(buf)), SyscallFailsWithErrno(EAGAIN));
  EXPECT_THAT(fcntl(rw.get(), F_GETPIPE_SZ), SyscallSucceedsWithValue(65536));
}

TEST_F(FifoTest, NonblockingOpensAndDataThroughTheFifo) {
  ASSERT_THAT(mkfifo(Path("p").c_str(), 0600), SyscallSucceeds());
  // No reader: a non-blocking writer can't open.
  EXPECT_THAT(open(Path("p").c_str(), O_WRONLY | O_NONBLOCK), SyscallFailsWithErrno(ENXIO));
  FileDescriptor r = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("p"), O_RDONLY | O_NONBLOCK));
  // No writer ever: reads see end of file.
  char buf[16];
  EXPECT_THAT(read(r.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(0));
  FileDescriptor w = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("p"), O_WRONLY | O_NONBLOCK));
  EXPECT_THAT(read(r.get(), buf, sizeof(buf)), SyscallFailsWithErrno(EAGAIN));
  ASSERT_THAT(write(w.get(), "through", 7), SyscallSucceedsWithValue(7));
  int queued = 0;
  ASSERT_THAT(ioctl(r.get(), FIONREAD, &queued), SyscallSucceeds());
  EXPECT_EQ(queued, 7);
  ASSERT_THAT(read(r.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(7));
  EXPECT_EQ(std::string(buf, 7), "through");
  // A second opener shares the same pipe.
  FileDescriptor w2 = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("p"), O_WRONLY));
  ASSERT_THAT(write(w2.get(), "2", 1), SyscallSucceedsWithValue(1));
  w.reset();
  w2.reset();
  ASSERT_THAT(read(r.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(1));
  EXPECT_EQ(buf[0], '2');
  EXPECT_THAT(read(r.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(0));
  // The reader gone, writers get EPIPE (SIGPIPE ignored here).
  FileDescriptor rw = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("p"), O_RDWR));
  FileDescriptor w3 = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("p"), O_WRONLY | O_NONBLOCK));
  r.reset();
  rw.reset();
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = SIG_IGN;
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGPIPE, sa));
  EXPECT_THAT(write(w3.get(), "x", 1), SyscallFailsWithErrno(EPIPE));
}

volatile sig_atomic_t alarms = 0;
void OnAlarm(int) { alarms = alarms + 1; }

TEST_F(FifoTest, BlockingOpenWithoutPeerIsInterruptedBySignal) {
  ASSERT_THAT(mkfifo(Path("p").c_str(), 0600), SyscallSucceeds());
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnAlarm;  // No SA_RESTART: the open fails with EINTR.
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGALRM, sa));
  for (int flags : {O_RDONLY, O_WRONLY}) {
    SCOPED_TRACE(flags == O_RDONLY ? "O_RDONLY" : "O_WRONLY");
    const int before = LowestFreeFd();
    alarms = 0;
    struct itimerval it;
    memset(&it, 0, sizeof(it));
    it.it_value.tv_usec = 50000;
    ASSERT_THAT(setitimer(ITIMER_REAL, &it, nullptr), SyscallSucceeds());
    EXPECT_THAT(open(Path("p").c_str(), flags), SyscallFailsWithErrno(EINTR));
    EXPECT_EQ(alarms, 1);
    EXPECT_EQ(LowestFreeFd(), before);
  }
  // The interrupted openers are gone: a non-blocking writer still finds no reader.
  EXPECT_THAT(open(Path("p").c_str(), O_WRONLY | O_NONBLOCK), SyscallFailsWithErrno(ENXIO));
}

TEST_F(FifoTest, BlockingOpenWithPeerDoesNotBlock) {
  ASSERT_THAT(mkfifo(Path("p").c_str(), 0600), SyscallSucceeds());
  FileDescriptor r = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("p"), O_RDONLY | O_NONBLOCK));
  FileDescriptor w = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("p"), O_WRONLY));
  FileDescriptor r2 = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("p"), O_RDONLY));
  ASSERT_THAT(write(w.get(), "ok", 2), SyscallSucceedsWithValue(2));
  char buf[4];
  EXPECT_THAT(read(r2.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(2));
}

}  // namespace
}  // namespace kekkai::syscall_test

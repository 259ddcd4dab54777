// Data I/O on writable files in a scratch directory: pread64(2), pwrite64(2),
// readv(2), writev(2), preadv(2), pwritev(2), preadv2(2), pwritev2(2),
// lseek(2), offsets shared by dup(2), sendfile(2), copy_file_range(2),
// memfd_create(2) and its seals, fsync(2), fdatasync(2), sync(2), syncfs(2),
// shared and private file mappings (mmap(2)) including SIGBUS past the end of
// the file, and close_range(2). Everything is created under a fresh
// /tmp/kekkai_fs_test_XXXXXX and removed afterwards.
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/syscalls/util/fault_probe.h"
#include "tests/syscalls/util/file_descriptor.h"
#include "tests/syscalls/util/mapping.h"
#include "tests/syscalls/util/scratch_dir.h"
#include "tests/syscalls/util/stat_util.h"
#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {
namespace {

long Preadv2(int fd, const iovec* iov, int iovcnt, off_t offset, int flags) {
  return syscall(SYS_preadv2, fd, iov, iovcnt, offset, 0, flags);
}

long Pwritev2(int fd, const iovec* iov, int iovcnt, off_t offset, int flags) {
  return syscall(SYS_pwritev2, fd, iov, iovcnt, offset, 0, flags);
}

iovec Iov(const char* s) { return iovec{const_cast<char*>(s), strlen(s)}; }

// Returns mmap(nullptr, len, prot, flags, fd, offset) as an owned range.
// Returns the lowest fd number not in use.
int LowestFreeFd() {
  const int fd = fcntl(STDERR_FILENO, F_DUPFD, 0);
  if (fd >= 0) close(fd);
  return fd;
}

bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1; }

// A scratch directory with one empty read-write file, fd_ at Path("f").
class FileIoTest : public ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    if (HasFatalFailure()) return;
    fd_ = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR | O_CREAT | O_EXCL, 0644));
  }
  void TearDown() override {
    fd_.reset();
    ScratchDirTest::TearDown();
  }
  // Writes `s` at the current offset, all of it.
  void Write(const std::string& s) {
    ASSERT_THAT(write(fd_.get(), s.data(), s.size()),
                SyscallSucceedsWithValue(static_cast<ssize_t>(s.size())));
  }

  FileDescriptor fd_;
};

using PreadPwriteTest = FileIoTest;
using VectorIoTest = FileIoTest;
using LseekTest = FileIoTest;
using SendfileTest = FileIoTest;
using CopyFileRangeTest = FileIoTest;
using SyncTest = FileIoTest;
using FileMmapTest = FileIoTest;
using MemfdTest = ::testing::Test;
using CloseRangeTest = ::testing::Test;

// read(2) and write(2) on a writable file.

TEST_F(FileIoTest, WriteThenReadBack) {
  Write("hello, world");
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(12));
  EXPECT_EQ(Fstat(fd_.get()).st_size, 12);
  char c;
  EXPECT_THAT(read(fd_.get(), &c, 1), SyscallSucceedsWithValue(0));
  ASSERT_THAT(lseek(fd_.get(), 7, SEEK_SET), SyscallSucceedsWithValue(7));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadAll(fd_.get())), "world");
}

TEST_F(FileIoTest, OverwriteInTheMiddle) {
  Write("aaaaaaaaaa");
  ASSERT_THAT(lseek(fd_.get(), 3, SEEK_SET), SyscallSucceedsWithValue(3));
  Write("BBB");
  EXPECT_EQ(Fstat(fd_.get()).st_size, 10);
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "aaaBBBaaaa");
}

TEST_F(FileIoTest, AnotherOpenSeesWritesAtOnce) {
  FileDescriptor other = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  Write("visible");
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadAll(other.get())), "visible");
  Write(" more");
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadAll(other.get())), " more");
}

TEST_F(FileIoTest, LargeWriteAcrossPages) {
  std::string data(3 * 4096 + 123, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 1);
  Write(data);
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), data);
  EXPECT_EQ(PreadString(fd_.get(), 100, 4096 - 50), data.substr(4096 - 50, 100));
}

// pread64(2), pwrite64(2).

TEST_F(PreadPwriteTest, NeitherMovesTheOffset) {
  Write("0123456789");
  ASSERT_THAT(lseek(fd_.get(), 2, SEEK_SET), SyscallSucceedsWithValue(2));
  ASSERT_THAT(pwrite(fd_.get(), "XY", 2, 5), SyscallSucceedsWithValue(2));
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(2));
  EXPECT_EQ(PreadString(fd_.get(), 4, 4), "4XY7");
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(2));
  char buf[3];
  ASSERT_THAT(read(fd_.get(), buf, 3), SyscallSucceedsWithValue(3));
  EXPECT_EQ(std::string(buf, 3), "234");
}

TEST_F(PreadPwriteTest, PwritePastTheEndLeavesAHoleOfZeros) {
  Write("ab");
  ASSERT_THAT(pwrite(fd_.get(), "z", 1, 10000), SyscallSucceedsWithValue(1));
  EXPECT_EQ(Fstat(fd_.get()).st_size, 10001);
  const std::string contents = ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f")));
  ASSERT_EQ(contents.size(), 10001u);
  EXPECT_EQ(contents.substr(0, 2), "ab");
  EXPECT_EQ(contents.substr(2, 9998), std::string(9998, '\0'));
  EXPECT_EQ(contents.back(), 'z');
}

TEST_F(PreadPwriteTest, PreadAtTheEndIsShortThenEmpty) {
  Write("abcdef");
  EXPECT_EQ(PreadString(fd_.get(), 10, 4), "ef");
  EXPECT_EQ(PreadString(fd_.get(), 10, 6), "");
  EXPECT_EQ(PreadString(fd_.get(), 10, 1 << 20), "");
}

TEST_F(PreadPwriteTest, NeedTheRightAccessMode) {
  Write("abc");
  FileDescriptor ro = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  FileDescriptor wo = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY));
  char c;
  EXPECT_THAT(pwrite(ro.get(), "x", 1, 0), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(pread(wo.get(), &c, 1, 0), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(write(ro.get(), "x", 1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(read(wo.get(), &c, 1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(pwrite(fd_.get(), "x", 1, -1), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(pread(fd_.get(), &c, 1, -1), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "abc");
}

// readv(2), writev(2), preadv(2), pwritev(2), preadv2(2), pwritev2(2).

TEST_F(VectorIoTest, WritevGathersInOrder) {
  iovec iov[] = {Iov("one "), Iov(""), Iov("two "), Iov("three")};
  ASSERT_THAT(writev(fd_.get(), iov, 4), SyscallSucceedsWithValue(13));
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(13));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "one two three");
}

TEST_F(VectorIoTest, ReadvScattersInOrder) {
  Write("abcdefghij");
  ASSERT_THAT(lseek(fd_.get(), 0, SEEK_SET), SyscallSucceedsWithValue(0));
  char a[3], b[4], c[10];
  iovec iov[] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}};
  ASSERT_THAT(readv(fd_.get(), iov, 3), SyscallSucceedsWithValue(10));
  EXPECT_EQ(std::string(a, 3), "abc");
  EXPECT_EQ(std::string(b, 4), "defg");
  EXPECT_EQ(std::string(c, 3), "hij");
}

TEST_F(VectorIoTest, PwritevAndPreadvUseTheirOffsetOnly) {
  Write("..........");
  ASSERT_THAT(lseek(fd_.get(), 1, SEEK_SET), SyscallSucceedsWithValue(1));
  iovec out[] = {Iov("AB"), Iov("CD")};
  ASSERT_THAT(pwritev(fd_.get(), out, 2, 4), SyscallSucceedsWithValue(4));
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(1));
  char x[3], y[3];
  iovec in[] = {{x, sizeof(x)}, {y, sizeof(y)}};
  ASSERT_THAT(preadv(fd_.get(), in, 2, 3), SyscallSucceedsWithValue(6));
  EXPECT_EQ(std::string(x, 3) + std::string(y, 3), ".ABCD.");
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(1));
}

TEST_F(VectorIoTest, V2WithOffsetMinusOneUsesAndMovesTheFileOffset) {
  Write("0123456789");
  ASSERT_THAT(lseek(fd_.get(), 2, SEEK_SET), SyscallSucceedsWithValue(2));
  char buf[3];
  iovec in = {buf, sizeof(buf)};
  ASSERT_THAT(Preadv2(fd_.get(), &in, 1, -1, 0), SyscallSucceedsWithValue(3));
  EXPECT_EQ(std::string(buf, 3), "234");
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(5));
  iovec out = Iov("xy");
  ASSERT_THAT(Pwritev2(fd_.get(), &out, 1, -1, 0), SyscallSucceedsWithValue(2));
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(7));
  // With an explicit offset they behave like preadv/pwritev.
  ASSERT_THAT(Pwritev2(fd_.get(), &out, 1, 0, 0), SyscallSucceedsWithValue(2));
  ASSERT_THAT(Preadv2(fd_.get(), &in, 1, 8, 0), SyscallSucceedsWithValue(2));
  EXPECT_EQ(std::string(buf, 2), "89");
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(7));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "xy234xy789");
}

TEST_F(VectorIoTest, Pwritev2AppendWritesAtTheEnd) {
  Write("abc");
  iovec out = Iov("XY");
  // An explicit offset is ignored for the write, and the file offset stays.
  ASSERT_THAT(lseek(fd_.get(), 1, SEEK_SET), SyscallSucceedsWithValue(1));
  ASSERT_THAT(Pwritev2(fd_.get(), &out, 1, 0, RWF_APPEND), SyscallSucceedsWithValue(2));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "abcXY");
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(1));
  // With offset -1 the file offset ends up after the appended data.
  ASSERT_THAT(Pwritev2(fd_.get(), &out, 1, -1, RWF_APPEND), SyscallSucceedsWithValue(2));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "abcXYXY");
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(7));
}

TEST_F(VectorIoTest, V2SyncFlagsAreAccepted) {
  iovec out = Iov("durable");
  EXPECT_THAT(Pwritev2(fd_.get(), &out, 1, 0, RWF_DSYNC), SyscallSucceedsWithValue(7));
  EXPECT_THAT(Pwritev2(fd_.get(), &out, 1, 7, RWF_SYNC), SyscallSucceedsWithValue(7));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "durabledurable");
}

TEST_F(VectorIoTest, V2UnknownFlagsFailWithEopnotsupp) {
  Write("abc");
  char buf[3];
  iovec in = {buf, sizeof(buf)};
  iovec out = Iov("x");
  EXPECT_THAT(Preadv2(fd_.get(), &in, 1, 0, 0x40000000), SyscallFailsWithErrno(EOPNOTSUPP));
  EXPECT_THAT(Pwritev2(fd_.get(), &out, 1, 0, 0x40000000), SyscallFailsWithErrno(EOPNOTSUPP));
  EXPECT_THAT(Pwritev2(fd_.get(), &out, 1, -1, 0x40000000), SyscallFailsWithErrno(EOPNOTSUPP));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "abc");
}

TEST_F(VectorIoTest, BadOffsetsFailWithEinval) {
  char buf[3];
  iovec in = {buf, sizeof(buf)};
  EXPECT_THAT(preadv(fd_.get(), &in, 1, -1), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(Preadv2(fd_.get(), &in, 1, -2, 0), SyscallFailsWithErrno(EINVAL));
  iovec out = Iov("x");
  EXPECT_THAT(Pwritev2(fd_.get(), &out, 1, -2, 0), SyscallFailsWithErrno(EINVAL));
}

// lseek(2).

TEST_F(LseekTest, SetCurAndEnd) {
  Write("0123456789");
  EXPECT_THAT(lseek(fd_.get(), 3, SEEK_SET), SyscallSucceedsWithValue(3));
  EXPECT_THAT(lseek(fd_.get(), 4, SEEK_CUR), SyscallSucceedsWithValue(7));
  EXPECT_THAT(lseek(fd_.get(), -2, SEEK_CUR), SyscallSucceedsWithValue(5));
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_END), SyscallSucceedsWithValue(10));
  EXPECT_THAT(lseek(fd_.get(), -3, SEEK_END), SyscallSucceedsWithValue(7));
  char buf[3];
  ASSERT_THAT(read(fd_.get(), buf, 3), SyscallSucceedsWithValue(3));
  EXPECT_EQ(std::string(buf, 3), "789");
  // SEEK_END follows the size as it changes.
  ASSERT_THAT(ftruncate(fd_.get(), 100), SyscallSucceeds());
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_END), SyscallSucceedsWithValue(100));
}

TEST_F(LseekTest, PastTheEndThenWriteLeavesAHole) {
  Write("ab");
  ASSERT_THAT(lseek(fd_.get(), 5000, SEEK_END), SyscallSucceedsWithValue(5002));
  EXPECT_EQ(Fstat(fd_.get()).st_size, 2);  // seeking alone doesn't grow it
  char c;
  EXPECT_THAT(read(fd_.get(), &c, 1), SyscallSucceedsWithValue(0));
  Write("z");
  EXPECT_EQ(Fstat(fd_.get()).st_size, 5003);
  const std::string contents = ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f")));
  EXPECT_EQ(contents, "ab" + std::string(5000, '\0') + "z");
}

TEST_F(LseekTest, NegativeResultFailsWithEinvalAndKeepsTheOffset) {
  Write("abc");
  ASSERT_THAT(lseek(fd_.get(), 2, SEEK_SET), SyscallSucceedsWithValue(2));
  EXPECT_THAT(lseek(fd_.get(), -1, SEEK_SET), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(lseek(fd_.get(), -3, SEEK_CUR), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(lseek(fd_.get(), -4, SEEK_END), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(lseek(fd_.get(), 0, 5), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(2));
}

TEST_F(LseekTest, DataAndHoleOnADenseFile) {
  Write("0123456789");
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_DATA), SyscallSucceedsWithValue(0));
  EXPECT_THAT(lseek(fd_.get(), 4, SEEK_DATA), SyscallSucceedsWithValue(4));
  // The end of the file counts as a hole.
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_HOLE), SyscallSucceedsWithValue(10));
  EXPECT_THAT(lseek(fd_.get(), 10, SEEK_DATA), SyscallFailsWithErrno(ENXIO));
  EXPECT_THAT(lseek(fd_.get(), 10, SEEK_HOLE), SyscallFailsWithErrno(ENXIO));
  EXPECT_THAT(lseek(fd_.get(), 11, SEEK_HOLE), SyscallFailsWithErrno(ENXIO));
}

TEST_F(LseekTest, DupSharesTheOffset) {
  FileDescriptor dup_fd = ASSERT_NO_ERRNO_AND_VALUE(Dup(fd_.get()));
  Write("abcdef");
  EXPECT_THAT(lseek(dup_fd.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(6));
  ASSERT_THAT(lseek(dup_fd.get(), 1, SEEK_SET), SyscallSucceedsWithValue(1));
  Write("X");
  EXPECT_THAT(lseek(dup_fd.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(2));
  char buf[2];
  ASSERT_THAT(read(dup_fd.get(), buf, 2), SyscallSucceedsWithValue(2));
  EXPECT_EQ(std::string(buf, 2), "cd");
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(4));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "aXcdef");
}

TEST_F(LseekTest, SeparateOpensHaveSeparateOffsets) {
  FileDescriptor other = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR));
  Write("abcdef");
  EXPECT_THAT(lseek(other.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(0));
  ASSERT_THAT(write(other.get(), "Z", 1), SyscallSucceedsWithValue(1));
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(6));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "Zbcdef");
}

// sendfile(2).

TEST_F(SendfileTest, FromTheCurrentOffsetAdvancesIt) {
  Write("0123456789");
  ASSERT_THAT(lseek(fd_.get(), 2, SEEK_SET), SyscallSucceedsWithValue(2));
  FileDescriptor out = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("out"), O_WRONLY | O_CREAT, 0644));
  ASSERT_THAT(sendfile(out.get(), fd_.get(), nullptr, 5), SyscallSucceedsWithValue(5));
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(7));
  EXPECT_THAT(lseek(out.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(5));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("out"))), "23456");
  // More than is left gives what is left, then nothing.
  ASSERT_THAT(sendfile(out.get(), fd_.get(), nullptr, 100), SyscallSucceedsWithValue(3));
  ASSERT_THAT(sendfile(out.get(), fd_.get(), nullptr, 100), SyscallSucceedsWithValue(0));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("out"))), "23456789");
}

TEST_F(SendfileTest, WithAnOffsetPointerLeavesTheFdOffset) {
  Write("0123456789");
  ASSERT_THAT(lseek(fd_.get(), 1, SEEK_SET), SyscallSucceedsWithValue(1));
  FileDescriptor out = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("out"), O_WRONLY | O_CREAT, 0644));
  off_t offset = 6;
  ASSERT_THAT(sendfile(out.get(), fd_.get(), &offset, 3), SyscallSucceedsWithValue(3));
  EXPECT_EQ(offset, 9);
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(1));
  ASSERT_THAT(sendfile(out.get(), fd_.get(), &offset, 3), SyscallSucceedsWithValue(1));
  EXPECT_EQ(offset, 10);
  ASSERT_THAT(sendfile(out.get(), fd_.get(), &offset, 3), SyscallSucceedsWithValue(0));
  EXPECT_EQ(offset, 10);
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("out"))), "6789");
}

TEST_F(SendfileTest, LargerThanAPage) {
  std::string data(70000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  Write(data);
  FileDescriptor out = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("out"), O_WRONLY | O_CREAT, 0644));
  off_t offset = 0;
  size_t total = 0;
  while (total < data.size()) {
    const ssize_t n = sendfile(out.get(), fd_.get(), &offset, data.size() - total);
    ASSERT_THAT(n, SyscallSucceedsWithValue(::testing::Gt(0)));
    total += n;
  }
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("out"))), data);
}

TEST_F(SendfileTest, Errors) {
  Write("abc");
  FileDescriptor wo = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY));
  FileDescriptor ro = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  FileDescriptor out = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("out"), O_WRONLY | O_CREAT, 0644));
  FileDescriptor append = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("out"), O_WRONLY | O_APPEND));
  off_t offset = 0;
  EXPECT_THAT(sendfile(out.get(), wo.get(), &offset, 1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(sendfile(ro.get(), fd_.get(), &offset, 1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(sendfile(-1, fd_.get(), &offset, 1), SyscallFailsWithErrno(EBADF));
  // sendfile refuses an O_APPEND destination.
  EXPECT_THAT(sendfile(append.get(), fd_.get(), &offset, 1), SyscallFailsWithErrno(EINVAL));
  offset = -1;
  EXPECT_THAT(sendfile(out.get(), fd_.get(), &offset, 1), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("out"))), "");
}

// copy_file_range(2).

TEST_F(CopyFileRangeTest, WithOffsetPointersLeavesTheFdOffsets) {
  Write("0123456789");
  FileDescriptor out = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("out"), O_RDWR | O_CREAT, 0644));
  ASSERT_THAT(write(out.get(), "..........", 10), SyscallSucceedsWithValue(10));
  loff_t in_off = 3, out_off = 5;
  ASSERT_THAT(copy_file_range(fd_.get(), &in_off, out.get(), &out_off, 4, 0),
              SyscallSucceedsWithValue(4));
  EXPECT_EQ(in_off, 7);
  EXPECT_EQ(out_off, 9);
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(10));
  EXPECT_THAT(lseek(out.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(10));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("out"))), ".....3456.");
}

TEST_F(CopyFileRangeTest, WithoutOffsetPointersAdvancesTheFdOffsets) {
  Write("0123456789");
  ASSERT_THAT(lseek(fd_.get(), 4, SEEK_SET), SyscallSucceedsWithValue(4));
  FileDescriptor out = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("out"), O_WRONLY | O_CREAT, 0644));
  ASSERT_THAT(copy_file_range(fd_.get(), nullptr, out.get(), nullptr, 3, 0),
              SyscallSucceedsWithValue(3));
  EXPECT_THAT(lseek(fd_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(7));
  EXPECT_THAT(lseek(out.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(3));
  ASSERT_THAT(copy_file_range(fd_.get(), nullptr, out.get(), nullptr, 100, 0),
              SyscallSucceedsWithValue(3));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("out"))), "456789");
}

TEST_F(CopyFileRangeTest, AtOrPastTheEndOrOfZeroBytesCopiesNothing) {
  Write("abc");
  FileDescriptor out = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("out"), O_WRONLY | O_CREAT, 0644));
  loff_t in_off = 3;
  EXPECT_THAT(copy_file_range(fd_.get(), &in_off, out.get(), nullptr, 10, 0),
              SyscallSucceedsWithValue(0));
  in_off = 100;
  EXPECT_THAT(copy_file_range(fd_.get(), &in_off, out.get(), nullptr, 10, 0),
              SyscallSucceedsWithValue(0));
  in_off = 0;
  EXPECT_THAT(copy_file_range(fd_.get(), &in_off, out.get(), nullptr, 0, 0),
              SyscallSucceedsWithValue(0));
  EXPECT_EQ(in_off, 0);
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("out"))), "");
}

TEST_F(CopyFileRangeTest, WithinOneFileWithoutOverlap) {
  Write("abcdef......");
  loff_t in_off = 0, out_off = 6;
  ASSERT_THAT(copy_file_range(fd_.get(), &in_off, fd_.get(), &out_off, 6, 0),
              SyscallSucceedsWithValue(6));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "abcdefabcdef");
  // Overlapping ranges of one file are refused.
  in_off = 0;
  out_off = 3;
  EXPECT_THAT(copy_file_range(fd_.get(), &in_off, fd_.get(), &out_off, 6, 0),
              SyscallFailsWithErrno(EINVAL));
}

TEST_F(CopyFileRangeTest, Errors) {
  Write("abc");
  FileDescriptor out = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("out"), O_RDWR | O_CREAT, 0644));
  FileDescriptor append = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("out"), O_WRONLY | O_APPEND));
  FileDescriptor wo = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY));
  FileDescriptor ro = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("out"), O_RDONLY));
  loff_t in_off = 0;
  EXPECT_THAT(copy_file_range(fd_.get(), &in_off, out.get(), nullptr, 1, 1),
              SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(copy_file_range(fd_.get(), &in_off, append.get(), nullptr, 1, 0),
              SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(copy_file_range(wo.get(), &in_off, out.get(), nullptr, 1, 0),
              SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(copy_file_range(fd_.get(), &in_off, ro.get(), nullptr, 1, 0),
              SyscallFailsWithErrno(EBADF));
  // A negative offset "wraps" in the kernel's unsigned range check.
  in_off = -1;
  EXPECT_THAT(copy_file_range(fd_.get(), &in_off, out.get(), nullptr, 1, 0),
              SyscallFailsWithErrno(EOVERFLOW));
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  in_off = 0;
  EXPECT_THAT(copy_file_range(dir.get(), &in_off, out.get(), nullptr, 1, 0),
              SyscallFailsWithErrno(EISDIR));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("out"))), "");
}

// memfd_create(2).

TEST(MemfdTest, IsAnEmptyReadWriteRegularFile) {
  const int fd = memfd_create("kekkai-test", 0);
  ASSERT_THAT(fd, SyscallSucceeds());
  FileDescriptor owned(fd);
  struct stat st = Fstat(fd);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 0);
  ASSERT_THAT(write(fd, "in memory", 9), SyscallSucceedsWithValue(9));
  EXPECT_EQ(Fstat(fd).st_size, 9);
  EXPECT_EQ(PreadString(fd, 100, 3), "memory");
  EXPECT_THAT(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
}

TEST(MemfdTest, FtruncateSetsTheSizeAndGrowsWithZeros) {
  FileDescriptor fd(memfd_create("kekkai-test", 0));
  ASSERT_TRUE(fd.valid()) << ErrnoName(errno);
  ASSERT_THAT(write(fd.get(), "abc", 3), SyscallSucceedsWithValue(3));
  ASSERT_THAT(ftruncate(fd.get(), 10000), SyscallSucceeds());
  EXPECT_EQ(Fstat(fd.get()).st_size, 10000);
  EXPECT_EQ(PreadString(fd.get(), 5, 0), std::string("abc\0\0", 5));
  EXPECT_EQ(PreadString(fd.get(), 4, 9996), std::string(4, '\0'));
  ASSERT_THAT(ftruncate(fd.get(), 2), SyscallSucceeds());
  EXPECT_EQ(PreadString(fd.get(), 10, 0), "ab");
}

TEST(MemfdTest, CloexecOnlyWhenAsked) {
  FileDescriptor with(memfd_create("kekkai-test", MFD_CLOEXEC));
  ASSERT_TRUE(with.valid()) << ErrnoName(errno);
  EXPECT_THAT(fcntl(with.get(), F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
  FileDescriptor without(memfd_create("kekkai-test", 0));
  ASSERT_TRUE(without.valid()) << ErrnoName(errno);
  EXPECT_THAT(fcntl(without.get(), F_GETFD), SyscallSucceedsWithValue(0));
}

TEST(MemfdTest, EachIsADistinctFile) {
  FileDescriptor a(memfd_create("same-name", 0));
  FileDescriptor b(memfd_create("same-name", 0));
  ASSERT_TRUE(a.valid() && b.valid()) << ErrnoName(errno);
  EXPECT_NE(Fstat(a.get()).st_ino, Fstat(b.get()).st_ino);
  ASSERT_THAT(write(a.get(), "a", 1), SyscallSucceedsWithValue(1));
  EXPECT_EQ(Fstat(b.get()).st_size, 0);
}

TEST(MemfdTest, BadNameOrFlagsFailWithEinval) {
  // The name may have 249 bytes ("memfd:" + name fits NAME_MAX).
  const std::string longest(249, 'n');
  const int fd = memfd_create(longest.c_str(), 0);
  EXPECT_THAT(fd, SyscallSucceeds());
  if (fd >= 0) close(fd);
  EXPECT_THAT(memfd_create(std::string(250, 'n').c_str(), 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(memfd_create("x", 0x1000), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_memfd_create, nullptr, 0), SyscallFailsWithErrno(EFAULT));
}

TEST(MemfdTest, SealsRestrictWritesAndSizeChanges) {
  FileDescriptor fd(memfd_create("sealed", MFD_ALLOW_SEALING));
  ASSERT_TRUE(fd.valid()) << ErrnoName(errno);
  ASSERT_THAT(write(fd.get(), "abcdef", 6), SyscallSucceedsWithValue(6));
  EXPECT_THAT(fcntl(fd.get(), F_GET_SEALS), SyscallSucceedsWithValue(0));
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK), SyscallSucceeds());
  EXPECT_THAT(ftruncate(fd.get(), 3), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(ftruncate(fd.get(), 8), SyscallSucceeds());
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), SyscallSucceeds());
  EXPECT_THAT(ftruncate(fd.get(), 9), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(pwrite(fd.get(), "x", 1, 8), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(pwrite(fd.get(), "x", 1, 0), SyscallSucceedsWithValue(1));
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE), SyscallSucceeds());
  EXPECT_THAT(pwrite(fd.get(), "y", 1, 0), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(fcntl(fd.get(), F_GET_SEALS),
              SyscallSucceedsWithValue(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE));
  ASSERT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SEAL), SyscallSucceeds());
  EXPECT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE), SyscallFailsWithErrno(EPERM));
  EXPECT_EQ(PreadString(fd.get(), 10, 0), std::string("xbcdef\0\0", 8));
}

TEST(MemfdTest, WithoutAllowSealingIsSealedShut) {
  FileDescriptor fd(memfd_create("unsealable", 0));
  ASSERT_TRUE(fd.valid()) << ErrnoName(errno);
  EXPECT_THAT(fcntl(fd.get(), F_GET_SEALS), SyscallSucceedsWithValue(F_SEAL_SEAL));
  EXPECT_THAT(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(write(fd.get(), "ok", 2), SyscallSucceedsWithValue(2));
}

TEST(MemfdTest, SharedMappingSeesTheFile) {
  FileDescriptor fd(memfd_create("mapped", 0));
  ASSERT_TRUE(fd.valid()) << ErrnoName(errno);
  ASSERT_THAT(ftruncate(fd.get(), kPageSize), SyscallSucceeds());
  Mapping m =
      ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get()));
  memcpy(m.bytes() + 10, "mapped", 6);
  EXPECT_EQ(PreadString(fd.get(), 6, 10), "mapped");
  ASSERT_THAT(pwrite(fd.get(), "write", 5, 100), SyscallSucceedsWithValue(5));
  EXPECT_EQ(std::string(m.bytes() + 100, 5), "write");
}

// fsync(2), fdatasync(2), sync(2), syncfs(2).

TEST_F(SyncTest, SucceedOnFilesAndDirectories) {
  Write("data to keep");
  EXPECT_THAT(fsync(fd_.get()), SyscallSucceeds());
  EXPECT_THAT(fdatasync(fd_.get()), SyscallSucceeds());
  EXPECT_THAT(syncfs(fd_.get()), SyscallSucceeds());
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  EXPECT_THAT(fsync(dir.get()), SyscallSucceeds());
  EXPECT_THAT(fdatasync(dir.get()), SyscallSucceeds());
  FileDescriptor ro = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  EXPECT_THAT(fsync(ro.get()), SyscallSucceeds());
  sync();
  EXPECT_THAT(syscall(SYS_sync), SyscallSucceedsWithValue(0));
  EXPECT_EQ(ASSERT_NO_ERRNO_AND_VALUE(ReadFile(Path("f"))), "data to keep");
}

TEST_F(SyncTest, BadFdsFailWithEbadf) {
  EXPECT_THAT(fsync(-1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fdatasync(-1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(syncfs(-1), SyscallFailsWithErrno(EBADF));
  const int closed = LowestFreeFd();
  EXPECT_THAT(fsync(closed), SyscallFailsWithErrno(EBADF));
  FileDescriptor path_fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  EXPECT_THAT(fsync(path_fd.get()), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fdatasync(path_fd.get()), SyscallFailsWithErrno(EBADF));
}

// mmap(2) of files.

TEST_F(FileMmapTest, SharedMappingWritesReachTheFile) {
  ASSERT_THAT(ftruncate(fd_.get(), 2 * kPageSize), SyscallSucceeds());
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(2 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  memcpy(m.bytes() + kPageSize - 2, "span", 4);
  EXPECT_EQ(PreadString(fd_.get(), 4, kPageSize - 2), "span");
  ASSERT_THAT(msync(m.ptr(), m.len(), MS_SYNC), SyscallSucceeds());
  m.reset();
  // Still there after unmapping, through a new description.
  FileDescriptor again = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  EXPECT_EQ(PreadString(again.get(), 4, kPageSize - 2), "span");
}

TEST_F(FileMmapTest, WritesReachTheSharedMapping) {
  ASSERT_THAT(ftruncate(fd_.get(), kPageSize), SyscallSucceeds());
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ, MAP_SHARED, fd_.get()));
  EXPECT_EQ(m.bytes()[5], '\0');
  ASSERT_THAT(pwrite(fd_.get(), "hello", 5, 5), SyscallSucceedsWithValue(5));
  EXPECT_EQ(std::string(m.bytes() + 5, 5), "hello");
}

TEST_F(FileMmapTest, PrivateMappingWritesStayPrivate) {
  Write(std::string(kPageSize, 'f'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_.get()));
  EXPECT_EQ(m.bytes()[0], 'f');
  m.bytes()[0] = 'P';
  EXPECT_EQ(PreadString(fd_.get(), 1, 0), "f");
  Mapping shared = ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ, MAP_SHARED, fd_.get()));
  EXPECT_EQ(shared.bytes()[0], 'f');
}

TEST_F(FileMmapTest, OffsetSelectsThePage) {
  std::string data;
  for (char c : {'a', 'b', 'c'}) data += std::string(kPageSize, c);
  Write(data);
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(kPageSize, PROT_READ, MAP_SHARED, fd_.get(), static_cast<off_t>(kPageSize)));
  EXPECT_EQ(m.bytes()[0], 'b');
  EXPECT_EQ(m.bytes()[kPageSize - 1], 'b');
}

TEST_F(FileMmapTest, PastTheEndOfTheFileFaultsWithSigbus) {
  Write(std::string(100, 'd'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapFile(2 * kPageSize, PROT_READ, MAP_SHARED, fd_.get()));
  // The rest of the last page reads as zeros; the page after it doesn't exist.
  char c = 1;
  EXPECT_FALSE(ProbeRead(m.bytes() + 200, &c).faulted);
  EXPECT_EQ(c, '\0');
  const Fault f = ProbeRead(m.bytes() + kPageSize);
  EXPECT_TRUE(f.faulted);
  EXPECT_EQ(f.signo, SIGBUS) << f;
  EXPECT_EQ(f.addr, m.addr() + kPageSize) << f;
  // Growing the file brings the page into being.
  ASSERT_THAT(ftruncate(fd_.get(), 2 * kPageSize), SyscallSucceeds());
  c = 1;
  EXPECT_FALSE(ProbeRead(m.bytes() + kPageSize, &c).faulted);
  EXPECT_EQ(c, '\0');
}

TEST_F(FileMmapTest, TruncatingUnderAMappingFaultsWithSigbus) {
  Write(std::string(2 * kPageSize, 't'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(2 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  EXPECT_EQ(m.bytes()[kPageSize], 't');
  ASSERT_THAT(ftruncate(fd_.get(), 10), SyscallSucceeds());
  char c = 1;
  EXPECT_FALSE(ProbeRead(m.bytes() + 9, &c).faulted);
  EXPECT_EQ(c, 't');
  c = 1;
  EXPECT_FALSE(ProbeRead(m.bytes() + 10, &c).faulted);
  EXPECT_EQ(c, '\0');  // the tail of the last page was zeroed
  Fault f = ProbeRead(m.bytes() + kPageSize);
  EXPECT_TRUE(f.faulted);
  EXPECT_EQ(f.signo, SIGBUS) << f;
  f = ProbeWrite(m.bytes() + kPageSize + 1, 'w');
  EXPECT_TRUE(f.faulted);
  EXPECT_EQ(f.signo, SIGBUS) << f;
  EXPECT_EQ(Fstat(fd_.get()).st_size, 10);
}

TEST_F(FileMmapTest, AccessModeOfTheFdLimitsTheMapping) {
  ASSERT_THAT(ftruncate(fd_.get(), kPageSize), SyscallSucceeds());
  FileDescriptor ro = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  FileDescriptor wo = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY));
  EXPECT_THAT(mmap(nullptr, kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, ro.get(), 0),
              SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(mmap(nullptr, kPageSize, PROT_READ, MAP_SHARED, wo.get(), 0),
              SyscallFailsWithErrno(EACCES));
  // A private writable copy needs only read access.
  Mapping m =
      ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro.get()));
  // And a read-only shared mapping can't be made writable later.
  Mapping shared = ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ, MAP_SHARED, ro.get()));
  EXPECT_THAT(mprotect(shared.ptr(), kPageSize, PROT_READ | PROT_WRITE),
              SyscallFailsWithErrno(EACCES));
}

TEST_F(FileMmapTest, UnmappableFdsFail) {
  FileDescriptor path_fd = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_PATH));
  EXPECT_THAT(mmap(nullptr, kPageSize, PROT_READ, MAP_SHARED, path_fd.get(), 0),
              SyscallFailsWithErrno(EBADF));
  FileDescriptor dir = ASSERT_NO_ERRNO_AND_VALUE(Open(dir_, O_RDONLY | O_DIRECTORY));
  EXPECT_THAT(mmap(nullptr, kPageSize, PROT_READ, MAP_SHARED, dir.get(), 0),
              SyscallFailsWithErrno(ENODEV));
  EXPECT_THAT(mmap(nullptr, kPageSize, PROT_READ, MAP_SHARED, -1, 0), SyscallFailsWithErrno(EBADF));
}

// close_range(2).

// Puts copies of stderr at [first, first + count) and returns first.
int DupRange(int first, int count) {
  for (int i = 0; i < count; ++i) {
    if (dup2(STDERR_FILENO, first + i) != first + i) return -1;
  }
  return first;
}

TEST(CloseRangeTest, ClosesExactlyTheRange) {
  const int first = DupRange(LowestFreeFd() + 50, 5);
  ASSERT_THAT(first, SyscallSucceeds());
  ASSERT_THAT(syscall(SYS_close_range, first + 1, first + 3, 0), SyscallSucceeds());
  EXPECT_TRUE(IsOpen(first));
  EXPECT_FALSE(IsOpen(first + 1));
  EXPECT_FALSE(IsOpen(first + 2));
  EXPECT_FALSE(IsOpen(first + 3));
  EXPECT_TRUE(IsOpen(first + 4));
  close(first);
  close(first + 4);
}

TEST(CloseRangeTest, GapsAndASingleFdAreFine) {
  const int first = DupRange(LowestFreeFd() + 50, 1);
  ASSERT_THAT(first, SyscallSucceeds());
  ASSERT_THAT(dup2(STDERR_FILENO, first + 10), SyscallSucceeds());
  ASSERT_THAT(syscall(SYS_close_range, first, first + 20, 0), SyscallSucceeds());
  EXPECT_FALSE(IsOpen(first));
  EXPECT_FALSE(IsOpen(first + 10));
  const int single = DupRange(first, 1);
  ASSERT_THAT(syscall(SYS_close_range, single, single, 0), SyscallSucceeds());
  EXPECT_FALSE(IsOpen(single));
}

TEST(CloseRangeTest, CloexecMarksInsteadOfClosing) {
  const int first = DupRange(LowestFreeFd() + 50, 3);
  ASSERT_THAT(first, SyscallSucceeds());
  ASSERT_THAT(syscall(SYS_close_range, first, first + 1, CLOSE_RANGE_CLOEXEC), SyscallSucceeds());
  EXPECT_THAT(fcntl(first, F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
  EXPECT_THAT(fcntl(first + 1, F_GETFD), SyscallSucceedsWithValue(FD_CLOEXEC));
  EXPECT_THAT(fcntl(first + 2, F_GETFD), SyscallSucceedsWithValue(0));
  for (int i = 0; i < 3; ++i) close(first + i);
}

TEST(CloseRangeTest, BadArgumentsFailWithEinval) {
  const int first = DupRange(LowestFreeFd() + 50, 1);
  ASSERT_THAT(first, SyscallSucceeds());
  EXPECT_THAT(syscall(SYS_close_range, first, first - 1, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_close_range, first, first, 0x8), SyscallFailsWithErrno(EINVAL));
  EXPECT_TRUE(IsOpen(first));
  close(first);
}

}  // namespace
}  // namespace kekkai::syscall_test

// read(2), write(2), readv(2), writev(2), pread64(2), pwrite64(2) and lseek(2) on
// what a sandboxed program has without pipes or writable files: a read-only host
// file (/etc/os-release), a directory, /dev/null and the standard streams.
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/syscalls/util/file_descriptor.h"
#include "tests/syscalls/util/mapping.h"
#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kFile[] = "/etc/os-release";
// An address no user mapping can have: the kernel half of the address space.
void* const kKernelAddr = reinterpret_cast<void*>(0xffffffffff600000ULL);

// The whole of kFile, read through a separate descriptor.
std::string FileContents() {
  FileDescriptor fd(open(kFile, O_RDONLY));
  std::string s;
  char buf[512];
  ssize_t n;
  while (fd.valid() && (n = read(fd.get(), buf, sizeof(buf))) > 0) s.append(buf, n);
  return s;
}

class ReadWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
    struct stat st;
    ASSERT_THAT(fstat(file_.get(), &st), SyscallSucceeds());
    size_ = st.st_size;
    ASSERT_GT(size_, 16) << kFile << " is too small to test with";
    contents_ = FileContents();
    ASSERT_EQ(contents_.size(), static_cast<size_t>(size_));
  }

  FileDescriptor file_;
  off_t size_ = 0;
  std::string contents_;
};

TEST_F(ReadWriteTest, ReadReturnsTheFileFromItsStart) {
  char buf[16];
  ASSERT_THAT(read(file_.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(16));
  EXPECT_EQ(std::string(buf, 16), contents_.substr(0, 16));
  EXPECT_THAT(lseek(file_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(16));
}

TEST_F(ReadWriteTest, ReadsAdvanceTheOffsetAndEndWithZero) {
  std::string got;
  char buf[7];  // odd size: reads that end mid-file
  ssize_t n;
  while ((n = read(file_.get(), buf, sizeof(buf))) > 0) got.append(buf, n);
  EXPECT_THAT(n, SyscallSucceedsWithValue(0));
  EXPECT_EQ(got, contents_);
  EXPECT_THAT(contents_, HasSubstr("NAME="));
  // Still zero at EOF.
  EXPECT_THAT(read(file_.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(0));
}

TEST_F(ReadWriteTest, ReadMoreThanTheFileReturnsWhatIsThere) {
  std::vector<char> buf(size_ + 100);
  EXPECT_THAT(read(file_.get(), buf.data(), buf.size()), SyscallSucceedsWithValue(size_));
}

TEST_F(ReadWriteTest, ReadZeroBytesReturnsZeroAndKeepsTheOffset) {
  char buf[1];
  EXPECT_THAT(read(file_.get(), buf, 0), SyscallSucceedsWithValue(0));
  EXPECT_THAT(lseek(file_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(0));
}

TEST_F(ReadWriteTest, ReadZeroBytesIntoNullSucceeds) {
  EXPECT_THAT(read(file_.get(), nullptr, 0), SyscallSucceedsWithValue(0));
}

TEST(ReadTest, BadFdFailsWithEbadf) {
  char buf[1];
  EXPECT_THAT(read(-1, buf, 1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(read(INT_MAX, buf, 1), SyscallFailsWithErrno(EBADF));
}

TEST(ReadTest, ClosedFdFailsWithEbadf) {
  int fd = open(kFile, O_RDONLY);
  ASSERT_THAT(fd, SyscallSucceeds());
  ASSERT_THAT(close(fd), SyscallSucceeds());
  char buf[1];
  EXPECT_THAT(read(fd, buf, 1), SyscallFailsWithErrno(EBADF));
}

TEST(ReadTest, WriteOnlyFdFailsWithEbadf) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  char buf[1];
  EXPECT_THAT(read(fd.get(), buf, 1), SyscallFailsWithErrno(EBADF));
}

TEST(ReadTest, OPathFdFailsWithEbadf) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_PATH));
  char buf[1];
  EXPECT_THAT(read(fd.get(), buf, 1), SyscallFailsWithErrno(EBADF));
}

TEST(ReadTest, DirectoryFailsWithEisdir) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/usr", O_RDONLY | O_DIRECTORY));
  char buf[1];
  EXPECT_THAT(read(fd.get(), buf, 1), SyscallFailsWithErrno(EISDIR));
}

TEST_F(ReadWriteTest, ReadIntoBadBufferFailsWithEfaultAndKeepsTheOffset) {
  EXPECT_THAT(read(file_.get(), nullptr, 8), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(read(file_.get(), kKernelAddr, 8), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(lseek(file_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(0));
}

TEST_F(ReadWriteTest, ReadIntoReadOnlyMemoryFailsWithEfault) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, PROT_READ));
  EXPECT_THAT(read(file_.get(), m.ptr(), 8), SyscallFailsWithErrno(EFAULT));
}

TEST_F(ReadWriteTest, ReadHugeCountFailsWithEfault) {
  // The buffer can't be that big: the range check fails before anything is read.
  char buf[8];
  EXPECT_THAT(read(file_.get(), buf, SIZE_MAX), SyscallFailsWithErrno(EFAULT));
}

TEST_F(ReadWriteTest, ReadStoppingAtAnUnmappedPageReturnsAShortCount) {
  // Two pages, the second made inaccessible: a read spanning them fills the
  // first page's tail and reports just that.
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(2 * kPageSize, PROT_READ | PROT_WRITE));
  ASSERT_THAT(mprotect(m.bytes() + kPageSize, kPageSize, PROT_NONE), SyscallSucceeds());
  char* const dst = m.bytes() + kPageSize - 10;
  EXPECT_THAT(read(file_.get(), dst, 20), SyscallSucceedsWithValue(10));
  EXPECT_EQ(std::string(dst, 10), contents_.substr(0, 10));
  EXPECT_THAT(lseek(file_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(10));
}

TEST(WriteTest, DevNullSwallowsEverything) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  const char data[] = "kekkai";
  EXPECT_THAT(write(fd.get(), data, 6), SyscallSucceedsWithValue(6));
  std::vector<char> big(1 << 20, 'x');
  EXPECT_THAT(write(fd.get(), big.data(), big.size()), SyscallSucceedsWithValue(1 << 20));
}

TEST(WriteTest, ZeroBytesToStdoutReturnsZero) {
  EXPECT_THAT(write(STDOUT_FILENO, "", 0), SyscallSucceedsWithValue(0));
  EXPECT_THAT(write(STDERR_FILENO, nullptr, 0), SyscallSucceedsWithValue(0));
}

TEST(WriteTest, ToStderrReturnsTheCount) {
  const char msg[] = "write_test: a line on stderr\n";
  EXPECT_THAT(write(STDERR_FILENO, msg, sizeof(msg) - 1),
              SyscallSucceedsWithValue(sizeof(msg) - 1));
}

TEST(WriteTest, BadFdFailsWithEbadf) {
  EXPECT_THAT(write(-1, "x", 1), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(write(INT_MAX, "x", 1), SyscallFailsWithErrno(EBADF));
}

TEST(WriteTest, ReadOnlyFdFailsWithEbadf) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  EXPECT_THAT(write(fd.get(), "x", 1), SyscallFailsWithErrno(EBADF));
  FileDescriptor null_fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  EXPECT_THAT(write(null_fd.get(), "x", 1), SyscallFailsWithErrno(EBADF));
}

TEST(WriteTest, DirectoryFdFailsWithEbadf) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/usr", O_RDONLY | O_DIRECTORY));
  EXPECT_THAT(write(fd.get(), "x", 1), SyscallFailsWithErrno(EBADF));
}

TEST(WriteTest, HugeCountFailsWithEfault) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  EXPECT_THAT(write(fd.get(), "x", SIZE_MAX), SyscallFailsWithErrno(EFAULT));
}

TEST(DevNullTest, ReadReturnsEof) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDWR));
  char buf[8];
  EXPECT_THAT(read(fd.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(0));
}

// readv(2) and writev(2).

TEST_F(ReadWriteTest, ReadvScattersInOrder) {
  char a[3], b[5], c[4];
  struct iovec iov[] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}};
  ASSERT_THAT(readv(file_.get(), iov, 3), SyscallSucceedsWithValue(12));
  EXPECT_EQ(std::string(a, 3) + std::string(b, 5) + std::string(c, 4), contents_.substr(0, 12));
  EXPECT_THAT(lseek(file_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(12));
}

TEST_F(ReadWriteTest, ReadvSkipsEmptyIovecs) {
  char a[4], b[4];
  struct iovec iov[] = {{nullptr, 0}, {a, sizeof(a)}, {nullptr, 0}, {b, sizeof(b)}};
  ASSERT_THAT(readv(file_.get(), iov, 4), SyscallSucceedsWithValue(8));
  EXPECT_EQ(std::string(a, 4) + std::string(b, 4), contents_.substr(0, 8));
}

TEST_F(ReadWriteTest, ReadvStopsAtEof) {
  std::vector<char> a(size_ - 5), b(100);
  struct iovec iov[] = {{a.data(), a.size()}, {b.data(), b.size()}};
  ASSERT_THAT(readv(file_.get(), iov, 2), SyscallSucceedsWithValue(size_));
  EXPECT_EQ(std::string(b.data(), 5), contents_.substr(size_ - 5));
  EXPECT_THAT(readv(file_.get(), iov, 2), SyscallSucceedsWithValue(0));
}

TEST_F(ReadWriteTest, ReadvZeroIovecsReturnsZero) {
  EXPECT_THAT(readv(file_.get(), nullptr, 0), SyscallSucceedsWithValue(0));
}

TEST_F(ReadWriteTest, ReadvNegativeCountFailsWithEinval) {
  char a[4];
  struct iovec iov[] = {{a, sizeof(a)}};
  EXPECT_THAT(readv(file_.get(), iov, -1), SyscallFailsWithErrno(EINVAL));
}

TEST_F(ReadWriteTest, ReadvMoreThanIovMaxFailsWithEinval) {
  std::vector<struct iovec> iov(IOV_MAX + 1);
  char byte;
  for (auto& v : iov) v = {&byte, 1};
  EXPECT_THAT(readv(file_.get(), iov.data(), IOV_MAX + 1), SyscallFailsWithErrno(EINVAL));
}

TEST_F(ReadWriteTest, ReadvBadIovecArrayFailsWithEfault) {
  EXPECT_THAT(readv(file_.get(), nullptr, 1), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(readv(file_.get(), static_cast<const iovec*>(kKernelAddr), 1),
              SyscallFailsWithErrno(EFAULT));
}

TEST_F(ReadWriteTest, ReadvBadBufferFailsWithEfault) {
  struct iovec iov[] = {{nullptr, 8}};
  EXPECT_THAT(readv(file_.get(), iov, 1), SyscallFailsWithErrno(EFAULT));
}

TEST_F(ReadWriteTest, ReadvNegativeLengthFailsWithEinval) {
  char a[4];
  struct iovec iov[] = {{a, sizeof(a)}, {a, static_cast<size_t>(-1)}};
  EXPECT_THAT(readv(file_.get(), iov, 2), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(lseek(file_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(0));
}

TEST(WritevTest, GathersToDevNull) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  char a[] = "abc", b[] = "defgh";
  struct iovec iov[] = {{a, 3}, {nullptr, 0}, {b, 5}};
  EXPECT_THAT(writev(fd.get(), iov, 3), SyscallSucceedsWithValue(8));
}

TEST(WritevTest, ExactlyIovMaxIovecsIsAllowed) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  std::vector<struct iovec> iov(IOV_MAX);
  char byte = 'x';
  for (auto& v : iov) v = {&byte, 1};
  EXPECT_THAT(writev(fd.get(), iov.data(), IOV_MAX), SyscallSucceedsWithValue(IOV_MAX));
  EXPECT_THAT(writev(fd.get(), iov.data(), IOV_MAX + 1), SyscallFailsWithErrno(EINVAL));
}

TEST(WritevTest, ZeroIovecsReturnsZero) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  EXPECT_THAT(writev(fd.get(), nullptr, 0), SyscallSucceedsWithValue(0));
}

TEST(WritevTest, BadIovecArrayFailsWithEfault) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  EXPECT_THAT(writev(fd.get(), nullptr, 1), SyscallFailsWithErrno(EFAULT));
}

TEST(WritevTest, NegativeCountFailsWithEinval) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  char a[] = "x";
  struct iovec iov[] = {{a, 1}};
  EXPECT_THAT(writev(fd.get(), iov, -1), SyscallFailsWithErrno(EINVAL));
}

TEST(WritevTest, NegativeLengthFailsWithEinval) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  char a[] = "x";
  struct iovec iov[] = {{a, static_cast<size_t>(SSIZE_MAX) + 1}};
  EXPECT_THAT(writev(fd.get(), iov, 1), SyscallFailsWithErrno(EINVAL));
}

TEST(WritevTest, BadFdFailsWithEbadf) {
  char a[] = "x";
  struct iovec iov[] = {{a, 1}};
  EXPECT_THAT(writev(-1, iov, 1), SyscallFailsWithErrno(EBADF));
}

TEST(WritevTest, ToStderrReturnsTheTotal) {
  char a[] = "writev_test: ", b[] = "a line on stderr\n";
  struct iovec iov[] = {{a, strlen(a)}, {b, strlen(b)}};
  EXPECT_THAT(writev(STDERR_FILENO, iov, 2), SyscallSucceedsWithValue(strlen(a) + strlen(b)));
}

// pread64(2) and pwrite64(2).

TEST_F(ReadWriteTest, PreadReadsAtTheOffsetAndKeepsTheFileOffset) {
  char buf[5];
  ASSERT_THAT(pread(file_.get(), buf, sizeof(buf), 3), SyscallSucceedsWithValue(5));
  EXPECT_EQ(std::string(buf, 5), contents_.substr(3, 5));
  EXPECT_THAT(lseek(file_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(0));
  // And a later read starts where the offset was, not where pread read.
  ASSERT_THAT(read(file_.get(), buf, 2), SyscallSucceedsWithValue(2));
  EXPECT_EQ(std::string(buf, 2), contents_.substr(0, 2));
}

TEST_F(ReadWriteTest, PreadNearEofIsShort) {
  char buf[16];
  EXPECT_THAT(pread(file_.get(), buf, sizeof(buf), size_ - 4), SyscallSucceedsWithValue(4));
  EXPECT_EQ(std::string(buf, 4), contents_.substr(size_ - 4));
}

TEST_F(ReadWriteTest, PreadAtOrPastEofReturnsZero) {
  char buf[4];
  EXPECT_THAT(pread(file_.get(), buf, sizeof(buf), size_), SyscallSucceedsWithValue(0));
  EXPECT_THAT(pread(file_.get(), buf, sizeof(buf), size_ + 12345), SyscallSucceedsWithValue(0));
}

TEST_F(ReadWriteTest, PreadWhoseEndOverflowsFailsWithEinval) {
  char buf[4];
  // offset + count past INT64_MAX.
  EXPECT_THAT(pread(file_.get(), buf, sizeof(buf), INT64_MAX - 1), SyscallFailsWithErrno(EINVAL));
}

TEST_F(ReadWriteTest, PreadNegativeOffsetFailsWithEinval) {
  char buf[4];
  EXPECT_THAT(pread(file_.get(), buf, sizeof(buf), -1), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(pread(file_.get(), buf, sizeof(buf), INT64_MIN), SyscallFailsWithErrno(EINVAL));
}

TEST_F(ReadWriteTest, PreadBadBufferFailsWithEfault) {
  EXPECT_THAT(pread(file_.get(), nullptr, 4, 0), SyscallFailsWithErrno(EFAULT));
}

TEST(PreadTest, BadFdFailsWithEbadf) {
  char buf[4];
  EXPECT_THAT(pread(-1, buf, sizeof(buf), 0), SyscallFailsWithErrno(EBADF));
}

TEST(PreadTest, WriteOnlyFdFailsWithEbadf) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  char buf[4];
  EXPECT_THAT(pread(fd.get(), buf, sizeof(buf), 0), SyscallFailsWithErrno(EBADF));
}

TEST(PreadTest, DirectoryFailsWithEisdir) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/usr", O_RDONLY | O_DIRECTORY));
  char buf[4];
  EXPECT_THAT(pread(fd.get(), buf, sizeof(buf), 0), SyscallFailsWithErrno(EISDIR));
}

TEST(PwriteTest, DevNullAcceptsAnyOffset) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  EXPECT_THAT(pwrite(fd.get(), "abc", 3, 0), SyscallSucceedsWithValue(3));
  EXPECT_THAT(pwrite(fd.get(), "abc", 3, 1 << 30), SyscallSucceedsWithValue(3));
}

TEST(PwriteTest, NegativeOffsetFailsWithEinval) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_WRONLY));
  EXPECT_THAT(pwrite(fd.get(), "abc", 3, -1), SyscallFailsWithErrno(EINVAL));
}

TEST(PwriteTest, ReadOnlyFdFailsWithEbadf) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  EXPECT_THAT(pwrite(fd.get(), "abc", 3, 0), SyscallFailsWithErrno(EBADF));
}

TEST(PwriteTest, BadFdFailsWithEbadf) {
  EXPECT_THAT(pwrite(-1, "abc", 3, 0), SyscallFailsWithErrno(EBADF));
}

// lseek(2).

TEST_F(ReadWriteTest, LseekSetCurEnd) {
  EXPECT_THAT(lseek(file_.get(), 5, SEEK_SET), SyscallSucceedsWithValue(5));
  EXPECT_THAT(lseek(file_.get(), 3, SEEK_CUR), SyscallSucceedsWithValue(8));
  EXPECT_THAT(lseek(file_.get(), -2, SEEK_CUR), SyscallSucceedsWithValue(6));
  EXPECT_THAT(lseek(file_.get(), 0, SEEK_END), SyscallSucceedsWithValue(size_));
  EXPECT_THAT(lseek(file_.get(), -1, SEEK_END), SyscallSucceedsWithValue(size_ - 1));
  char c;
  ASSERT_THAT(read(file_.get(), &c, 1), SyscallSucceedsWithValue(1));
  EXPECT_EQ(c, contents_.back());
}

TEST_F(ReadWriteTest, LseekThenReadReadsFromThere) {
  ASSERT_THAT(lseek(file_.get(), 7, SEEK_SET), SyscallSucceedsWithValue(7));
  char buf[4];
  ASSERT_THAT(read(file_.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(4));
  EXPECT_EQ(std::string(buf, 4), contents_.substr(7, 4));
}

TEST_F(ReadWriteTest, LseekPastEofIsAllowedAndReadsReturnZero) {
  EXPECT_THAT(lseek(file_.get(), size_ + 1000, SEEK_SET), SyscallSucceedsWithValue(size_ + 1000));
  char c;
  EXPECT_THAT(read(file_.get(), &c, 1), SyscallSucceedsWithValue(0));
}

TEST_F(ReadWriteTest, LseekToANegativeOffsetFailsWithEinvalAndKeepsTheOffset) {
  ASSERT_THAT(lseek(file_.get(), 4, SEEK_SET), SyscallSucceedsWithValue(4));
  EXPECT_THAT(lseek(file_.get(), -1, SEEK_SET), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(lseek(file_.get(), -5, SEEK_CUR), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(lseek(file_.get(), -(size_ + 1), SEEK_END), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(lseek(file_.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(4));
}

TEST_F(ReadWriteTest, LseekBadWhenceFailsWithEinval) {
  EXPECT_THAT(lseek(file_.get(), 0, 5), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(lseek(file_.get(), 0, -1), SyscallFailsWithErrno(EINVAL));
}

TEST_F(ReadWriteTest, LseekDataAndHoleOnAFileWithoutHoles) {
  EXPECT_THAT(lseek(file_.get(), 0, SEEK_DATA), SyscallSucceedsWithValue(0));
  EXPECT_THAT(lseek(file_.get(), 3, SEEK_DATA), SyscallSucceedsWithValue(3));
  EXPECT_THAT(lseek(file_.get(), 0, SEEK_HOLE), SyscallSucceedsWithValue(size_));
  EXPECT_THAT(lseek(file_.get(), size_, SEEK_DATA), SyscallFailsWithErrno(ENXIO));
  EXPECT_THAT(lseek(file_.get(), size_, SEEK_HOLE), SyscallFailsWithErrno(ENXIO));
}

TEST(LseekTest, BadFdFailsWithEbadf) {
  EXPECT_THAT(lseek(-1, 0, SEEK_SET), SyscallFailsWithErrno(EBADF));
}

TEST(LseekTest, DevNullAlwaysSeeksToZero) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDWR));
  EXPECT_THAT(lseek(fd.get(), 100, SEEK_SET), SyscallSucceedsWithValue(0));
  EXPECT_THAT(lseek(fd.get(), 100, SEEK_CUR), SyscallSucceedsWithValue(0));
  EXPECT_THAT(lseek(fd.get(), 0, SEEK_END), SyscallSucceedsWithValue(0));
}

TEST(LseekTest, DirectoryRewindsToZero) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/usr", O_RDONLY | O_DIRECTORY));
  EXPECT_THAT(lseek(fd.get(), 0, SEEK_SET), SyscallSucceedsWithValue(0));
}

TEST(LseekTest, OffsetIsSharedByDuplicates) {
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  FileDescriptor dup_fd = ASSERT_NO_ERRNO_AND_VALUE(Dup(fd.get()));
  char buf[6];
  ASSERT_THAT(read(fd.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(6));
  EXPECT_THAT(lseek(dup_fd.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(6));
  // Opening again makes a new file description with its own offset.
  FileDescriptor other = ASSERT_NO_ERRNO_AND_VALUE(Open(kFile, O_RDONLY));
  EXPECT_THAT(lseek(other.get(), 0, SEEK_CUR), SyscallSucceedsWithValue(0));
}

}  // namespace
}  // namespace kekkai::syscall_test

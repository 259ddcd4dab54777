// Mappings of regular files kept coherent with read(2)/write(2), truncation and
// msync(2). The files live in a fresh directory under $KEKKAI_TEST_DIR (/tmp
// when unset): meson registers the sandboxed run with a --volume there, so
// under kekkai the files are host files served by the gofer (the page cache of
// fs/gofer/file_cache.h), natively whatever filesystem the build folder is on.
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "tests/syscalls/util/fault_probe.h"
#include "tests/syscalls/util/file_descriptor.h"
#include "tests/syscalls/util/mapping.h"
#include "tests/syscalls/util/scratch_dir.h"
#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {
namespace {

off_t SizeOf(int fd) {
  struct stat st = {};
  EXPECT_THAT(fstat(fd, &st), SyscallSucceeds());
  return st.st_size;
}

class MmapFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = getenv("KEKKAI_TEST_DIR");
    std::string tmpl =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/kekkai_mmap_file_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << tmpl << ": " << strerror(errno);
    dir_ = tmpl;
    fd_ = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR | O_CREAT | O_EXCL, 0644));
  }
  void TearDown() override {
    fd_.reset();
    if (!dir_.empty()) {
      EXPECT_EQ(RemoveTree(dir_), 0);
    }
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // Replaces the file's contents with `data`.
  void Fill(const std::string& data) {
    ASSERT_THAT(ftruncate(fd_.get(), 0), SyscallSucceeds());
    ASSERT_THAT(pwrite(fd_.get(), data.data(), data.size(), 0),
                SyscallSucceedsWithValue(static_cast<ssize_t>(data.size())));
  }

  std::string dir_;
  FileDescriptor fd_;
};

// ---- Coherence of MAP_SHARED with read(2) and write(2). ----

TEST_F(MmapFileTest, SharedMappingWritesAreReadAtOnce) {
  Fill(std::string(2 * kPageSize, 'a'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(2 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  memcpy(m.bytes() + kPageSize - 3, "across", 6);
  EXPECT_EQ(PreadString(fd_.get(), 6, kPageSize - 3), "across");
  // Through another description of the file too, and read(2) at the offset.
  FileDescriptor other = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  ASSERT_THAT(lseek(other.get(), kPageSize - 3, SEEK_SET), SyscallSucceeds());
  char buf[6];
  ASSERT_THAT(read(other.get(), buf, sizeof(buf)), SyscallSucceedsWithValue(6));
  EXPECT_EQ(std::string(buf, 6), "across");
}

TEST_F(MmapFileTest, WritesAreSeenThroughSharedMappings) {
  Fill(std::string(2 * kPageSize, 'a'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapFile(2 * kPageSize, PROT_READ, MAP_SHARED, fd_.get()));
  EXPECT_EQ(m.bytes()[kPageSize], 'a');
  ASSERT_THAT(pwrite(fd_.get(), "written", 7, kPageSize - 2), SyscallSucceedsWithValue(7));
  EXPECT_EQ(std::string(m.bytes() + kPageSize - 2, 7), "written");
  // And by a write(2) through another description.
  FileDescriptor other = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY | O_APPEND));
  ASSERT_THAT(write(other.get(), "tail", 4), SyscallSucceedsWithValue(4));
  EXPECT_EQ(SizeOf(fd_.get()), static_cast<off_t>(2 * kPageSize + 4));
}

TEST_F(MmapFileTest, TwoSharedMappingsSeeEachOther) {
  Fill(std::string(kPageSize, 'a'));
  FileDescriptor other = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR));
  Mapping a =
      ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  Mapping b = ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ, MAP_SHARED, other.get()));
  a.bytes()[100] = 'Z';
  EXPECT_EQ(b.bytes()[100], 'Z');
}

TEST_F(MmapFileTest, HardLinksShareTheData) {
  Fill(std::string(kPageSize, 'a'));
  ASSERT_THAT(link(Path("f").c_str(), Path("g").c_str()), SyscallSucceeds());
  Mapping m =
      ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  FileDescriptor g = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("g"), O_RDWR));
  ASSERT_THAT(pwrite(g.get(), "via g", 5, 10), SyscallSucceedsWithValue(5));
  EXPECT_EQ(std::string(m.bytes() + 10, 5), "via g");
  memcpy(m.bytes() + 20, "via f", 5);
  EXPECT_EQ(PreadString(g.get(), 5, 20), "via f");
}

TEST_F(MmapFileTest, WriteExtendingTheFileMakesMappedPagesReachable) {
  Fill(std::string(kPageSize, 'a'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapFile(2 * kPageSize, PROT_READ, MAP_SHARED, fd_.get()));
  EXPECT_EQ(ProbeRead(m.bytes() + kPageSize).signo, SIGBUS);
  ASSERT_THAT(pwrite(fd_.get(), "more", 4, kPageSize + 8), SyscallSucceedsWithValue(4));
  char c = 0;
  ASSERT_FALSE(ProbeRead(m.bytes() + kPageSize + 8, &c).faulted);
  EXPECT_EQ(std::string(m.bytes() + kPageSize, 12), std::string(8, '\0') + "more");
}

// ---- MAP_PRIVATE: copy-on-write over the file. ----

TEST_F(MmapFileTest, PrivateMappingSeesWritesUntilItWritesThePage) {
  Fill(std::string(2 * kPageSize, 'a'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(2 * kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_.get()));
  EXPECT_EQ(m.bytes()[0], 'a');
  ASSERT_THAT(pwrite(fd_.get(), "b", 1, 0), SyscallSucceeds());
  EXPECT_EQ(m.bytes()[0], 'b');
  m.bytes()[1] = 'P';  // The first page is the mapping's own from now on.
  ASSERT_THAT(pwrite(fd_.get(), "cc", 2, 0), SyscallSucceeds());
  EXPECT_EQ(std::string(m.bytes(), 2), "bP");
  EXPECT_EQ(PreadString(fd_.get(), 2, 0), "cc");
  // The second page still follows the file.
  ASSERT_THAT(pwrite(fd_.get(), "d", 1, kPageSize), SyscallSucceeds());
  EXPECT_EQ(m.bytes()[kPageSize], 'd');
  ASSERT_THAT(msync(m.ptr(), m.len(), MS_SYNC), SyscallSucceeds());
  EXPECT_EQ(PreadString(fd_.get(), 2, 0), "cc");
}

TEST_F(MmapFileTest, PrivateMappingSeesWritesThroughASharedOne) {
  Fill(std::string(kPageSize, 'a'));
  Mapping priv = ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ, MAP_PRIVATE, fd_.get()));
  Mapping shared =
      ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  EXPECT_EQ(priv.bytes()[7], 'a');
  shared.bytes()[7] = 's';
  EXPECT_EQ(priv.bytes()[7], 's');
}

// ---- Size and the end of the file. ----

TEST_F(MmapFileTest, WritesThroughAMappingNeverChangeTheSize) {
  Fill(std::string(100, 'a'));
  Mapping m =
      ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  // Bytes of the last page past the end read as zero and may be written.
  EXPECT_EQ(m.bytes()[100], '\0');
  EXPECT_EQ(m.bytes()[kPageSize - 1], '\0');
  memcpy(m.bytes() + 96, "overflow", 8);
  ASSERT_THAT(msync(m.ptr(), m.len(), MS_SYNC), SyscallSucceeds());
  EXPECT_EQ(SizeOf(fd_.get()), 100);
  EXPECT_EQ(PreadString(fd_.get(), 200, 0), std::string(96, 'a') + "over");
  m.reset();
  EXPECT_EQ(SizeOf(fd_.get()), 100);
}

TEST_F(MmapFileTest, PagesWhollyPastTheEndFaultWithSigbus) {
  Fill(std::string(kPageSize + 1, 'a'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(4 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  char c = 0;
  ASSERT_FALSE(ProbeRead(m.bytes() + kPageSize + 1, &c).faulted);
  EXPECT_EQ(c, '\0');
  const Fault f = ProbeWrite(m.bytes() + 2 * kPageSize, 'x');
  EXPECT_EQ(f.signo, SIGBUS);
  EXPECT_EQ(f.addr, m.addr() + 2 * kPageSize);
  EXPECT_EQ(ProbeRead(m.bytes() + 4 * kPageSize - 1).signo, SIGBUS);
  EXPECT_EQ(SizeOf(fd_.get()), static_cast<off_t>(kPageSize + 1));
}

TEST_F(MmapFileTest, OffsetPastTheEndMapsButFaultsWithSigbus) {
  Fill(std::string(kPageSize, 'a'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 64 * kPageSize));
  EXPECT_EQ(ProbeRead(m.bytes()).signo, SIGBUS);
  EXPECT_EQ(ProbeWrite(m.bytes(), 'x').signo, SIGBUS);
  EXPECT_EQ(SizeOf(fd_.get()), static_cast<off_t>(kPageSize));
}

TEST_F(MmapFileTest, TruncationDropsMappedPagesPastTheNewEnd) {
  Fill(std::string(3 * kPageSize, 'a'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(3 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  Mapping priv = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(3 * kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_.get()));
  m.bytes()[2 * kPageSize] = 'm';
  priv.bytes()[2 * kPageSize] = 'p';
  EXPECT_EQ(m.bytes()[kPageSize + 200], 'a');
  ASSERT_THAT(ftruncate(fd_.get(), kPageSize + 100), SyscallSucceeds());
  // The tail of the new last page reads as zero, through the mapping too.
  EXPECT_EQ(m.bytes()[kPageSize + 99], 'a');
  EXPECT_EQ(m.bytes()[kPageSize + 100], '\0');
  EXPECT_EQ(m.bytes()[kPageSize + 200], '\0');
  EXPECT_EQ(ProbeRead(m.bytes() + 2 * kPageSize).signo, SIGBUS);
  // Private copies past the end go too.
  EXPECT_EQ(ProbeRead(priv.bytes() + 2 * kPageSize).signo, SIGBUS);
  // Growing again brings zeros, not the old data.
  ASSERT_THAT(ftruncate(fd_.get(), 3 * kPageSize), SyscallSucceeds());
  char c = 1;
  ASSERT_FALSE(ProbeRead(m.bytes() + 2 * kPageSize, &c).faulted);
  EXPECT_EQ(c, '\0');
  EXPECT_EQ(PreadString(fd_.get(), 2, 2 * kPageSize), std::string(2, '\0'));
  // truncate(2) by name too.
  ASSERT_THAT(truncate(Path("f").c_str(), 0), SyscallSucceeds());
  EXPECT_EQ(ProbeRead(m.bytes()).signo, SIGBUS);
}

TEST_F(MmapFileTest, OpenWithOTruncDropsMappedPages) {
  Fill(std::string(kPageSize, 'a'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ, MAP_SHARED, fd_.get()));
  EXPECT_EQ(m.bytes()[0], 'a');
  FileDescriptor t = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY | O_TRUNC));
  EXPECT_EQ(ProbeRead(m.bytes()).signo, SIGBUS);
  ASSERT_THAT(write(t.get(), "new", 3), SyscallSucceedsWithValue(3));
  EXPECT_EQ(std::string(m.bytes(), 4), std::string("new") + '\0');
}

TEST_F(MmapFileTest, PunchedHoleReadsAsZerosThroughTheMapping) {
  Fill(std::string(3 * kPageSize, 'a'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapFile(3 * kPageSize, PROT_READ, MAP_SHARED, fd_.get()));
  EXPECT_EQ(m.bytes()[kPageSize], 'a');
  const int r = fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, kPageSize - 10,
                          kPageSize + 20);
  if (r != 0 && errno == EOPNOTSUPP) GTEST_SKIP() << "no hole punching on this filesystem";
  ASSERT_THAT(r, SyscallSucceeds());
  EXPECT_EQ(m.bytes()[kPageSize - 11], 'a');
  EXPECT_EQ(m.bytes()[kPageSize - 10], '\0');
  EXPECT_EQ(m.bytes()[2 * kPageSize + 9], '\0');
  EXPECT_EQ(m.bytes()[2 * kPageSize + 10], 'a');
}

// ---- Permissions. ----

TEST_F(MmapFileTest, WritableSharedMappingNeedsAWritableDescription) {
  Fill(std::string(kPageSize, 'a'));
  FileDescriptor ro = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  EXPECT_THAT(mmap(nullptr, kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, ro.get(), 0),
              SyscallFailsWithErrno(EACCES));
  Mapping shared = ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ, MAP_SHARED, ro.get()));
  EXPECT_THAT(mprotect(shared.ptr(), kPageSize, PROT_READ | PROT_WRITE),
              SyscallFailsWithErrno(EACCES));
  // A private mapping may always be written; the file doesn't change.
  Mapping priv =
      ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro.get()));
  priv.bytes()[0] = 'p';
  EXPECT_EQ(PreadString(fd_.get(), 1, 0), "a");
  FileDescriptor wo = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_WRONLY));
  EXPECT_THAT(mmap(nullptr, kPageSize, PROT_READ, MAP_SHARED, wo.get(), 0),
              SyscallFailsWithErrno(EACCES));
}

TEST_F(MmapFileTest, MprotectToWritableThenWriteReachesTheFile) {
  Fill(std::string(kPageSize, 'a'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ, MAP_SHARED, fd_.get()));
  EXPECT_EQ(m.bytes()[0], 'a');
  ASSERT_THAT(mprotect(m.ptr(), kPageSize, PROT_READ | PROT_WRITE), SyscallSucceeds());
  m.bytes()[0] = 'w';
  m.reset();
  fd_.reset();
  FileDescriptor again = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  EXPECT_EQ(PreadString(again.get(), 2, 0), "wa");
}

// ---- Write-back: msync(2), fsync(2), munmap(2), close(2). ----

TEST_F(MmapFileTest, DataWrittenThroughAMappingOutlivesItAndTheDescription) {
  Fill(std::string(2 * kPageSize, 'a'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(2 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  fd_.reset();  // The mapping keeps the file.
  memcpy(m.bytes() + 10, "kept", 4);
  m.reset();
  FileDescriptor again = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDONLY));
  EXPECT_EQ(PreadString(again.get(), 6, 9), "akepta");
  EXPECT_EQ(SizeOf(again.get()), static_cast<off_t>(2 * kPageSize));
}

TEST_F(MmapFileTest, MsyncAndFsyncSucceedOnSharedMappings) {
  Fill(std::string(2 * kPageSize, 'a'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(2 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  m.bytes()[0] = '1';
  EXPECT_THAT(msync(m.ptr(), kPageSize, MS_ASYNC), SyscallSucceeds());
  m.bytes()[1] = '2';
  EXPECT_THAT(msync(m.ptr(), m.len(), MS_SYNC), SyscallSucceeds());
  m.bytes()[2] = '3';
  EXPECT_THAT(fsync(fd_.get()), SyscallSucceeds());
  m.bytes()[3] = '4';
  EXPECT_THAT(fdatasync(fd_.get()), SyscallSucceeds());
  // Unaligned length: rounded up.
  EXPECT_THAT(msync(m.ptr(), 1, MS_SYNC), SyscallSucceeds());
  EXPECT_EQ(PreadString(fd_.get(), 5, 0), "1234a");
}

TEST_F(MmapFileTest, MsyncInvalidateKeepsWhatWasWritten) {
  Fill(std::string(kPageSize, 'a'));
  Mapping m =
      ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  m.bytes()[0] = 'i';
  EXPECT_THAT(msync(m.ptr(), m.len(), MS_INVALIDATE), SyscallSucceeds());
  EXPECT_EQ(m.bytes()[0], 'i');
  EXPECT_THAT(msync(m.ptr(), m.len(), MS_SYNC | MS_INVALIDATE), SyscallSucceeds());
  EXPECT_EQ(m.bytes()[0], 'i');
  EXPECT_EQ(PreadString(fd_.get(), 2, 0), "ia");
  ASSERT_THAT(pwrite(fd_.get(), "j", 1, 0), SyscallSucceeds());
  EXPECT_THAT(msync(m.ptr(), m.len(), MS_INVALIDATE), SyscallSucceeds());
  EXPECT_EQ(m.bytes()[0], 'j');
}

TEST_F(MmapFileTest, AppendOnlyDescriptionsMapWritableAndWriteBackInPlace) {
  Fill(std::string(kPageSize, 'a'));
  FileDescriptor app = ASSERT_NO_ERRNO_AND_VALUE(Open(Path("f"), O_RDWR | O_APPEND));
  Mapping m =
      ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, app.get()));
  memcpy(m.bytes() + 4, "here", 4);
  ASSERT_THAT(msync(m.ptr(), m.len(), MS_SYNC), SyscallSucceeds());
  m.reset();
  EXPECT_EQ(SizeOf(app.get()), static_cast<off_t>(kPageSize));
  EXPECT_EQ(PreadString(fd_.get(), 10, 2), "aahereaaaa");
}

// ---- msync(2) arguments. ----

TEST_F(MmapFileTest, MsyncRejectsBadArguments) {
  Fill(std::string(kPageSize, 'a'));
  Mapping m =
      ASSERT_NO_ERRNO_AND_VALUE(MmapFile(kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  EXPECT_THAT(msync(m.bytes() + 1, 1, MS_SYNC), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(msync(m.ptr(), m.len(), MS_SYNC | MS_ASYNC), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(msync(m.ptr(), m.len(), 8), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(msync(m.ptr(), m.len(), -1), SyscallFailsWithErrno(EINVAL));
  // Flags are checked before the address.
  EXPECT_THAT(msync(m.bytes() + 1, 1, MS_SYNC | MS_ASYNC), SyscallFailsWithErrno(EINVAL));
  // A zero length is nothing to do, wherever it is.
  EXPECT_THAT(msync(m.ptr(), 0, MS_SYNC), SyscallSucceeds());
  // A length that wraps around.
  EXPECT_THAT(msync(m.ptr(), SIZE_MAX - kPageSize, MS_SYNC), SyscallFailsWithErrno(ENOMEM));
}

TEST_F(MmapFileTest, MsyncOfUnmappedMemoryFailsWithEnomemAfterSyncingTheRest) {
  Fill(std::string(2 * kPageSize, 'a'));
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(3 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  ASSERT_THAT(munmap(m.bytes() + 2 * kPageSize, kPageSize), SyscallSucceeds());
  m.bytes()[0] = 'x';
  EXPECT_THAT(msync(m.ptr(), 3 * kPageSize, MS_SYNC), SyscallFailsWithErrno(ENOMEM));
  EXPECT_EQ(PreadString(fd_.get(), 2, 0), "xa");
  EXPECT_THAT(msync(m.bytes() + 2 * kPageSize, kPageSize, MS_SYNC), SyscallFailsWithErrno(ENOMEM));
  void* start = m.ptr();
  m.release();
  ASSERT_THAT(munmap(start, 2 * kPageSize), SyscallSucceeds());
}

TEST_F(MmapFileTest, MsyncOfAnonymousAndPrivateMemorySucceeds) {
  Mapping anon = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(kPageSize, PROT_READ | PROT_WRITE));
  EXPECT_THAT(msync(anon.ptr(), anon.len(), MS_SYNC), SyscallSucceeds());
  EXPECT_THAT(msync(anon.ptr(), anon.len(), MS_ASYNC | MS_INVALIDATE), SyscallSucceeds());
  Fill(std::string(kPageSize, 'a'));
  Mapping priv = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_.get()));
  priv.bytes()[0] = 'p';
  EXPECT_THAT(msync(priv.ptr(), priv.len(), MS_SYNC), SyscallSucceeds());
  EXPECT_EQ(PreadString(fd_.get(), 1, 0), "a");
}

// ---- Hostile sizes. ----

TEST_F(MmapFileTest, HugeMappingsOfASmallFileAreRefusedOrFault) {
  Fill("small");
  EXPECT_THAT(mmap(nullptr, SIZE_MAX - kPageSize, PROT_READ, MAP_SHARED, fd_.get(), 0),
              SyscallFailsWithErrno(ENOMEM));
  // A mapping may not reach past the largest file size.
  EXPECT_THAT(mmap(nullptr, 2 * kPageSize, PROT_READ, MAP_SHARED, fd_.get(),
                   static_cast<off_t>(INT64_MAX & ~(kPageSize - 1))),
              SyscallFailsWithErrno(EOVERFLOW));
  Mapping last = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(kPageSize, PROT_READ, MAP_SHARED, fd_.get(),
               static_cast<off_t>((INT64_MAX & ~(kPageSize - 1)) - kPageSize)));
  EXPECT_EQ(ProbeRead(last.bytes()).signo, SIGBUS);
  Mapping big = ASSERT_NO_ERRNO_AND_VALUE(
      MmapFile(1024 * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get()));
  EXPECT_EQ(std::string(big.bytes(), 6), std::string("small") + '\0');
  EXPECT_EQ(ProbeWrite(big.bytes() + 1000 * kPageSize, 'x').signo, SIGBUS);
  // The kernel copying into or out of pages past the end fails cleanly.
  EXPECT_THAT(write(fd_.get(), big.bytes() + 512 * kPageSize, 10), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(pread(fd_.get(), big.bytes() + 512 * kPageSize, 5, 0), SyscallFailsWithErrno(EFAULT));
  EXPECT_EQ(SizeOf(fd_.get()), 5);
}

}  // namespace
}  // namespace kekkai::syscall_test

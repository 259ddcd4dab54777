#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "sentry/usermem/vector_memory.h"

#include "fs/dev/dev_fs.h"
#include "fs/dev/mem_device.h"

namespace kekkai::fs::dev {
namespace {

// Returns the error of `r`, or Errno(0) if it holds a value (never aborts).
template <typename T>
Errno ErrorOf(const Result<T>& r) {
  return r.ok() ? Errno(0) : r.error();
}

using sentry::usermem::GuestRange;
using sentry::usermem::IoSequence;

using sentry::usermem::VectorMemory;

constexpr uint64_t kDevice = 0x1234;

DevOptions Options() {
  DevOptions o;
  o.device = kDevice;
  return o;
}

// Returns the stat of /dev/`name`.
Result<abi::linux::Stat> StatOf(const DevFs& dev, std::string_view name) {
  ASSIGN_OR_RETURN(vfs::InodeRef inode, dev.root->Lookup(name));
  return inode->Stat();
}

// Opens /dev/`name`.
Result<vfs::FileRef> OpenDev(const DevFs& dev, std::string_view name, uint32_t flags) {
  ASSIGN_OR_RETURN(vfs::InodeRef inode, dev.root->Lookup(name));
  return inode->Open(flags);
}

TEST(DevFsTest, DeviceStatsAreLinuxs) {
  DevFs dev = NewDevFs(Options());
  struct Want {
    const char* name;
    unsigned major, minor;
  };
  const Want wants[] = {{"null", 1, 3},    {"zero", 1, 5},    {"full", 1, 7},
                        {"random", 1, 8},  {"urandom", 1, 9}, {"tty", 5, 0}};
  std::vector<uint64_t> inos;
  for (const Want& w : wants) {
    SCOPED_TRACE(w.name);
    Result<abi::linux::Stat> st = StatOf(dev, w.name);
    ASSERT_TRUE(st.ok());
    EXPECT_TRUE(S_ISCHR(st->mode));
    EXPECT_EQ(st->mode & 07777, 0666u);
    // glibc's makedev is the reference encoding.
    EXPECT_EQ(st->rdev, makedev(w.major, w.minor));
    EXPECT_EQ(st->dev, kDevice);
    inos.push_back(st->ino);
  }
  std::sort(inos.begin(), inos.end());
  EXPECT_EQ(std::adjacent_find(inos.begin(), inos.end()), inos.end()) << "inode numbers repeat";
  const abi::linux::Stat root = *dev.root->Stat();
  EXPECT_TRUE(S_ISDIR(root.mode));
  EXPECT_EQ(root.mode & 07777, 0755u);
  EXPECT_EQ(std::find(inos.begin(), inos.end(), root.ino), inos.end());
}

TEST(DevFsTest, MakeDevMatchesGlibc) {
  EXPECT_EQ(MakeDev(1, 3), makedev(1, 3));
  EXPECT_EQ(MakeDev(259, 70000), makedev(259, 70000));
  EXPECT_EQ(MakeDev(0x12345, 0x6789a), makedev(0x12345, 0x6789a));
}

TEST(DevFsTest, StdioSymlinks) {
  DevFs dev = NewDevFs(Options());
  const auto link = [&](std::string_view name) { return *(*dev.root->Lookup(name))->Readlink(); };
  EXPECT_EQ(link("stdin"), "/proc/self/fd/0");
  EXPECT_EQ(link("stdout"), "/proc/self/fd/1");
  EXPECT_EQ(link("stderr"), "/proc/self/fd/2");
  EXPECT_EQ(link("fd"), "/proc/self/fd");
  Result<abi::linux::Stat> st = StatOf(dev, "stdout");
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(S_ISLNK(st->mode));
  EXPECT_EQ(st->size, static_cast<int64_t>(std::strlen("/proc/self/fd/1")));
  EXPECT_EQ(ErrorOf((*dev.root->Lookup("null"))->Readlink()), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(dev.root->Lookup("tty0")), Errno(ENOENT));
  EXPECT_EQ(ErrorOf((*dev.root->Lookup("tty"))->Open(O_RDWR)), Errno(ENXIO));
  std::vector<std::string> names;
  Result<std::vector<vfs::DirEntry>> listed = dev.root->ReadDir();
  ASSERT_TRUE(listed.ok());
  for (const vfs::DirEntry& e : *listed) names.push_back(e.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"fd", "full", "null", "pts", "random", "shm",
                                             "stderr", "stdin", "stdout", "tty", "urandom",
                                             "zero"}));
}

TEST(DevFsTest, DevicesOpenThroughTheirNodes) {
  DevFs dev = NewDevFs(Options());
  Result<vfs::FileRef> f = (*dev.root->Lookup("zero"))->Open(O_RDONLY);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(static_cast<MemDevice&>(**f).kind(), MemDeviceKind::kZero);
}

TEST(MemDeviceTest, NullReadsNothingAndSwallowsWrites) {
  DevFs dev = NewDevFs(Options());
  vfs::FileRef f = *OpenDev(dev, "null", O_RDWR);
  VectorMemory mem(64);
  IoSequence rd(mem, {{GuestAddr(VectorMemory::kBase), 64}});
  EXPECT_EQ(*f->Read(rd, std::nullopt), 0u);
  EXPECT_EQ(mem.bytes()[0], std::byte{0xaa});
  // Linux's write_null never touches the buffer: even an unmapped one "succeeds".
  IoSequence wr(mem, {{GuestAddr(0xdead0000), 1 << 20}});
  EXPECT_EQ(*f->Write(wr, std::nullopt), size_t{1} << 20);
  EXPECT_EQ(wr.remaining(), 0u);
  EXPECT_EQ(f->path(), "/dev/null");
}

TEST(MemDeviceTest, ZeroAndFullReadZeros) {
  DevFs dev = NewDevFs(Options());
  for (const char* name : {"zero", "full"}) {
    SCOPED_TRACE(name);
    vfs::FileRef f = *OpenDev(dev, name, O_RDWR);
    VectorMemory mem(100000);
    IoSequence rd(mem, {{GuestAddr(VectorMemory::kBase), 100000}});
    EXPECT_EQ(*f->Read(rd, std::nullopt), 100000u);
    EXPECT_TRUE(std::all_of(mem.bytes().begin(), mem.bytes().end(),
                            [](std::byte b) { return b == std::byte{0}; }));
  }
  VectorMemory mem(16);
  IoSequence wr(mem, {{GuestAddr(VectorMemory::kBase), 16}});
  EXPECT_EQ(ErrorOf(OpenDev(dev, "full", O_WRONLY).value()->Write(wr, std::nullopt)), Errno(ENOSPC));
  IoSequence wz(mem, {{GuestAddr(VectorMemory::kBase), 16}});
  EXPECT_EQ(*OpenDev(dev, "zero", O_WRONLY).value()->Write(wz, std::nullopt), 16u);
}

TEST(MemDeviceTest, ReadStopsAtAGuestFault) {
  DevFs dev = NewDevFs(Options());
  vfs::FileRef f = *OpenDev(dev, "zero", O_RDONLY);
  VectorMemory mem(100);
  // 60 mapped bytes, then the buffer runs off the end of guest memory.
  IoSequence rd(mem, {{GuestAddr(VectorMemory::kBase + 40), 200}});
  EXPECT_EQ(*f->Read(rd, std::nullopt), 60u);
  IoSequence bad(mem, {{GuestAddr(0x1000), 10}});
  EXPECT_EQ(ErrorOf(f->Read(bad, std::nullopt)), Errno(EFAULT));
}

TEST(MemDeviceTest, RandomDevicesReadRandomBytes) {
  DevFs dev = NewDevFs(Options());
  for (const char* name : {"random", "urandom"}) {
    SCOPED_TRACE(name);
    vfs::FileRef f = *OpenDev(dev, name, O_RDONLY);
    VectorMemory a(256, std::byte{0}), b(256, std::byte{0});
    IoSequence ra(a, {{GuestAddr(VectorMemory::kBase), 256}});
    IoSequence rb(b, {{GuestAddr(VectorMemory::kBase), 256}});
    ASSERT_EQ(*f->Read(ra, std::nullopt), 256u);
    ASSERT_EQ(*f->Read(rb, std::nullopt), 256u);
    // 2^-2048 odds of a false failure.
    EXPECT_NE(a.bytes(), b.bytes());
    EXPECT_FALSE(std::all_of(a.bytes().begin(), a.bytes().end(),
                             [](std::byte x) { return x == std::byte{0}; }));
    std::vector<std::byte> direct(64, std::byte{0});
    EXPECT_EQ(*f->PRead(direct, 0), 64u);
    EXPECT_NE(std::vector<std::byte>(64, std::byte{0}), direct);
  }
}

TEST(MemDeviceTest, RandomWritesReadTheGuestBuffer) {
  DevFs dev = NewDevFs(Options());
  vfs::FileRef f = *OpenDev(dev, "urandom", O_WRONLY);
  VectorMemory mem(32);
  IoSequence ok(mem, {{GuestAddr(VectorMemory::kBase), 32}});
  EXPECT_EQ(*f->Write(ok, std::nullopt), 32u);
  IoSequence bad(mem, {{GuestAddr(0x1000), 32}});
  EXPECT_EQ(ErrorOf(f->Write(bad, std::nullopt)), Errno(EFAULT));
}

TEST(MemDeviceTest, AccessModeIsEnforced) {
  DevFs dev = NewDevFs(Options());
  VectorMemory mem(8);
  IoSequence io(mem, {{GuestAddr(VectorMemory::kBase), 8}});
  EXPECT_EQ(ErrorOf(OpenDev(dev, "zero", O_RDONLY).value()->Write(io, std::nullopt)), Errno(EBADF));
  EXPECT_EQ(ErrorOf(OpenDev(dev, "zero", O_WRONLY).value()->Read(io, std::nullopt)), Errno(EBADF));
  EXPECT_EQ(ErrorOf(OpenDev(dev, "null", O_RDONLY).value()->Write(io, std::nullopt)), Errno(EBADF));
}

TEST(MemDeviceTest, SeekAlwaysReturnsZero) {
  DevFs dev = NewDevFs(Options());
  vfs::FileRef f = *OpenDev(dev, "zero", O_RDONLY);
  EXPECT_EQ(*f->Seek(100, SEEK_SET), 0u);
  EXPECT_EQ(*f->Seek(-5, SEEK_END), 0u);
}

}  // namespace
}  // namespace kekkai::fs::dev

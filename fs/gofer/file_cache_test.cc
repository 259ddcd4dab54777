// Tests of FileCache, the page cache of host files, through a MemoryManager
// over a FakeAddressSpace and a real host file in a temporary directory: pages
// come in by window, read/write go through them, writes through shared
// mappings are written back (never past the end) on msync and when the last
// mapping goes, and truncation takes pages away from every mapping.
#include "fs/gofer/file_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "sentry/mm/memory_manager_test_fixture.h"

namespace kekkai::fs::gofer {
namespace {

using namespace sentry::mm::mm_test;  // NOLINT
using sentry::mm::MMapOpts;

constexpr uint64_t kDev = 0x2b;

std::string HostRead(int fd, size_t n, uint64_t off) {
  std::string s(n, '\0');
  const ssize_t got = pread(fd, s.data(), n, static_cast<off_t>(off));
  s.resize(got < 0 ? 0 : static_cast<size_t>(got));
  return s;
}

uint64_t HostSize(int fd) {
  struct stat st = {};
  EXPECT_EQ(fstat(fd, &st), 0);
  return static_cast<uint64_t>(st.st_size);
}

class FileCacheTest : public MemoryManagerTest {
 protected:
  void SetUp() override {
    MemoryManagerTest::SetUp();
    char tmpl[] = "/tmp/kekkai_file_cache_test_XXXXXX";
    const int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    unlink(tmpl);
    fd_ = FileDescriptor(fd);
    table_ = std::make_shared<FileCacheTable>(*mf_);
    auto cache = table_->Get(fd_.get(), kDev);
    ASSERT_TRUE(cache.ok());
    cache_ = *cache;
  }

  void Fill(const std::string& data) {
    ASSERT_EQ(ftruncate(fd_.get(), 0), 0);
    ASSERT_EQ(pwrite(fd_.get(), data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
  }

  // Maps `len` bytes from file offset 0 at `addr`.
  void MapAt(uint64_t addr, uint64_t len, int prot = kRW, bool shared = true) {
    cache_->AttachFd(fd_.get(), /*writable=*/true);
    MMapOpts o;
    o.addr = addr;
    o.fixed = true;
    o.length = len;
    o.prot = prot;
    o.shared = shared;
    o.file = cache_->NewMapping();
    o.file_writable = true;
    auto r = mm_->MMap(o);
    ASSERT_TRUE(r.ok()) << r.error().value();
  }

  std::string CacheRead(size_t n, uint64_t off) {
    std::string s(n, '\0');
    auto r = cache_->Read(fd_.get(), std::as_writable_bytes(std::span(s.data(), n)), off);
    EXPECT_TRUE(r.ok());
    s.resize(r.ok() ? *r : 0);
    return s;
  }

  void CacheWrite(const std::string& s, uint64_t off) {
    uint64_t at = 0;
    auto r = cache_->Write(fd_.get(), std::as_bytes(std::span(s.data(), s.size())), off, &at);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(*r, s.size());
    EXPECT_EQ(at, off);
  }

  FileDescriptor fd_;
  std::shared_ptr<FileCacheTable> table_;
  std::shared_ptr<FileCache> cache_;
};

// A cache tells when its file has no name left: another file may then come
// with its inode number, and must not get its pages (FileCacheTable::Get).
TEST_F(FileCacheTest, KnowsWhenItsFileIsUnlinked) {
  char tmpl[] = "/tmp/kekkai_file_cache_named_XXXXXX";
  FileDescriptor named(mkstemp(tmpl));
  ASSERT_TRUE(named.valid());
  auto c = table_->Get(named.get(), kDev);
  ASSERT_TRUE(c.ok());
  (*c)->AttachFd(named.get(), /*writable=*/false);
  EXPECT_FALSE((*c)->Unlinked());
  ASSERT_EQ(unlink(tmpl), 0);
  EXPECT_TRUE((*c)->Unlinked());
  // The same (unlinked) file still finds its cache.
  auto again = table_->Get(named.get(), kDev);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), c->get());
}

TEST_F(FileCacheTest, TheTableHasOneCachePerHostFile) {
  const int again = open(("/proc/self/fd/" + std::to_string(fd_.get())).c_str(), O_RDONLY);
  ASSERT_GE(again, 0);
  FileDescriptor other(again);
  {
    auto c = table_->Get(other.get(), kDev);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->get(), cache_.get());
    EXPECT_EQ(table_->Find(other.get()), cache_);
  }
  cache_.reset();
  EXPECT_EQ(table_->Find(fd_.get()), nullptr);
}

TEST_F(FileCacheTest, AFaultReadsItsWindowAndReadsWritesGoThroughIt) {
  std::string data(20 * P, 'a');
  data[3 * P] = 'b';
  Fill(data);
  MapAt(kX, 20 * P);
  EXPECT_EQ(cache_->page_count(), 0u);  // Nothing before a touch.
  EXPECT_EQ(GuestRead(kX + 3 * P), 'b');
  // The aligned 16-page window came in at once; nothing past it.
  EXPECT_EQ(cache_->page_count(), 16u);
  ASSERT_EQ(GuestWrite(kX + 5 * P, 'M'), FaultError::kNone);
  EXPECT_EQ(CacheRead(3, 5 * P - 1), "aMa");
  EXPECT_EQ(HostRead(fd_.get(), 1, 5 * P), "a");  // Not written back yet.
  EXPECT_EQ(cache_->dirty_count(), 16u);          // The pages a writable map holds.
  CacheWrite("write", 7 * P);
  EXPECT_EQ(GuestRead(kX + 7 * P + 4), 'e');
  EXPECT_EQ(HostRead(fd_.get(), 5, 7 * P), "write");  // Write-through.
  // Uncached pages are read from the host file.
  EXPECT_EQ(CacheRead(2, 18 * P), "aa");
}

TEST_F(FileCacheTest, MsyncWritesBackAndTheLastUnmapDropsThePages) {
  Fill(std::string(2 * P, 'a'));
  MapAt(kX, 2 * P);
  Write(kX + 10, "mapped");
  ASSERT_TRUE(mm_->MSync(GuestAddr(kX), 2 * P, /*write_back=*/true, /*sync=*/false,
                         /*invalidate=*/false)
                  .ok());
  EXPECT_EQ(HostRead(fd_.get(), 6, 10), "mapped");
  // The page the mapping holds is still mapped writable: still dirty. (The
  // second page came in with the first but no mapping holds it.)
  EXPECT_EQ(cache_->page_count(), 2u);
  EXPECT_EQ(cache_->dirty_count(), 1u);
  Write(kX + P, "again");
  ASSERT_TRUE(mm_->MUnmap(GuestAddr(kX), 2 * P).ok());
  EXPECT_EQ(HostRead(fd_.get(), 5, P), "again");
  EXPECT_EQ(cache_->page_count(), 0u);
  EXPECT_EQ(cache_->dirty_count(), 0u);
}

TEST_F(FileCacheTest, WriteBackNeverGrowsTheFile) {
  Fill(std::string(100, 'a'));
  MapAt(kX, P);
  Write(kX + 98, "overflow");
  ASSERT_TRUE(cache_->WriteBackAll(/*sync=*/true).ok());
  EXPECT_EQ(HostSize(fd_.get()), 100u);
  EXPECT_EQ(HostRead(fd_.get(), 200, 0), std::string(98, 'a') + "ov");
  // Growing by write(2) shows zeros where the mapping wrote past the old end.
  CacheWrite("x", 200);
  EXPECT_EQ(Read(kX + 98, 8), std::string("ov") + std::string(6, '\0'));
  EXPECT_EQ(HostRead(fd_.get(), 8, 98), std::string("ov") + std::string(6, '\0'));
}

TEST_F(FileCacheTest, TruncationTakesPagesFromEveryMapping) {
  Fill(std::string(3 * P, 'a'));
  MapAt(kX, 3 * P);
  MapAt(kX + 16 * P, 3 * P, kRW, /*shared=*/false);
  EXPECT_EQ(GuestRead(kX + 2 * P), 'a');
  ASSERT_EQ(GuestWrite(kX + 16 * P + 2 * P, 'p'), FaultError::kNone);  // A private copy.
  auto r = cache_->Truncate(P + 10, [&]() -> Result<void> {
    if (ftruncate(fd_.get(), P + 10) != 0) return Errno(errno);
    return Ok();
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(mm_->HandleFault(kX + 2 * P, kRead), FaultError::kBusErr);
  EXPECT_EQ(mm_->HandleFault(kX + 18 * P, kRead), FaultError::kBusErr);
  EXPECT_EQ(GuestRead(kX + P + 9), 'a');
  EXPECT_EQ(GuestRead(kX + P + 10), '\0');
  // A failing host truncation changes nothing.
  r = cache_->Truncate(0, []() -> Result<void> { return Errno(EPERM); });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(GuestRead(kX), 'a');
}

TEST_F(FileCacheTest, DropCleanKeepsDirtyAndMappedPages) {
  Fill(std::string(2 * P, 'a'));
  MapAt(kX, 2 * P, kR);
  EXPECT_EQ(GuestRead(kX), 'a');
  const size_t cached = cache_->page_count();
  cache_->DropClean(0, UINT64_MAX);  // Mapped: kept.
  EXPECT_EQ(cache_->page_count(), cached);
  ASSERT_TRUE(mm_->MSync(GuestAddr(kX), 2 * P, false, false, /*invalidate=*/true).ok());
  EXPECT_EQ(cache_->page_count(), 0u);
  // The next touch sees the host file afresh.
  ASSERT_EQ(pwrite(fd_.get(), "h", 1, 0), 1);
  EXPECT_EQ(GuestRead(kX), 'h');
}

TEST_F(FileCacheTest, PagesPastTheEndAreSigbusAndHugeOffsetsAreHarmless) {
  Fill("tiny");
  MapAt(kX, 4 * P);
  EXPECT_EQ(GuestRead(kX + 3), 'y');
  EXPECT_EQ(mm_->HandleFault(kX + P, kWrite), FaultError::kBusErr);
  EXPECT_EQ(cache_->SharedPage(uint64_t{1} << 62, true).error(), Errno(EFAULT));
  EXPECT_EQ(cache_->SharedPage(UINT64_MAX & ~(P - 1), false).error(), Errno(EFAULT));
  EXPECT_EQ(cache_->SharedPage(1, true).error(), Errno(EINVAL));
  cache_->MayDirty(0, UINT64_MAX);
  EXPECT_TRUE(cache_->WriteBack(0, UINT64_MAX, false).ok());
  cache_->DropClean(UINT64_MAX - P, UINT64_MAX);
  EXPECT_EQ(HostSize(fd_.get()), 4u);
}

// Truncation racing with writes through a mapping, write(2), read(2) and
// msync: nothing breaks, the size is only ever what truncation and write(2)
// made it, and everything is written back and dropped in the end.
TEST_F(FileCacheTest, TruncationRacingWithMappingsAndIo) {
  Fill(std::string(4 * P, 'a'));
  MapAt(kX, 8 * P);
  std::atomic<bool> done{false};
  std::thread truncator([&] {
    for (int i = 0; i < 300; ++i) {
      const uint64_t size = (static_cast<uint64_t>(i) * 1237) % (4 * P);
      (void)cache_->Truncate(size, [&]() -> Result<void> {
        if (ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) return Errno(errno);
        return Ok();
      });
    }
    done = true;
  });
  int rounds = 0;
  while (!done.load() || rounds < 10) {
    ++rounds;
    const uint64_t at = (static_cast<uint64_t>(rounds) * 811) % (4 * P);
    (void)CopyOutErr(*mm_, kX + at, 100);
    (void)CopyInErr(*mm_, kX + at, 100);
    (void)mm_->HandleFault(kX + at, kWrite);
    if (rounds % 7 == 0) CacheWrite("w", at);
    (void)CacheRead(64, at);
    (void)mm_->MSync(GuestAddr(kX), 8 * P, true, false, rounds % 5 == 0);
  }
  truncator.join();
  const uint64_t size = HostSize(fd_.get());
  EXPECT_LE(size, 4 * P);
  ASSERT_TRUE(mm_->MUnmap(GuestAddr(kX), 8 * P).ok());
  EXPECT_EQ(HostSize(fd_.get()), size);  // Write-back never grows the file.
  EXPECT_EQ(cache_->page_count(), 0u);
  EXPECT_EQ(cache_->dirty_count(), 0u);
}

}  // namespace
}  // namespace kekkai::fs::gofer

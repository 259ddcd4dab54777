// MemoryManager: file mappings, over a fake Mappable that serves a byte string.
#include <gtest/gtest.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "abi/linux/mman.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/fake_address_space.h"
#include "sentry/mm/memory_manager.h"
#include "sentry/mm/memory_manager_test_fixture.h"

namespace kekkai::sentry::mm {
namespace {

using namespace mm_test;  // NOLINT

constexpr int kRX = linux::kProtRead | linux::kProtExec;

// Returns `pages` pages (and `extra` bytes) of file data in which every page
// differs from its neighbours and every byte from the next.
std::string Pattern(uint64_t pages, uint64_t extra = 0) {
  std::string s(pages * P + extra, '\0');
  for (uint64_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>('a' + (i + 3 * (i / P)) % 26);
  return s;
}

// A file: its bytes, and a record of what was asked of it.
class FakeFile : public memmap::Mappable {
 public:
  explicit FakeFile(std::string data, std::string path = "/lib/libfake.so")
      : data_(std::move(data)), path_(std::move(path)) {}

  Result<size_t> ReadAt(std::span<std::byte> dst, uint64_t offset) override {
    std::function<void()> hook;
    {
      std::lock_guard<std::mutex> l(mu_);
      reads_.push_back({offset, dst.size()});
      hook = std::exchange(on_read_, nullptr);
    }
    if (hook) hook();
    std::lock_guard<std::mutex> l(mu_);
    if (offset < fail_end_ && offset + dst.size() > fail_start_) return Errno(EIO);
    if (offset >= data_.size()) return size_t{0};
    const size_t n = std::min<uint64_t>(dst.size(), data_.size() - offset);
    std::memcpy(dst.data(), data_.data() + offset, n);
    // Scribble past what was read: the memory manager must not show it.
    if (n < dst.size()) dst[n] = std::byte{'#'};
    return n;
  }
  Result<uint64_t> Size() override {
    std::lock_guard<std::mutex> l(mu_);
    return data_.size() + size_extra_;
  }
  uint64_t device() const override { return 0x10301; }  // makedev(259, 1)
  uint64_t inode() const override { return 1234567; }
  std::string path() const override { return path_; }

  // Reads touching [start, end) fail with EIO.
  void FailReads(uint64_t start, uint64_t end) {
    std::lock_guard<std::mutex> l(mu_);
    fail_start_ = start;
    fail_end_ = end;
  }
  // Makes Size() claim `extra` bytes more than ReadAt finds (the file shrinks
  // between the two).
  void SetSizeExtra(uint64_t extra) {
    std::lock_guard<std::mutex> l(mu_);
    size_extra_ = extra;
  }
  // Runs `fn` (once) inside the next ReadAt, before it reads.
  void OnNextRead(std::function<void()> fn) {
    std::lock_guard<std::mutex> l(mu_);
    on_read_ = std::move(fn);
  }
  struct Read {
    uint64_t offset, len;
    bool operator==(const Read&) const = default;
  };
  std::vector<Read> reads() {
    std::lock_guard<std::mutex> l(mu_);
    return reads_;
  }
  const std::string& data() const { return data_; }

 private:
  std::mutex mu_;
  std::string data_;
  std::string path_;
  uint64_t fail_start_ = 0, fail_end_ = 0;
  uint64_t size_extra_ = 0;
  std::function<void()> on_read_;
  std::vector<Read> reads_;
};

class MemoryManagerFileTest : public MemoryManagerTest {
 protected:
  // Maps [offset, offset+len) of `file` at `fixed` (or anywhere when 0).
  uint64_t MapFile(const std::shared_ptr<FakeFile>& file, uint64_t len, uint64_t offset,
                   int prot = kR, uint64_t fixed = 0, bool shared = false,
                   MemoryManager* mm = nullptr) {
    auto r = (mm ? mm : mm_.get())->MMap(FileOpts(file, len, offset, prot, fixed, shared));
    EXPECT_TRUE(r.ok()) << (r.ok() ? 0 : r.error().value());
    return r.ok() ? Raw(*r) : 0;
  }
  static MMapOpts FileOpts(const std::shared_ptr<FakeFile>& file, uint64_t len, uint64_t offset,
                           int prot, uint64_t fixed = 0, bool shared = false) {
    MMapOpts o;
    o.length = len;
    o.prot = prot;
    o.addr = fixed;
    o.fixed = fixed != 0;
    o.shared = shared;
    o.file = file;
    o.offset = offset;
    return o;
  }
};

// ---------------------------------------------------------------- first touch

TEST_F(MemoryManagerFileTest, FaultReadsTheWindowFromTheFileInOneRead) {
  auto f = std::make_shared<FakeFile>(Pattern(40));
  MapFile(f, 32 * P, 4 * P, kRX, kX);
  EXPECT_TRUE(f->reads().empty());  // nothing read at mmap
  EXPECT_EQ(mm_->resident_bytes(), 0u);

  ASSERT_EQ(mm_->HandleFault(kX + 2 * P + 5, kExec), FaultError::kNone);
  // The 16-page window around the fault, file offsets 4..19 pages, in one read.
  EXPECT_EQ(f->reads(), (std::vector<FakeFile::Read>{{4 * P, 16 * P}}));
  EXPECT_EQ(as_->pages.size(), 16u);
  EXPECT_EQ(mm_->resident_bytes(), 16 * P);
  EXPECT_EQ(mf_->usage(), 16 * P);
  EXPECT_EQ(as_->Lookup(kX)->access, AccessType::FromProt(kRX));
  for (uint64_t i = 0; i < 16; ++i) {
    EXPECT_EQ(GuestRead(kX + i * P + i), f->data()[(4 + i) * P + i]) << i;
  }
  // The next window is read when it is touched.
  EXPECT_EQ(GuestRead(kX + 20 * P + 7), f->data()[24 * P + 7]);
  EXPECT_EQ(f->reads().size(), 2u);
  EXPECT_EQ(f->reads()[1], (FakeFile::Read{20 * P, 16 * P}));
}

TEST_F(MemoryManagerFileTest, CopyInOfUntouchedPagesReturnsFileBytes) {
  // Bigger than one read: the copy takes several passes.
  auto f = std::make_shared<FakeFile>(Pattern(300));
  MapFile(f, 300 * P, 0, kR, kX);
  std::string got(300 * P - 10, '\0');
  ASSERT_TRUE(mm_->CopyInFull(GuestAddr(kX + 10), std::as_writable_bytes(std::span(got))).ok());
  EXPECT_TRUE(got == f->data().substr(10)) << "bytes differ";
  EXPECT_GE(f->reads().size(), 2u);
  EXPECT_EQ(mm_->resident_bytes(), 300 * P);
  EXPECT_EQ(mf_->usage(), 300 * P);
  // Copied pages are backed: reading again reads nothing from the file.
  const size_t reads = f->reads().size();
  EXPECT_EQ(Read(kX + 299 * P, 4), f->data().substr(299 * P, 4));
  EXPECT_EQ(f->reads().size(), reads);
}

TEST_F(MemoryManagerFileTest, PartialLastPageIsZeroFilled) {
  auto f = std::make_shared<FakeFile>(Pattern(1, 100));
  MapFile(f, 2 * P, 0, kR, kX);
  EXPECT_EQ(GuestRead(kX + P + 99), f->data()[P + 99]);
  EXPECT_EQ(GuestRead(kX + P + 100), '\0');  // not the fake's scribble
  EXPECT_EQ(GuestRead(kX + 2 * P - 1), '\0');
  EXPECT_EQ(Read(kX + P + 98, 4), f->data().substr(P + 98, 2) + std::string(2, '\0'));
  // Only the pages with file data were allocated.
  EXPECT_EQ(mf_->usage(), 2 * P);
}

TEST_F(MemoryManagerFileTest, FileShrinkingUnderTheReadEndsWhereTheReadDid) {
  auto f = std::make_shared<FakeFile>(Pattern(1, 100));
  f->SetSizeExtra(3 * P);  // Size() says 4 pages and 100 bytes; ReadAt finds fewer
  MapFile(f, 4 * P, 0, kR, kX);
  EXPECT_EQ(GuestRead(kX + P + 99), f->data()[P + 99]);
  // The fake scribbles past a short read; the page reads zero there.
  EXPECT_EQ(Read(kX + P + 99, 3), f->data().substr(P + 99, 1) + std::string(2, '\0'));
  EXPECT_EQ(mm_->HandleFault(kX + 2 * P, kRead), FaultError::kBusErr);
  EXPECT_EQ(mf_->usage(), 2 * P);
}

TEST_F(MemoryManagerFileTest, PagesPastTheEndOfTheFileAreBusErr) {
  auto f = std::make_shared<FakeFile>(Pattern(1, 100));
  MapFile(f, 4 * P, 0, kRW, kX);
  EXPECT_EQ(mm_->HandleFault(kX + 2 * P, kRead), FaultError::kBusErr);
  EXPECT_EQ(mm_->HandleFault(kX + 3 * P + 8, kWrite), FaultError::kBusErr);
  EXPECT_FALSE(as_->Lookup(kX + 2 * P).has_value());
  EXPECT_EQ(CopyInErr(*mm_, kX + 2 * P, 1), EFAULT);
  EXPECT_EQ(CopyOutErr(*mm_, kX + 3 * P, 1), EFAULT);
  // Copies stop at the end of the file's last page.
  std::string buf(P, 'x');
  auto n = mm_->CopyIn(GuestAddr(kX + 2 * P - 10), std::as_writable_bytes(std::span(buf)));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 10u);
  auto m = mm_->CopyOut(GuestAddr(kX + 2 * P - 10), std::as_bytes(std::span(buf)));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, 10u);
  // The pages within the file still work, and nothing past it was allocated.
  EXPECT_EQ(GuestRead(kX + 5), f->data()[5]);
  EXPECT_EQ(mf_->usage(), 2 * P);
  // MAP_POPULATE past the end does not fail the mmap; MADV_POPULATE_READ does.
  MMapOpts o = FileOpts(f, 4 * P, 0, kR, kX + 16 * P);
  o.populate = true;
  ASSERT_TRUE(mm_->MMap(o).ok());
  EXPECT_TRUE(as_->Lookup(kX + 17 * P).has_value());
  EXPECT_FALSE(as_->Lookup(kX + 18 * P).has_value());
  EXPECT_EQ(mm_->MAdvise(GuestAddr(kX + 16 * P), 4 * P, linux::kMadvPopulateRead).error().value(),
            EFAULT);
}

TEST_F(MemoryManagerFileTest, FailingReadIsBusErrNotGarbage) {
  auto f = std::make_shared<FakeFile>(Pattern(16));
  f->FailReads(5 * P, 6 * P);  // page 5 can't be read
  MapFile(f, 16 * P, 0, kR, kX);
  // The window read fails; the faulting page is read alone and works.
  EXPECT_EQ(GuestRead(kX + P + 1), f->data()[P + 1]);
  EXPECT_EQ(as_->pages.size(), 1u);
  // The unreadable page is SIGBUS, to the guest and to copies.
  EXPECT_EQ(mm_->HandleFault(kX + 5 * P, kRead), FaultError::kBusErr);
  EXPECT_FALSE(as_->Lookup(kX + 5 * P).has_value());
  EXPECT_EQ(CopyInErr(*mm_, kX + 5 * P, 1), EFAULT);
  std::string buf(2 * P, 'x');
  auto n = mm_->CopyIn(GuestAddr(kX + 4 * P), std::as_writable_bytes(std::span(buf)));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, P);
  EXPECT_EQ(buf.substr(0, P), f->data().substr(4 * P, P));
  // Once the file reads again, so does the page.
  f->FailReads(0, 0);
  EXPECT_EQ(GuestRead(kX + 5 * P), f->data()[5 * P]);
  // Nothing leaked from the failed reads.
  EXPECT_EQ(mf_->usage(), mm_->resident_bytes());
}

// ---------------------------------------------------------------- private writes

TEST_F(MemoryManagerFileTest, PrivateWritesNeverReachTheFile) {
  auto f = std::make_shared<FakeFile>(Pattern(4));
  const std::string before = f->data();
  MapFile(f, 4 * P, 0, kRW, kX);
  ASSERT_EQ(GuestWrite(kX + 1, 'W'), FaultError::kNone);
  EXPECT_EQ(as_->Lookup(kX)->access, AccessType::ReadWrite());
  Write(kX + 2 * P + 3, "copyout");
  EXPECT_EQ(Read(kX, 3), (std::string{f->data()[0], 'W', f->data()[2]}));
  EXPECT_EQ(Read(kX + 2 * P, 10), f->data().substr(2 * P, 3) + "copyout");
  EXPECT_EQ(f->data(), before);
  // A second mapping of the file sees the file, not the first one's writes.
  const uint64_t other = MapFile(f, 4 * P, 0, kR);
  EXPECT_EQ(Read(other, 3), f->data().substr(0, 3));
}

TEST_F(MemoryManagerFileTest, ReadOnlyPrivateMappingMayBecomeWritable) {
  auto f = std::make_shared<FakeFile>(Pattern(2));
  MapFile(f, 2 * P, 0, kR, kX);
  EXPECT_EQ(GuestRead(kX), f->data()[0]);
  EXPECT_EQ(CopyOutErr(*mm_, kX, 1), EFAULT);
  ASSERT_TRUE(mm_->MProtect(GuestAddr(kX), 2 * P, kRW).ok());
  ASSERT_EQ(GuestWrite(kX, 'Z'), FaultError::kNone);
  EXPECT_EQ(Read(kX, 2), (std::string{'Z', f->data()[1]}));
  EXPECT_EQ(f->data()[0], 'a');
}

// ---------------------------------------------------------------- shared

TEST_F(MemoryManagerFileTest, SharedMappingsAreReadOnly) {
  auto f = std::make_shared<FakeFile>(Pattern(2));
  // PROT_WRITE needs a writable file (EACCES, as Linux), and writable shared
  // file mappings are not supported at all (ENODEV).
  EXPECT_EQ(MMapErr(*mm_, FileOpts(f, 2 * P, 0, kRW, kX, /*shared=*/true)), EACCES);
  MMapOpts w = FileOpts(f, 2 * P, 0, kRW, kX, /*shared=*/true);
  w.file_writable = true;
  EXPECT_EQ(MMapErr(*mm_, w), ENODEV);
  EXPECT_EQ(mm_->vma_count(), 0u);
  MapFile(f, 2 * P, 0, kR, kX, /*shared=*/true);
  EXPECT_EQ(mm_->MProtect(GuestAddr(kX), P, kRW).error().value(), EACCES);
  EXPECT_TRUE(mm_->MProtect(GuestAddr(kX), P, kRX).ok());
  EXPECT_EQ(GuestRead(kX + P + 2), f->data()[P + 2]);
  EXPECT_EQ(mm_->HandleFault(kX, kWrite), FaultError::kAccErr);
  EXPECT_EQ(CopyOutErr(*mm_, kX, 1), EFAULT);
  EXPECT_NE(mm_->MapsText().find("r--s 00001000 103:01 1234567"), std::string::npos)
      << mm_->MapsText();
  // MADV_REMOVE would punch the file: not without write access.
  EXPECT_EQ(mm_->MAdvise(GuestAddr(kX + P), P, linux::kMadvRemove).error().value(), EACCES);
}

// ---------------------------------------------------------------- MAP_FIXED, mprotect

TEST_F(MemoryManagerFileTest, LoaderMapsSegmentsOverAReservedSpan) {
  // As ld.so: map the library's whole span from offset 0, then each segment
  // MAP_FIXED over it, then anonymous .bss.
  auto f = std::make_shared<FakeFile>(Pattern(6, 200), "/usr/lib/libc.so.6");
  const uint64_t base = MapFile(f, 10 * P, 0, kR);
  ASSERT_NE(base, 0u);
  EXPECT_EQ(MapFile(f, 3 * P, 2 * P, kRX, base + 2 * P), base + 2 * P);
  EXPECT_EQ(MapFile(f, 2 * P, 5 * P, kRW, base + 5 * P), base + 5 * P);
  EXPECT_EQ(Map(3 * P, kRW, false, base + 7 * P), base + 7 * P);
  EXPECT_EQ(mm_->vma_count(), 4u);
  EXPECT_EQ(Read(base + 100, 4), f->data().substr(100, 4));
  EXPECT_EQ(Read(base + 3 * P + 9, 4), f->data().substr(3 * P + 9, 4));
  EXPECT_EQ(GuestRead(base + 4 * P + 1), f->data()[4 * P + 1]);
  EXPECT_EQ(Read(base + 6 * P + 199, 2), (std::string{f->data()[6 * P + 199], '\0'}));
  EXPECT_EQ(Read(base + 8 * P, 2), std::string(2, '\0'));  // .bss
  // A relocation write to the data segment stays private.
  Write(base + 5 * P, "reloc");
  EXPECT_EQ(f->data().substr(5 * P, 5), Pattern(6).substr(5 * P, 5));
  char buf[128];
  std::snprintf(buf, sizeof(buf), "%08" PRIx64 "-%08" PRIx64 " r-xp 00002000 103:01 1234567",
                base + 2 * P, base + 5 * P);
  EXPECT_NE(mm_->MapsText().find(buf), std::string::npos) << mm_->MapsText();
}

TEST_F(MemoryManagerFileTest, MProtectSplitKeepsEachPiecesOffset) {
  auto f = std::make_shared<FakeFile>(Pattern(8));
  MapFile(f, 8 * P, 0, kR, kX);
  EXPECT_EQ(GuestRead(kX + 1), f->data()[1]);  // some pages backed before the split
  ASSERT_TRUE(mm_->MAdvise(GuestAddr(kX + 2 * P), 6 * P, linux::kMadvDontneed).ok());
  ASSERT_TRUE(mm_->MProtect(GuestAddr(kX + 3 * P), 2 * P, kRX).ok());
  EXPECT_EQ(mm_->vma_count(), 3u);
  // Untouched pages on both sides of each cut are read from the right offsets.
  for (uint64_t page : {2, 3, 4, 5}) {
    EXPECT_EQ(Read(kX + page * P + page, 3), f->data().substr(page * P + page, 3)) << page;
  }
  EXPECT_EQ(GuestRead(kX + 7 * P + 7), f->data()[7 * P + 7]);
  EXPECT_EQ(GuestRead(kX + P + 1), f->data()[P + 1]);
  EXPECT_NE(mm_->MapsText().find("r-xp 00003000"), std::string::npos) << mm_->MapsText();
  EXPECT_NE(mm_->MapsText().find("r--p 00005000"), std::string::npos) << mm_->MapsText();
  // Restoring the protection merges the pieces back: their offsets continue.
  ASSERT_TRUE(mm_->MProtect(GuestAddr(kX + 3 * P), 2 * P, kR).ok());
  EXPECT_EQ(mm_->vma_count(), 1u);
}

TEST_F(MemoryManagerFileTest, AdjacentMappingsMergeOnlyWhereTheFileContinues) {
  auto f = std::make_shared<FakeFile>(Pattern(8));
  auto g = std::make_shared<FakeFile>(Pattern(8), "/lib/other.so");
  MapFile(f, 2 * P, 0, kR, kX);
  MapFile(f, 2 * P, 2 * P, kR, kX + 2 * P);  // continues: merges
  EXPECT_EQ(mm_->vma_count(), 1u);
  MapFile(f, 2 * P, 0, kR, kX + 4 * P);  // offset 0 again: does not
  EXPECT_EQ(mm_->vma_count(), 2u);
  MapFile(g, 2 * P, 6 * P, kR, kX + 6 * P);  // another file: does not
  EXPECT_EQ(mm_->vma_count(), 3u);
  Map(2 * P, kR, false, kX + 8 * P);  // anonymous: does not
  EXPECT_EQ(mm_->vma_count(), 4u);
  EXPECT_EQ(Read(kX + 3 * P, 2), f->data().substr(3 * P, 2));
  EXPECT_EQ(Read(kX + 4 * P, 2), f->data().substr(0, 2));
  // Another file under the same name (replaced since) continuing the offsets:
  // does not either, and each part shows its own file.
  auto h = std::make_shared<FakeFile>(std::string(8 * P, 'H'), "/lib/libfake.so");
  MapFile(f, 2 * P, 0, kR, kX + 16 * P);
  MapFile(h, 2 * P, 2 * P, kR, kX + 18 * P);
  EXPECT_EQ(mm_->vma_count(), 6u);
  EXPECT_EQ(Read(kX + 17 * P + 8, 1), f->data().substr(P + 8, 1));
  EXPECT_EQ(Read(kX + 18 * P + 8, 1), "H");
}

// ---------------------------------------------------------------- mremap, madvise

TEST_F(MemoryManagerFileTest, MRemapMoveKeepsBytesAndOffsets) {
  auto f = std::make_shared<FakeFile>(Pattern(4, 10));
  MapFile(f, 3 * P, P, kRW, kX);
  Map(P, kR, false, kX + 3 * P);  // blocks growth in place
  Write(kX, "dirty");             // page 0 is private now
  auto r = mm_->MRemap(GuestAddr(kX), 3 * P, 5 * P, linux::kMremapMaymove, GuestAddr(0));
  ASSERT_TRUE(r.ok());
  const uint64_t y = Raw(*r);
  EXPECT_NE(y, kX);
  EXPECT_EQ(Read(y, 5), "dirty");
  EXPECT_EQ(Read(y + 5, 3), f->data().substr(P + 5, 3));
  // Untouched pages still come from their own offsets...
  EXPECT_EQ(GuestRead(y + 2 * P + 4), f->data()[3 * P + 4]);
  EXPECT_EQ(Read(y + 3 * P + 8, 4), f->data().substr(4 * P + 8, 2) + std::string(2, '\0'));
  // ...and growth past the file's end is SIGBUS on touch.
  EXPECT_EQ(mm_->HandleFault(y + 4 * P, kRead), FaultError::kBusErr);
  EXPECT_NE(mm_->MapsText().find("rw-p 00001000 103:01 1234567"), std::string::npos);
}

TEST_F(MemoryManagerFileTest, MRemapGrowingInPlacePastTheEndIsBusErr) {
  auto f = std::make_shared<FakeFile>(Pattern(4, 10));
  MapFile(f, 2 * P, P, kR, kX);
  auto r = mm_->MRemap(GuestAddr(kX), 2 * P, 5 * P, 0, GuestAddr(0));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Raw(*r), kX);
  EXPECT_EQ(mm_->vma_count(), 1u);
  EXPECT_EQ(Read(kX + 2 * P + 1, 2), f->data().substr(3 * P + 1, 2));
  EXPECT_EQ(Read(kX + 3 * P + 8, 4), f->data().substr(4 * P + 8, 2) + std::string(2, '\0'));
  EXPECT_EQ(mm_->HandleFault(kX + 4 * P, kRead), FaultError::kBusErr);
}

TEST_F(MemoryManagerFileTest, DontneedRevertsToTheFilesContents) {
  auto f = std::make_shared<FakeFile>(Pattern(4));
  MapFile(f, 4 * P, 0, kRW, kX);
  ASSERT_EQ(GuestWrite(kX + 10, '!'), FaultError::kNone);
  Write(kX + 3 * P, "mine");
  ASSERT_TRUE(mm_->MAdvise(GuestAddr(kX), 4 * P, linux::kMadvDontneed).ok());
  EXPECT_FALSE(as_->Lookup(kX).has_value());
  EXPECT_EQ(GuestRead(kX + 10), f->data()[10]);
  EXPECT_EQ(Read(kX + 3 * P, 4), f->data().substr(3 * P, 4));
  // MADV_FREE and MADV_WIPEONFORK are for private anonymous memory.
  EXPECT_EQ(mm_->MAdvise(GuestAddr(kX), P, linux::kMadvFree).error().value(), EINVAL);
  EXPECT_EQ(mm_->MAdvise(GuestAddr(kX), P, linux::kMadvWipeonfork).error().value(), EINVAL);
}

// ---------------------------------------------------------------- fork

TEST_F(MemoryManagerFileTest, ForkCopiesFilePagesOnWrite) {
  auto f = std::make_shared<FakeFile>(Pattern(40));
  MapFile(f, 40 * P, 0, kRW, kX);
  ASSERT_EQ(GuestWrite(kX, 'P'), FaultError::kNone);  // pages 0..15 backed, 0 written
  auto child_as = std::make_unique<FakeAddressSpace>();
  FakeAddressSpace* cas = child_as.get();
  auto forked = mm_->Fork(std::move(child_as));
  ASSERT_TRUE(forked.ok());
  MemoryManager& child = **forked;
  EXPECT_EQ(as_->Lookup(kX)->access, AccessType::ReadOnly());  // copy-on-write now
  // The child sees the parent's private bytes and shares the page until it writes.
  EXPECT_EQ(GuestRead(child, *cas, kX), 'P');
  EXPECT_EQ(cas->Lookup(kX)->offset, as_->Lookup(kX)->offset);
  ASSERT_EQ(GuestWrite(child, *cas, kX + 1, 'C'), FaultError::kNone);
  EXPECT_NE(cas->Lookup(kX)->offset, as_->Lookup(kX)->offset);
  EXPECT_EQ(Read(child, kX, 2), "PC");
  EXPECT_EQ(Read(kX, 2), (std::string{'P', f->data()[1]}));
  ASSERT_EQ(GuestWrite(kX + 2, 'Q'), FaultError::kNone);
  EXPECT_EQ(Read(child, kX + 2, 1), (std::string{f->data()[2]}));
  // Pages neither had touched are read from the file by each side.
  EXPECT_EQ(GuestRead(child, *cas, kX + 30 * P + 1), f->data()[30 * P + 1]);
  EXPECT_FALSE(as_->Lookup(kX + 30 * P).has_value());
  EXPECT_EQ(Read(kX + 31 * P, 3), f->data().substr(31 * P, 3));
  EXPECT_EQ(child.MapsText(), mm_->MapsText());
  // MADV_POPULATE_WRITE gives the child its own copies of shared pages.
  ASSERT_TRUE(child.MAdvise(GuestAddr(kX + P), P, linux::kMadvPopulateWrite).ok());
  ASSERT_TRUE(cas->Lookup(kX + P).has_value());
  EXPECT_NE(cas->Lookup(kX + P)->offset, as_->Lookup(kX + P)->offset);
  EXPECT_EQ(cas->Lookup(kX + P)->access, AccessType::ReadWrite());
  EXPECT_EQ(Read(child, kX + P, 3), f->data().substr(P, 3));
  // The child's pages go with it.
  forked->reset();
  EXPECT_EQ(mf_->usage(), mm_->resident_bytes());
}

// ---------------------------------------------------------------- /proc/PID/maps

TEST_F(MemoryManagerFileTest, MapsTextLineForAFile) {
  auto f = std::make_shared<FakeFile>(Pattern(8), "/usr/lib/x86_64-linux-gnu/libc.so.6");
  MapFile(f, 2 * P, 3 * P, kRX, 0x7fc09bf7d000);
  auto g = std::make_shared<FakeFile>(Pattern(1), "/tmp/new\nline");
  MMapOpts o = FileOpts(g, P, 0, kR, 0x7fc09bf80000, /*shared=*/true);
  ASSERT_TRUE(mm_->MMap(o).ok());
  o = FileOpts(g, P, 0, kR, 0x7fc09bf90000);
  o.name = "[vdso]";  // a name given wins
  ASSERT_TRUE(mm_->MMap(o).ok());
  // The format of a real /proc/self/maps line.
  // The format of a real /proc/self/maps line: the name starts in column 73.
  const std::string pad(19, ' ');
  EXPECT_EQ(mm_->MapsText(), "7fc09bf7d000-7fc09bf7f000 r-xp 00003000 103:01 1234567" + pad +
                                 "/usr/lib/x86_64-linux-gnu/libc.so.6\n"
                                 "7fc09bf80000-7fc09bf81000 r--s 00000000 103:01 1234567" +
                                 pad + "/tmp/new\\012line\n" +
                                 "7fc09bf90000-7fc09bf91000 r--p 00000000 103:01 1234567" + pad +
                                 "[vdso]\n");
}

// ---------------------------------------------------------------- arguments

TEST_F(MemoryManagerFileTest, OffsetErrors) {
  auto f = std::make_shared<FakeFile>(Pattern(1));
  EXPECT_EQ(MMapErr(*mm_, FileOpts(f, P, 1, kR)), EINVAL);
  EXPECT_EQ(MMapErr(*mm_, FileOpts(f, 2 * P, UINT64_MAX - P + 1, kR)), EOVERFLOW);
  EXPECT_EQ(mm_->vma_count(), 0u);
  // Nor may mremap take a mapping past the largest offset.
  MapFile(f, P, UINT64_MAX - 2 * P + 1, kR, kX);
  const int kMove = linux::kMremapMaymove;
  EXPECT_EQ(mm_->MRemap(GuestAddr(kX), P, 2 * P, 0, GuestAddr(0)).error().value(), EINVAL);
  EXPECT_EQ(mm_->MRemap(GuestAddr(kX), P, 3 * P, kMove, GuestAddr(0)).error().value(), EINVAL);
  EXPECT_EQ(mm_->virtual_bytes(), P);
}

// ---------------------------------------------------------------- locking

TEST_F(MemoryManagerFileTest, TheLockIsNotHeldAcrossReadAt) {
  auto f = std::make_shared<FakeFile>(Pattern(4));
  MapFile(f, 4 * P, 0, kR, kX);
  bool lock_free = false;
  // Outlives the read: were the lock held, the other thread would finish only
  // after it is dropped.
  std::future<size_t> other;
  f->OnNextRead([&] {
    // Another thread's operation must get through while the file is read.
    other = std::async(std::launch::async, [&] { return mm_->vma_count(); });
    lock_free = other.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  });
  EXPECT_EQ(GuestRead(kX + 1), f->data()[1]);
  EXPECT_TRUE(lock_free);
}

TEST_F(MemoryManagerFileTest, MappingReplacedDuringTheReadIsReadAgain) {
  auto f = std::make_shared<FakeFile>(Pattern(4));
  auto g = std::make_shared<FakeFile>(std::string(4 * P, 'G'), "/lib/g.so");
  MapFile(f, 4 * P, 0, kR, kX);
  bool replaced = false;
  std::future<bool> other;
  f->OnNextRead([&] {
    other = std::async(std::launch::async,
                       [&] { return mm_->MMap(FileOpts(g, 4 * P, 0, kR, kX)).ok(); });
    replaced = other.wait_for(std::chrono::seconds(5)) == std::future_status::ready && other.get();
  });
  ASSERT_EQ(mm_->HandleFault(kX, kRead), FaultError::kNone);
  EXPECT_TRUE(replaced);
  // Resolved by that one fault: the new file was read with the lock dropped
  // again.
  EXPECT_TRUE(as_->Lookup(kX).has_value());
  // What was read for the old mapping is not shown through the new one.
  EXPECT_EQ(GuestRead(kX + 1), 'G');
  EXPECT_EQ(Read(kX + 2 * P, 2), "GG");
  EXPECT_EQ(g->reads().size(), 1u);
  EXPECT_EQ(mf_->usage(), mm_->resident_bytes());
}

TEST_F(MemoryManagerFileTest, SameOffsetInTwoMappingsGetsTwoPages) {
  // One copy gets both mappings' pages at a file offset in one pass; each
  // needs its own private page.
  auto f = std::make_shared<FakeFile>(Pattern(1));
  MapFile(f, P, 0, kRW, kX);
  MapFile(f, P, 0, kRW, kX + P);  // does not merge: the offsets do not continue
  ASSERT_EQ(mm_->vma_count(), 2u);
  std::string buf(2 * P, '\0');
  ASSERT_TRUE(mm_->CopyInFull(GuestAddr(kX), std::as_writable_bytes(std::span(buf))).ok());
  EXPECT_EQ(buf, f->data() + f->data());
  Write(kX, "one");
  EXPECT_EQ(Read(kX + P, 3), f->data().substr(0, 3));
  EXPECT_EQ(mf_->usage(), 2 * P);
}

// ---------------------------------------------------------------- files that share pages

// A file whose pages live in the MemoryFile (as tmpfs's): `pages` pages, each
// allocated on first use, handed out by SharedPage; Shrink drops pages as a
// truncation does (see Mappable::SharedPage, MappingSpace).
class SharingFile : public memmap::Mappable {
 public:
  SharingFile(MemoryFile& mf, uint64_t pages) : mf_(mf), pages_(pages) {}
  ~SharingFile() override {
    for (const auto& [index, off] : data_) mf_.DecRef({off, off + P});
  }

  Result<size_t> ReadAt(std::span<std::byte>, uint64_t) override { return Errno(EIO); }
  Result<uint64_t> Size() override {
    std::lock_guard<std::mutex> l(mu_);
    return pages_ * P;
  }
  uint64_t device() const override { return 0x2a; }
  uint64_t inode() const override { return 7; }
  std::string path() const override { return "/dev/shm/sharing"; }
  bool shares_pages() const override { return true; }
  Result<uint64_t> SharedPage(uint64_t offset, bool allocate) override {
    std::lock_guard<std::mutex> l(mu_);
    if (offset >= pages_ * P) return Errno(EFAULT);
    auto it = data_.find(offset / P);
    if (it == data_.end()) {
      if (!allocate) return Errno(ENOENT);
      ASSIGN_OR_RETURN(FileRange fr, mf_.Allocate(P));
      it = data_.emplace(offset / P, fr.start).first;
    }
    mf_.IncRef({it->second, it->second + P});
    return it->second;
  }
  void AddMappingSpace(std::weak_ptr<memmap::MappingSpace> space) override {
    spaces_.Add(std::move(space));
  }

  // Returns the file's byte at `offset` (its page must exist).
  char At(uint64_t offset) {
    std::lock_guard<std::mutex> l(mu_);
    const uint64_t off = data_.at(offset / P);
    return static_cast<char>(mf_.View({off, off + P})[offset % P]);
  }
  void Shrink(uint64_t pages) {
    std::vector<uint64_t> gone;
    {
      std::lock_guard<std::mutex> l(mu_);
      pages_ = pages;
      for (auto it = data_.lower_bound(pages); it != data_.end(); it = data_.erase(it)) {
        gone.push_back(it->second);
      }
    }
    spaces_.Invalidate(*this, pages * P, UINT64_MAX);
    for (uint64_t off : gone) mf_.DecRef({off, off + P});
  }
  size_t spaces() { return spaces_.size(); }

 private:
  MemoryFile& mf_;
  std::mutex mu_;
  uint64_t pages_;
  std::map<uint64_t, uint64_t> data_;
  memmap::MappingSpaceSet spaces_;
};

TEST_F(MemoryManagerFileTest, SharedMappingsOfSharingFilesAreTheFile) {
  auto f = std::make_shared<SharingFile>(*mf_, 4);
  MMapOpts o = FileOpts(nullptr, 4 * P, 0, kRW, kX, /*shared=*/true);
  o.file = f;
  EXPECT_EQ(MMapErr(*mm_, o), EACCES) << "PROT_WRITE needs a writable file";
  o.file_writable = true;
  ASSERT_EQ(MMapErr(*mm_, o), 0);
  EXPECT_EQ(f->spaces(), 1u);
  ASSERT_EQ(GuestWrite(kX + P + 3, 'w'), FaultError::kNone);
  EXPECT_EQ(f->At(P + 3), 'w');
  // Fault-around only maps pages the file has; a write fault made page 1.
  EXPECT_FALSE(as_->Lookup(kX).has_value());
  EXPECT_EQ(GuestRead(kX), '\0');
  EXPECT_EQ(mf_->RefCount(as_->Lookup(kX)->offset), 2u);
  // A forked child shares the pages (and registered with the file).
  auto child_as = std::make_unique<FakeAddressSpace>();
  FakeAddressSpace* cas = child_as.get();
  auto child = mm_->Fork(std::move(child_as));
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(f->spaces(), 2u);
  EXPECT_EQ(GuestRead(**child, *cas, kX + P + 3), 'w');
  // Shrinking the file unmaps the pages past its end in both, and frees them.
  f->Shrink(1);
  EXPECT_FALSE(as_->Lookup(kX + P).has_value());
  EXPECT_EQ(mm_->HandleFault(kX + P, kRead), FaultError::kBusErr);
  EXPECT_EQ((*child)->HandleFault(kX + P, kRead), FaultError::kBusErr);
  EXPECT_EQ(mf_->usage(), mm_->resident_bytes()) << "only page 0 is left";
  child->reset();
  EXPECT_EQ(f->spaces(), 1u) << "a space that is gone is forgotten";
  EXPECT_NE(mm_->MapsText().find("rw-s 00000000 00:2a 7"), std::string::npos) << mm_->MapsText();
}

TEST_F(MemoryManagerFileTest, PrivateMappingsOfSharingFilesCopyOnWrite) {
  auto f = std::make_shared<SharingFile>(*mf_, 2);
  MMapOpts o = FileOpts(nullptr, 2 * P, 0, kRW, kX, /*shared=*/false);
  o.file = f;
  ASSERT_EQ(MMapErr(*mm_, o), 0);
  EXPECT_EQ(GuestRead(kX), '\0');
  auto page = as_->Lookup(kX);
  ASSERT_TRUE(page.has_value());
  EXPECT_FALSE(page->access.write) << "the file's page, mapped copy-on-write";
  ASSERT_EQ(GuestWrite(kX, 'p'), FaultError::kNone);
  EXPECT_NE(as_->Lookup(kX)->offset, page->offset);
  EXPECT_EQ(f->At(0), '\0');
  // Populating a writable private mapping copies at once.
  ASSERT_TRUE(mm_->Populate(GuestAddr(kX + P), P).ok());
  EXPECT_TRUE(as_->Lookup(kX + P)->access.write);
  EXPECT_EQ(mf_->RefCount(as_->Lookup(kX + P)->offset), 1u);
}

TEST(MappingSpaceSetTest, InvalidatesSpacesAddedWhileInvalidating) {
  struct Space : memmap::MappingSpace {
    std::function<void()> on_call;
    int calls = 0;
    void InvalidateFile(const memmap::Mappable&, uint64_t, uint64_t) override {
      ++calls;
      if (on_call) std::exchange(on_call, nullptr)();
    }
  };
  memmap::MappingSpaceSet set;
  auto parent = std::make_shared<Space>();
  auto child = std::make_shared<Space>();
  set.Add(parent);
  set.Add(parent);
  EXPECT_EQ(set.size(), 1u);
  // A fork in progress registers the child while the parent is invalidated.
  parent->on_call = [&] { set.Add(child); };
  FakeFile file("");
  set.Invalidate(file, 0, UINT64_MAX);
  EXPECT_EQ(parent->calls, 1);
  EXPECT_EQ(child->calls, 1);
  child.reset();
  EXPECT_EQ(set.size(), 1u);
}

}  // namespace
}  // namespace kekkai::sentry::mm

// Tests of mappings of tmpfs files through a MemoryManager (over a
// FakeAddressSpace): MAP_SHARED mappings are the file's memory, MAP_PRIVATE
// ones see it until they write, truncation and punched holes take pages away
// from both, and write seals keep shared mappings from writing.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "fs/tmpfs/directory.h"
#include "fs/tmpfs/regular_file.h"
#include "fs/tmpfs/tmpfs.h"
#include "sentry/mm/memory_manager_test_fixture.h"
#include "sentry/usermem/vector_memory.h"

namespace kekkai::fs::tmpfs {
namespace {

using namespace sentry::mm::mm_test;  // NOLINT
using sentry::mm::FakeAddressSpace;
using sentry::mm::MemoryManager;
using sentry::mm::MMapOpts;
using sentry::usermem::GuestRange;
using sentry::usermem::IoSequence;
using sentry::usermem::VectorMemory;

constexpr uint64_t kDev = 0x2a;  // makedev(0, 42)

template <typename T>
Errno ErrorOf(const Result<T>& r) {
  return r.ok() ? Errno(0) : r.error();
}

Result<size_t> WriteStr(vfs::FileDescription& f, std::string_view s, uint64_t off) {
  VectorMemory mem(std::max<size_t>(s.size(), 1));
  std::memcpy(mem.bytes().data(), s.data(), s.size());
  IoSequence io(mem, {GuestRange{GuestAddr(VectorMemory::kBase), s.size()}});
  return f.Write(io, off);
}

std::string ReadStr(vfs::FileDescription& f, size_t n, uint64_t off) {
  VectorMemory mem(std::max<size_t>(n, 1));
  IoSequence io(mem, {GuestRange{GuestAddr(VectorMemory::kBase), n}});
  Result<size_t> r = f.Read(io, off);
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return "";
  return std::string(reinterpret_cast<const char*>(mem.bytes().data()), *r);
}

class TmpfsMmapTest : public MemoryManagerTest {
 protected:
  void SetUp() override {
    MemoryManagerTest::SetUp();
    fs_ = Tmpfs::Create(*mf_, kDev);
    auto root = fs_->NewRoot(0777, 0, 0);
    ASSERT_TRUE(root.ok());
    root_ = std::static_pointer_cast<Directory>(*root);
    auto created = root_->CreateFile("f", {linux::kSIfreg | 0644, 0, 0, 0}, O_RDWR);
    ASSERT_TRUE(created.ok());
    file_ = std::static_pointer_cast<RegularFile>(created->first);
    fd_ = created->second;
    base_usage_ = mf_->usage();
  }

  static MMapOpts FileOpts(const std::shared_ptr<sentry::memmap::Mappable>& m, uint64_t len,
                           uint64_t offset, int prot, uint64_t fixed, bool shared, bool writable) {
    MMapOpts o;
    o.length = len;
    o.prot = prot;
    o.addr = fixed;
    o.fixed = true;
    o.shared = shared;
    o.file = m;
    o.offset = offset;
    o.file_writable = writable;
    return o;
  }

  // Maps `len` bytes of the file from `offset` at `addr`, shared and writable
  // unless said otherwise.
  void MapAt(uint64_t addr, uint64_t len, uint64_t offset = 0, int prot = kRW, bool shared = true,
             MemoryManager* mm = nullptr) {
    auto r = (mm ? mm : mm_.get())
                 ->MMap(FileOpts(fd_->GetMappable(), len, offset, prot, addr, shared,
                                 /*writable=*/true));
    ASSERT_TRUE(r.ok()) << r.error().value();
    ASSERT_EQ(Raw(*r), addr);
  }

  void Truncate(uint64_t size) {
    vfs::SetAttr t;
    t.mask = vfs::SetAttr::kSize;
    t.size = size;
    ASSERT_TRUE(file_->SetStat(t).ok());
  }

  FaultError Access(uint64_t addr, bool write = false, MemoryManager* mm = nullptr,
                    FakeAddressSpace* as = nullptr) {
    char v = 'W';
    return GuestAccess(mm ? *mm : *mm_, as ? *as : *as_, addr, write, &v);
  }

  std::shared_ptr<Tmpfs> fs_;
  std::shared_ptr<Directory> root_;
  std::shared_ptr<RegularFile> file_;
  vfs::FileRef fd_;
  uint64_t base_usage_ = 0;
};

TEST_F(TmpfsMmapTest, SharedMappingIsTheFilesMemory) {
  ASSERT_EQ(*WriteStr(*fd_, "hello", 0), 5u);
  MapAt(kX, 2 * P);
  EXPECT_EQ(GuestRead(kX), 'h');
  EXPECT_EQ(GuestRead(kX + 4), 'o');
  EXPECT_EQ(GuestRead(kX + 5), '\0') << "past the end, in the last page";
  // The guest maps the file's own page: the file and the mapping hold it.
  auto page = as_->Lookup(kX);
  ASSERT_TRUE(page.has_value());
  EXPECT_TRUE(page->access.write);
  EXPECT_EQ(mf_->RefCount(page->offset), 2u);
  EXPECT_EQ(file_->page_count(), 1u);

  // Guest stores are file writes ...
  ASSERT_EQ(GuestWrite(kX, 'J'), FaultError::kNone);
  EXPECT_EQ(ReadStr(*fd_, 5, 0), "Jello");
  // ... and file writes show through the mapping, with no new fault.
  const size_t maps = as_->CountCalls(FakeAddressSpace::Call::kMap);
  ASSERT_EQ(*WriteStr(*fd_, "ELL", 1), 3u);
  EXPECT_EQ(GuestRead(kX + 1), 'E');
  EXPECT_EQ(GuestRead(kX + 3), 'L');
  EXPECT_EQ(as_->CountCalls(FakeAddressSpace::Call::kMap), maps);
  // CopyOut/CopyIn (syscalls writing to guest buffers) reach the same bytes.
  Write(kX + 1, "ab");
  EXPECT_EQ(ReadStr(*fd_, 5, 0), "JabLo");
  ASSERT_EQ(*WriteStr(*fd_, "Q", 4), 1u);
  EXPECT_EQ(Read(kX, 5), "JabLQ");
  // The second page lies wholly past the end of the file: SIGBUS.
  EXPECT_EQ(Access(kX + P), FaultError::kBusErr);
  EXPECT_EQ(CopyInErr(*mm_, kX + P, 1), EFAULT);
  EXPECT_NE(mm_->MapsText().find("rw-s 00000000 00:2a " + std::to_string(file_->ino())),
            std::string::npos)
      << mm_->MapsText();
}

TEST_F(TmpfsMmapTest, TwoAddressSpacesShareThePages) {
  ASSERT_EQ(*WriteStr(*fd_, std::string(2 * P, 'x'), 0), 2 * P);
  FakeAddressSpace* as2 = nullptr;
  auto mm2 = NewMm(&as2);
  MapAt(kX, 2 * P);
  // The other maps it at another address and from the second page.
  MapAt(kX + 64 * P, P, /*offset=*/P, kRW, /*shared=*/true, mm2.get());
  ASSERT_EQ(GuestWrite(kX + P + 7, 'm'), FaultError::kNone);
  EXPECT_EQ(GuestRead(*mm2, *as2, kX + 64 * P + 7), 'm');
  ASSERT_EQ(GuestWrite(*mm2, *as2, kX + 64 * P + 8, 'n'), FaultError::kNone);
  EXPECT_EQ(GuestRead(kX + P + 8), 'n');
  EXPECT_EQ(ReadStr(*fd_, 2, P + 7), "mn");
}

TEST_F(TmpfsMmapTest, WritingNeedsAWritableFile) {
  ASSERT_EQ(*WriteStr(*fd_, "abc", 0), 3u);
  auto m = fd_->GetMappable();
  EXPECT_EQ(MMapErr(*mm_, FileOpts(m, P, 0, kRW, kX, /*shared=*/true, /*writable=*/false)), EACCES);
  ASSERT_EQ(MMapErr(*mm_, FileOpts(m, P, 0, kR, kX, /*shared=*/true, /*writable=*/false)), 0);
  EXPECT_EQ(mm_->MProtect(GuestAddr(kX), P, kRW).error().value(), EACCES);
  EXPECT_EQ(GuestRead(kX), 'a');
  EXPECT_EQ(Access(kX, /*write=*/true), FaultError::kAccErr);
  EXPECT_EQ(CopyOutErr(*mm_, kX, 1), EFAULT);
  // Opened for writing, a read-only shared mapping may become writable.
  ASSERT_EQ(MMapErr(*mm_, FileOpts(m, P, 0, kR, kX, /*shared=*/true, /*writable=*/true)), 0);
  ASSERT_TRUE(mm_->MProtect(GuestAddr(kX), P, kRW).ok());
  ASSERT_EQ(GuestWrite(kX, 'Z'), FaultError::kNone);
  EXPECT_EQ(ReadStr(*fd_, 3, 0), "Zbc");
  // Punching holes through a mapping is not supported.
  EXPECT_EQ(mm_->MAdvise(GuestAddr(kX), P, linux::kMadvRemove).error().value(), EOPNOTSUPP);
}

TEST_F(TmpfsMmapTest, PrivateMappingSeesTheFileUntilItWrites) {
  ASSERT_EQ(*WriteStr(*fd_, "abcd", 0), 4u);
  ASSERT_EQ(*WriteStr(*fd_, "efgh", P), 4u);
  MapAt(kX, 2 * P, 0, kRW, /*shared=*/false);
  EXPECT_EQ(GuestRead(kX), 'a');
  ASSERT_EQ(*WriteStr(*fd_, "A", 0), 1u);
  EXPECT_EQ(GuestRead(kX), 'A');
  // The first write copies the page: the file never sees it ...
  ASSERT_EQ(GuestWrite(kX, 'z'), FaultError::kNone);
  EXPECT_EQ(ReadStr(*fd_, 4, 0), "Abcd");
  // ... and the copy no longer follows the file.
  ASSERT_EQ(*WriteStr(*fd_, "B", 0), 1u);
  EXPECT_EQ(GuestRead(kX), 'z');
  EXPECT_EQ(GuestRead(kX + 1), 'b');
  // The untouched page still does.
  EXPECT_EQ(GuestRead(kX + P), 'e');
  ASSERT_EQ(*WriteStr(*fd_, "E", P), 1u);
  EXPECT_EQ(GuestRead(kX + P), 'E');
  // CopyOut into a private mapping copies too.
  Write(kX + P + 1, "XY");
  EXPECT_EQ(ReadStr(*fd_, 4, P), "Efgh");
  EXPECT_EQ(Read(kX + P, 4), "EXYh");
}

TEST_F(TmpfsMmapTest, TruncateTakesPagesAwayFromMappings) {
  ASSERT_EQ(*WriteStr(*fd_, std::string(3 * P, 'x'), 0), 3 * P);
  MapAt(kX, 4 * P);
  for (uint64_t i = 0; i < 3; ++i) EXPECT_EQ(GuestRead(kX + i * P), 'x');
  EXPECT_EQ(Access(kX + 3 * P), FaultError::kBusErr);
  EXPECT_EQ(mf_->usage(), base_usage_ + 3 * P);

  Truncate(P + 10);
  // The page past the new end is unmapped from the guest, and freed: nobody
  // holds it any more.
  EXPECT_FALSE(as_->Lookup(kX + 2 * P).has_value());
  EXPECT_EQ(Access(kX + 2 * P), FaultError::kBusErr);
  EXPECT_EQ(mf_->usage(), base_usage_ + 2 * P);
  // The last page stays mapped, its tail zeroed.
  EXPECT_TRUE(as_->Lookup(kX + P).has_value());
  EXPECT_EQ(GuestRead(kX + P + 9), 'x');
  EXPECT_EQ(GuestRead(kX + P + 10), '\0');
  // Growing the file again brings zeroed pages.
  Truncate(3 * P);
  EXPECT_EQ(GuestRead(kX + 2 * P + 5), '\0');
  ASSERT_EQ(GuestWrite(kX + 2 * P + 5, 'g'), FaultError::kNone);
  EXPECT_EQ(ReadStr(*fd_, 1, 2 * P + 5), "g");
  // Private mappings lose their copies past the end too (Linux zaps them).
  FakeAddressSpace* as2 = nullptr;
  auto mm2 = NewMm(&as2);
  MapAt(kX, 3 * P, 0, kRW, /*shared=*/false, mm2.get());
  ASSERT_EQ(GuestWrite(*mm2, *as2, kX + 2 * P, 'p'), FaultError::kNone);
  Truncate(P);
  EXPECT_EQ(Access(kX + 2 * P, /*write=*/false, mm2.get(), as2), FaultError::kBusErr);
  EXPECT_EQ(Access(kX + P, /*write=*/false, mm2.get(), as2), FaultError::kBusErr);
  EXPECT_EQ(GuestRead(*mm2, *as2, kX), 'x');
  mm2.reset();
  // Unmapping lets go of the rest; the file keeps its one page.
  ASSERT_TRUE(mm_->MUnmap(GuestAddr(kX), 4 * P).ok());
  EXPECT_EQ(mf_->usage(), base_usage_ + P);
}

TEST_F(TmpfsMmapTest, PunchHoleTakesPagesAwayFromMappings) {
  ASSERT_EQ(*WriteStr(*fd_, std::string(3 * P, 'x'), 0), 3 * P);
  MapAt(kX, 3 * P);
  for (uint64_t i = 0; i < 3; ++i) EXPECT_EQ(GuestRead(kX + i * P), 'x');
  ASSERT_TRUE(fd_->Allocate(kFallocPunchHole | kFallocKeepSize, P - 2, P + 4).ok());
  // The whole page is unmapped and freed; the ends are zeroed where they are
  // mapped.
  EXPECT_FALSE(as_->Lookup(kX + P).has_value());
  EXPECT_EQ(mf_->usage(), base_usage_ + 2 * P);
  EXPECT_TRUE(as_->Lookup(kX).has_value());
  EXPECT_EQ(Read(kX + P - 3, 2), std::string("x\0", 2));
  EXPECT_EQ(Read(kX + 2 * P + 1, 2), std::string("\0x", 2));
  // The hole reads as zeros, and a store there gives the file a new page.
  EXPECT_EQ(GuestRead(kX + P + 7), '\0');
  ASSERT_EQ(GuestWrite(kX + P + 7, 'h'), FaultError::kNone);
  EXPECT_EQ(ReadStr(*fd_, 1, P + 7), "h");
  EXPECT_EQ(file_->page_count(), 3u);
  EXPECT_EQ(file_->size(), 3 * P);
}

TEST_F(TmpfsMmapTest, WriteSealsAndSharedMappings) {
  ASSERT_EQ(*WriteStr(*fd_, "sealed", 0), 6u);
  auto m = fd_->GetMappable();
  file_->AllowSealing();
  // A writable shared mapping stops F_SEAL_WRITE (it could change the data) ...
  MapAt(kX, P, 0, kR);
  EXPECT_EQ(ErrorOf(fd_->AddSeals(vfs::kSealWrite)), Errno(EBUSY)) << "mprotect could add write";
  EXPECT_EQ(*fd_->GetSeals(), 0u);
  // ... also when only a forked child still has it.
  auto child = mm_->Fork(std::make_unique<FakeAddressSpace>());
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(mm_->MUnmap(GuestAddr(kX), P).ok());
  EXPECT_EQ(ErrorOf(fd_->AddSeals(vfs::kSealWrite)), Errno(EBUSY));
  child->reset();
  // Private mappings and shared ones of read-only descriptions don't count.
  MapAt(kX, P, 0, kRW, /*shared=*/false);
  ASSERT_EQ(MMapErr(*mm_, FileOpts(m, P, 0, kR, kX + P, /*shared=*/true, /*writable=*/false)), 0);
  ASSERT_TRUE(fd_->AddSeals(vfs::kSealWrite).ok());
  EXPECT_EQ(*fd_->GetSeals(), vfs::kSealWrite);
  // New writable shared mappings fail; read-only ones can't become writable.
  EXPECT_EQ(MMapErr(*mm_, FileOpts(m, P, 0, kRW, kX + 2 * P, /*shared=*/true, /*writable=*/true)),
            EPERM);
  ASSERT_EQ(MMapErr(*mm_, FileOpts(m, P, 0, kR, kX + 2 * P, /*shared=*/true, /*writable=*/true)),
            0);
  EXPECT_EQ(mm_->MProtect(GuestAddr(kX + 2 * P), P, kRW).error().value(), EACCES);
  EXPECT_EQ(GuestRead(kX + 2 * P), 's');
  // The private mapping still writes, to its own copy.
  ASSERT_EQ(GuestWrite(kX, 'S'), FaultError::kNone);
  EXPECT_EQ(ReadStr(*fd_, 6, 0), "sealed");
}

TEST_F(TmpfsMmapTest, FutureWriteSealLeavesExistingMappingsWritable) {
  ASSERT_EQ(*WriteStr(*fd_, "future", 0), 6u);
  file_->AllowSealing();
  MapAt(kX, P);
  ASSERT_TRUE(fd_->AddSeals(vfs::kSealFutureWrite).ok());
  EXPECT_EQ(ErrorOf(WriteStr(*fd_, "F", 0)), Errno(EPERM));
  ASSERT_EQ(GuestWrite(kX, 'F'), FaultError::kNone);
  EXPECT_EQ(ReadStr(*fd_, 6, 0), "Future");
  EXPECT_EQ(MMapErr(*mm_, FileOpts(fd_->GetMappable(), P, 0, kRW, kX + P, /*shared=*/true,
                                   /*writable=*/true)),
            EPERM);
}

TEST_F(TmpfsMmapTest, FaultAroundDoesNotFillHoles) {
  Truncate(32 * P);
  ASSERT_EQ(*WriteStr(*fd_, "five", 5 * P), 4u);
  ASSERT_EQ(*WriteStr(*fd_, "nine", 9 * P), 4u);
  MapAt(kX, 32 * P);
  EXPECT_EQ(GuestRead(kX + 5 * P), 'f');
  EXPECT_EQ(file_->page_count(), 2u);
  // Page 9 came along with the fault; the holes did not.
  EXPECT_TRUE(as_->Lookup(kX + 9 * P).has_value());
  EXPECT_FALSE(as_->Lookup(kX + 6 * P).has_value());
  // Touching a hole gives it a page (as Linux's shmem_fault).
  EXPECT_EQ(GuestRead(kX + 6 * P), '\0');
  EXPECT_EQ(file_->page_count(), 3u);
  EXPECT_EQ(file_->Stat()->blocks, 3 * 8);
}

TEST_F(TmpfsMmapTest, ForkedChildSharesAndIsTruncatedToo) {
  ASSERT_EQ(*WriteStr(*fd_, std::string(2 * P, 'c'), 0), 2 * P);
  MapAt(kX, 2 * P);
  EXPECT_EQ(GuestRead(kX + P), 'c');
  auto child_as = std::make_unique<FakeAddressSpace>();
  FakeAddressSpace* cas = child_as.get();
  auto child = mm_->Fork(std::move(child_as));
  ASSERT_TRUE(child.ok());
  MemoryManager& cmm = **child;
  ASSERT_EQ(GuestWrite(cmm, *cas, kX + P, 'k'), FaultError::kNone);
  EXPECT_EQ(GuestRead(kX + P), 'k');
  EXPECT_EQ(ReadStr(*fd_, 1, P), "k");
  Truncate(0);
  EXPECT_EQ(Access(kX, false, &cmm, cas), FaultError::kBusErr);
  EXPECT_EQ(Access(kX + P), FaultError::kBusErr);
  EXPECT_EQ(mf_->usage(), base_usage_);
}

TEST_F(TmpfsMmapTest, MappingOutlivesTheNameAndTheDescription) {
  ASSERT_EQ(*WriteStr(*fd_, "kept", 0), 4u);
  MapAt(kX, P);
  ASSERT_TRUE(root_->Unlink("f", *file_).ok());
  fd_.reset();
  std::weak_ptr<RegularFile> weak = file_;
  file_.reset();
  EXPECT_FALSE(weak.expired()) << "the mapping holds the file";
  EXPECT_EQ(Read(kX, 4), "kept");
  ASSERT_TRUE(mm_->MUnmap(GuestAddr(kX), P).ok());
  EXPECT_TRUE(weak.expired());
  EXPECT_EQ(mf_->usage(), base_usage_);
}

TEST_F(TmpfsMmapTest, DontneedKeepsSharedData) {
  ASSERT_EQ(*WriteStr(*fd_, "same", 0), 4u);
  MapAt(kX, P);
  ASSERT_EQ(GuestWrite(kX, 'S'), FaultError::kNone);
  ASSERT_TRUE(mm_->MAdvise(GuestAddr(kX), P, linux::kMadvDontneed).ok());
  EXPECT_FALSE(as_->Lookup(kX).has_value());
  EXPECT_EQ(GuestRead(kX), 'S');
}

TEST_F(TmpfsMmapTest, IoBetweenAFileAndItsOwnMapping) {
  // read(2)/write(2) whose guest buffer is a mapping of the same file: the
  // copies fault the file's pages in while the file is busy (lock order).
  ASSERT_EQ(*WriteStr(*fd_, "source", 0), 6u);
  Truncate(3 * P);
  MapAt(kX, 3 * P);
  IoSequence src(*mm_, {GuestRange{GuestAddr(kX), 6}});
  ASSERT_EQ(*fd_->Write(src, P), 6u);
  EXPECT_EQ(ReadStr(*fd_, 6, P), "source");
  // Into a hole of the mapping: the fault allocates the page the read fills.
  IoSequence dst(*mm_, {GuestRange{GuestAddr(kX + 2 * P + 1), 6}});
  ASSERT_EQ(*fd_->Read(dst, P), 6u);
  EXPECT_EQ(ReadStr(*fd_, 7, 2 * P), std::string("\0source", 7));
  // An appending write from the page it extends.
  auto app = file_->Open(O_WRONLY | O_APPEND);
  ASSERT_TRUE(app.ok());
  IoSequence tail(*mm_, {GuestRange{GuestAddr(kX + 2 * P + 1), 6}});
  ASSERT_EQ(*(*app)->Write(tail, std::nullopt), 6u);
  EXPECT_EQ(ReadStr(*fd_, 6, 3 * P), "source");
}

TEST_F(TmpfsMmapTest, TruncationRacesWithFaults) {
  // The guest thread takes and drops the file's pages (faults, populate,
  // MADV_DONTNEED) while the file shrinks and grows. It never touches the bytes:
  // guest accesses to shared memory race by design, and TSan would say so.
  ASSERT_EQ(*WriteStr(*fd_, std::string(4 * P, 'r'), 0), 4 * P);
  MapAt(kX, 4 * P);
  std::atomic<bool> stop{false};
  std::thread guest([&] {
    for (int round = 0; !stop.load(); ++round) {
      for (uint64_t page = 0; page < 4; ++page) {
        // kAccErr: the page was mapped writable already, twice in a row (the
        // fault-loop guard).
        const FaultError e = mm_->HandleFault(kX + page * P, kWrite);
        ASSERT_TRUE(e == FaultError::kNone || e == FaultError::kBusErr || e == FaultError::kAccErr);
      }
      Result<void> r = mm_->Populate(GuestAddr(kX), 4 * P);
      ASSERT_TRUE(r.ok() || r.error() == Errno(EFAULT));
      if (round % 3 == 0) {
        ASSERT_TRUE(mm_->MAdvise(GuestAddr(kX), 4 * P, linux::kMadvDontneed).ok());
      }
    }
  });
  for (int i = 0; i < 300; ++i) {
    Truncate(static_cast<uint64_t>(i % 4) * P + 7);
    ASSERT_TRUE(WriteStr(*fd_, std::string(P, static_cast<char>('a' + i % 26)),
                         static_cast<uint64_t>(i % 3) * P)
                    .ok());
  }
  stop = true;
  guest.join();
  // What the guest maps is the file.
  Truncate(2 * P + 1);
  EXPECT_EQ(mm_->HandleFault(kX + 3 * P, kRead), FaultError::kBusErr);
  const std::string data = ReadStr(*fd_, 2 * P + 1, 0);
  for (uint64_t page = 0; page < 3; ++page) {
    EXPECT_EQ(Read(kX + page * P, 1)[0], data[page * P]) << page;
  }
  ASSERT_TRUE(mm_->MUnmap(GuestAddr(kX), 4 * P).ok());
  EXPECT_EQ(mf_->usage(), base_usage_ + file_->page_count() * P);
}

}  // namespace
}  // namespace kekkai::fs::tmpfs

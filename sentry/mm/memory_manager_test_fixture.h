// The MemoryManager tests' fixture: a MemoryFile, a MemoryManager over a
// FakeAddressSpace, and helpers that map, copy and act as a guest would.
#ifndef KEKKAI_SENTRY_MM_MEMORY_MANAGER_TEST_FIXTURE_H_
#define KEKKAI_SENTRY_MM_MEMORY_MANAGER_TEST_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "abi/linux/mman.h"
#include "sentry/mm/fake_address_space.h"
#include "sentry/mm/memory_manager.h"

namespace kekkai::sentry::mm::mm_test {

namespace linux = abi::linux;
using platform::AccessType;
using FaultError = MemoryManager::FaultError;

inline constexpr uint64_t P = kPageSize;
inline constexpr int kR = linux::kProtRead;
inline constexpr int kRW = linux::kProtRead | linux::kProtWrite;
inline constexpr uint64_t kMmapBase = 0x7f0000000000;
inline constexpr uint64_t kMax = 0x7ffffffff000;
// A 16-page-aligned address well below the mmap base, for fixed mappings.
inline constexpr uint64_t kX = 0x10000000;

inline constexpr AccessType kRead{true, false, false};
inline constexpr AccessType kWrite{false, true, false};
inline constexpr AccessType kExec{false, false, true};

class MemoryManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mf = MemoryFile::Create(uint64_t{1} << 30);
    ASSERT_TRUE(mf.ok());
    mf_ = std::move(mf).value();
    mm_ = NewMm(&as_);
  }

  std::unique_ptr<MemoryManager> NewMm(FakeAddressSpace** as_out) {
    auto as = std::make_unique<FakeAddressSpace>();
    *as_out = as.get();
    auto mm = std::make_unique<MemoryManager>(*mf_, std::move(as));
    mm->SetLayout(kMmapBase, kMax);
    return mm;
  }

  // Maps anonymous memory (at `fixed` when non-zero) and returns its address.
  uint64_t Map(uint64_t len, int prot = kRW, bool shared = false, uint64_t fixed = 0,
               MemoryManager* mm = nullptr) {
    MMapOpts o;
    o.length = len;
    o.prot = prot;
    o.shared = shared;
    o.addr = fixed;
    o.fixed = fixed != 0;
    auto r = (mm ? mm : mm_.get())->MMap(o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? 0 : r.error().value());
    return r.ok() ? Raw(*r) : 0;
  }

  static int MMapErr(MemoryManager& mm, const MMapOpts& o) {
    auto r = mm.MMap(o);
    return r.ok() ? 0 : r.error().value();
  }

  static void Write(MemoryManager& mm, uint64_t addr, std::string_view s) {
    auto r = mm.CopyOutFull(GuestAddr(addr), std::as_bytes(std::span(s.data(), s.size())));
    ASSERT_TRUE(r.ok()) << "CopyOut at 0x" << std::hex << addr;
  }
  void Write(uint64_t addr, std::string_view s) { Write(*mm_, addr, s); }

  static std::string Read(MemoryManager& mm, uint64_t addr, size_t n) {
    std::string s(n, '\0');
    auto r = mm.CopyInFull(GuestAddr(addr), std::as_writable_bytes(std::span(s.data(), n)));
    EXPECT_TRUE(r.ok()) << "CopyIn at 0x" << std::hex << addr;
    return s;
  }
  std::string Read(uint64_t addr, size_t n) { return Read(*mm_, addr, n); }

  static int CopyInErr(MemoryManager& mm, uint64_t addr, size_t n) {
    std::string s(n, '\0');
    auto r = mm.CopyIn(GuestAddr(addr), std::as_writable_bytes(std::span(s.data(), n)));
    return r.ok() ? 0 : r.error().value();
  }
  static int CopyOutErr(MemoryManager& mm, uint64_t addr, size_t n) {
    std::string s(n, 'x');
    auto r = mm.CopyOut(GuestAddr(addr), std::as_bytes(std::span(s.data(), n)));
    return r.ok() ? 0 : r.error().value();
  }

  // Performs one guest byte access through the platform's page table, faulting
  // as the ptrace platform reports faults: an unmapped page faults as a read, a
  // mapped page without the right as a write.
  FaultError GuestAccess(MemoryManager& mm, FakeAddressSpace& as, uint64_t addr, bool write,
                         char* val) {
    for (int tries = 0; tries < 4; ++tries) {
      auto page = as.Lookup(addr);
      if (page && (write ? page->access.write : page->access.read)) {
        std::byte* b = &mf_->View({page->offset, page->offset + P})[addr & kPageMask];
        if (write) {
          *b = static_cast<std::byte>(*val);
        } else {
          *val = static_cast<char>(*b);
        }
        return FaultError::kNone;
      }
      FaultError e = mm.HandleFault(addr, page ? kWrite : kRead);
      if (e != FaultError::kNone) return e;
    }
    ADD_FAILURE() << "fault loop at 0x" << std::hex << addr;
    return FaultError::kAccErr;
  }
  FaultError GuestWrite(MemoryManager& mm, FakeAddressSpace& as, uint64_t addr, char v) {
    return GuestAccess(mm, as, addr, /*write=*/true, &v);
  }
  char GuestRead(MemoryManager& mm, FakeAddressSpace& as, uint64_t addr) {
    char v = 0;
    EXPECT_EQ(GuestAccess(mm, as, addr, /*write=*/false, &v), FaultError::kNone);
    return v;
  }
  FaultError GuestWrite(uint64_t addr, char v) { return GuestWrite(*mm_, *as_, addr, v); }
  char GuestRead(uint64_t addr) { return GuestRead(*mm_, *as_, addr); }

  std::unique_ptr<MemoryFile> mf_;
  FakeAddressSpace* as_ = nullptr;
  std::unique_ptr<MemoryManager> mm_;
};

}  // namespace kekkai::sentry::mm::mm_test

#endif  // KEKKAI_SENTRY_MM_MEMORY_MANAGER_TEST_FIXTURE_H_

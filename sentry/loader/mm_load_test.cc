// Tests Load into a real mm::MemoryManager (over the mm tests' FakeAddressSpace):
// the program's bytes, the stack and /proc/PID/maps as the guest would see them.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "abi/linux/auxv.h"
#include "abi/linux/elf.h"
#include "gtest/gtest.h"
#include "sentry/loader/elf.h"
#include "sentry/loader/executable_source.h"
#include "sentry/loader/loader.h"
#include "sentry/loader/test_elf_builder.h"
#include "sentry/mm/fake_address_space.h"
#include "sentry/mm/memory_file.h"
#include "sentry/mm/memory_manager.h"

namespace kekkai::sentry::loader {
namespace {

namespace linux = ::kekkai::abi::linux;
using testing::TestElfBuilder;

constexpr uint32_t kR = linux::kPfR, kW = linux::kPfW, kX = linux::kPfX;

class MmLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<mm::MemoryFile>> mf = mm::MemoryFile::Create(uint64_t{1} << 30);
    ASSERT_TRUE(mf.ok()) << mf.error().value();
    mf_ = std::move(*mf);
    mm_ = std::make_unique<mm::MemoryManager>(*mf_, std::make_unique<mm::FakeAddressSpace>());
  }

  std::vector<std::byte> In(uint64_t addr, size_t len) {
    std::vector<std::byte> out(len);
    EXPECT_TRUE(mm_->CopyInFull(GuestAddr(addr), out).ok()) << std::hex << addr;
    return out;
  }
  uint64_t Word(uint64_t addr) {
    Result<uint64_t> v = mm_->CopyInObj<uint64_t>(GuestAddr(addr));
    EXPECT_TRUE(v.ok());
    return v.value_or(0);
  }

  // Checks the loaded segments' bytes against the file.
  void ExpectSegments(const std::vector<std::byte>& file, uint64_t bias) {
    ByteSource src(file);
    Result<ElfInfo> info = ParseElf(src);
    ASSERT_TRUE(info.ok());
    for (const linux::Elf64Phdr& ph : info->loads) {
      const std::vector<std::byte> got = In(ph.p_vaddr + bias, ph.p_filesz);
      EXPECT_EQ(0, std::memcmp(got.data(), file.data() + ph.p_offset, ph.p_filesz));
      const uint64_t end = ph.p_vaddr + bias + ph.p_memsz;
      const uint64_t bss = std::min<uint64_t>(ph.p_memsz - ph.p_filesz, 64);
      const std::vector<std::byte> zeros = In(end - bss, bss);
      for (std::byte b : zeros) EXPECT_EQ(b, std::byte{0});
    }
  }

  std::unique_ptr<mm::MemoryFile> mf_;
  std::unique_ptr<mm::MemoryManager> mm_;
};

LoadRequest Request(ExecutableSource* file, std::string execfn) {
  LoadRequest req;
  req.file = file;
  req.execfn = std::move(execfn);
  req.argv = {"prog", "a b"};
  req.envp = {"X=1"};
  return req;
}

TEST_F(MmLoadTest, StaticPie) {
  const std::vector<std::byte> image = TestElfBuilder(linux::kEtDyn)
                                           .Entry(0x1100)
                                           .Phdr()
                                           .Load(kR | kX, 0, 0x1800, 0x1800)
                                           .Load(kR | kW, 0x2800, 0x40, 0x2000)
                                           .GnuStack(kR | kW)
                                           .Build();
  ByteSource src(image);
  Result<LoadResult> r = Load(*mm_, Request(&src, "/bin/pie"));
  ASSERT_TRUE(r.ok()) << r.error().value();
  ExpectSegments(image, r->load_bias);
  EXPECT_EQ(Word(r->stack_pointer), 2u);
  Result<std::string> arg1 = mm_->CopyInString(GuestAddr(Word(r->stack_pointer + 16)), 100);
  ASSERT_TRUE(arg1.ok());
  EXPECT_EQ(*arg1, "a b");

  const mm::MemoryManager::ExecInfo& e = mm_->exec_info();
  EXPECT_EQ(e.argv_start, r->ranges.argv_start);
  EXPECT_EQ(e.envp_end, r->ranges.envp_end);
  EXPECT_EQ(e.auxv_end, r->ranges.auxv_end);
  EXPECT_EQ(e.stack_top, r->stack_top);

  const std::string maps = mm_->MapsText();
  EXPECT_NE(maps.find("[stack]"), std::string::npos) << maps;
  EXPECT_NE(maps.find("r-xp"), std::string::npos) << maps;
  EXPECT_NE(maps.find("/bin/pie"), std::string::npos) << maps;
  // The text is not writable by the guest once loaded.
  EXPECT_FALSE(mm_->CopyOutFull(GuestAddr(r->entry), std::as_bytes(std::span("x", 1))).ok());
}

TEST_F(MmLoadTest, DynamicWithInterpreter) {
  const std::vector<std::byte> prog = TestElfBuilder(linux::kEtDyn)
                                          .Entry(0x1040)
                                          .Phdr()
                                          .Interp("/lib/ld.so")
                                          .Load(kR | kX, 0, 0x1800, 0x1800)
                                          .Load(kR | kW, 0x2800, 0x40, 0x1000)
                                          .Build();
  const std::vector<std::byte> interp = TestElfBuilder(linux::kEtDyn)
                                            .Entry(0x1234)
                                            .Load(kR | kX, 0, 0x3000, 0x3000)
                                            .Load(kR | kW, 0x4000, 0x100, 0x2000)
                                            .Build();
  ByteSource src(prog);
  LoadRequest req = Request(&src, "/bin/dyn");
  req.open_interpreter = [&](const std::string&) -> Result<std::unique_ptr<ExecutableSource>> {
    return std::unique_ptr<ExecutableSource>(std::make_unique<ByteSource>(interp));
  };
  Result<LoadResult> r = Load(*mm_, req);
  ASSERT_TRUE(r.ok()) << r.error().value();
  ExpectSegments(prog, r->load_bias);
  ExpectSegments(interp, r->interp_base);
  EXPECT_EQ(r->entry, r->interp_base + 0x1234);
  EXPECT_LT(r->interp_base, r->mmap_base);
  EXPECT_NE(mm_->MapsText().find("/lib/ld.so"), std::string::npos);
}

TEST_F(MmLoadTest, RealBusybox) {
  Result<HostFileSource> src = HostFileSource::Open("/bin/busybox");
  if (!src.ok()) GTEST_SKIP() << "/bin/busybox not present (install busybox-static)";
  Result<uint64_t> size = src->Size();
  ASSERT_TRUE(size.ok());
  std::vector<std::byte> file(*size);
  ASSERT_TRUE(ReadFullAt(*src, file, 0).ok());
  Result<LoadResult> r = Load(*mm_, Request(&*src, "/bin/busybox"));
  if (!r.ok() && r.error().value() == ENOENT) {
    GTEST_SKIP() << "/bin/busybox is dynamically linked (install busybox-static)";
  }
  ASSERT_TRUE(r.ok()) << r.error().value();
  ExpectSegments(file, r->load_bias);
  // AT_PHDR points at the program headers, which static glibc reads.
  ByteSource bytes(file);
  Result<ElfInfo> info = ParseElf(bytes);
  ASSERT_TRUE(info.ok());
  const std::vector<std::byte> phdrs = In(r->phdr, info->phdrs.size() * 56);
  EXPECT_EQ(0, std::memcmp(phdrs.data(), info->phdrs.data(), phdrs.size()));
}

}  // namespace
}  // namespace kekkai::sentry::loader

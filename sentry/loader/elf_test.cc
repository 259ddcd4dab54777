#include "sentry/loader/elf.h"

#include <elf.h>
#include <unistd.h>

#include <cstring>
#include <limits>

#include "gtest/gtest.h"
#include "sentry/loader/executable_source.h"
#include "sentry/loader/test_elf_builder.h"

namespace kekkai::sentry::loader {
namespace {

namespace elf = ::kekkai::abi::linux;
using testing::PatchEhdr;
using testing::PatchPhdr;
using testing::GoodStaticImage;
using testing::TestElfBuilder;

constexpr uint32_t kR = elf::kPfR, kW = elf::kPfW, kX = elf::kPfX;

Result<ElfInfo> Parse(const std::vector<std::byte>& image) {
  ByteSource src(image);
  return ParseElf(src);
}

void ExpectNoExec(const std::vector<std::byte>& image) {
  Result<ElfInfo> r = Parse(image);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), ENOEXEC);
}

TEST(ParseElfTest, GoodStaticImage) {
  const std::vector<std::byte> image = GoodStaticImage();
  Result<ElfInfo> r = Parse(image);
  ASSERT_TRUE(r.ok()) << r.error().value();
  EXPECT_EQ(r->type, elf::kEtExec);
  EXPECT_EQ(r->entry, 0x401000u);
  ASSERT_EQ(r->phdrs.size(), 5u);
  EXPECT_EQ(r->phdrs[0].p_type, elf::kPtPhdr);
  EXPECT_EQ(r->phdrs[4].p_type, elf::kPtGnuStack);
  ASSERT_EQ(r->loads.size(), 3u);
  EXPECT_EQ(r->loads[0].p_vaddr, 0x400000u);
  EXPECT_EQ(r->loads[1].p_vaddr, 0x401000u);
  EXPECT_EQ(r->loads[2].p_vaddr, 0x403010u);
  EXPECT_EQ(r->loads[2].p_memsz, 0x3000u);
  EXPECT_EQ(r->phdr_vaddr, 0x400040u);
  EXPECT_FALSE(r->interpreter.has_value());
  EXPECT_FALSE(r->exec_stack);
  EXPECT_EQ(r->image_start, 0x400000u);
  EXPECT_EQ(r->image_end, 0x407000u);  // 0x403010 + 0x3000, page-rounded.
  EXPECT_EQ(r->max_align, kPageSize);
}

TEST(ParseElfTest, PhdrAddressComputedWithoutPtPhdr) {
  const std::vector<std::byte> image =
      TestElfBuilder(elf::kEtExec).Entry(0x500100).Load(kR | kX, 0x500000, 0x400, 0x400).Build();
  Result<ElfInfo> r = Parse(image);
  ASSERT_TRUE(r.ok());
  // e_phoff (64) inside the first PT_LOAD (offset 0 at 0x500000).
  EXPECT_EQ(r->phdr_vaddr, 0x500040u);
}

TEST(ParseElfTest, PhdrAddressZeroWhenNoSegmentCoversTheTable) {
  std::vector<std::byte> image = TestElfBuilder(elf::kEtExec)
                                     .Entry(0x500100)
                                     .Load(kR | kX, 0x500000, 0x400, 0x400)
                                     .Load(kR, 0x600000, 0x10, 0x10)
                                     .Build();
  // Make the first segment start after the headers.
  PatchPhdr(image, 0, [](elf::Elf64Phdr& p) {
    p.p_offset = 0x100;
    p.p_vaddr = 0x500100;
    p.p_filesz = p.p_memsz = 0x200;
  });
  Result<ElfInfo> r = Parse(image);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->phdr_vaddr, 0u);
}

TEST(ParseElfTest, ExecutableStackAndAlignment) {
  const std::vector<std::byte> image = TestElfBuilder(elf::kEtDyn)
                                           .Entry(0x1000)
                                           .Load(kR | kX, 0, 0x1800, 0x1800, 0x200000)
                                           .Load(kR | kW, 0x201800, 0x10, 0x10, 0x200000)
                                           .GnuStack(kR | kW | kX)
                                           .Build();
  Result<ElfInfo> r = Parse(image);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, elf::kEtDyn);
  EXPECT_TRUE(r->exec_stack);
  EXPECT_EQ(r->max_align, 0x200000u);
  EXPECT_EQ(r->image_start, 0u);
  EXPECT_EQ(r->image_end, 0x202000u);
}

TEST(ParseElfTest, Interpreter) {
  const std::vector<std::byte> image = TestElfBuilder(elf::kEtDyn)
                                           .Entry(0x1000)
                                           .Phdr()
                                           .Interp("/lib64/ld-linux-x86-64.so.2")
                                           .Load(kR | kX, 0, 0x2000, 0x2000)
                                           .Build();
  Result<ElfInfo> r = Parse(image);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->interpreter.has_value());
  EXPECT_EQ(*r->interpreter, "/lib64/ld-linux-x86-64.so.2");
}

// Program headers of InterpImage(): 0 PT_INTERP, 1 PT_LOAD.
std::vector<std::byte> InterpImage() {
  return TestElfBuilder(elf::kEtDyn)
      .Entry(0x1000)
      .Interp("/ld.so")
      .Load(kR | kX, 0, 0x2000, 0x2000)
      .Build();
}

TEST(ParseElfTest, RejectsBadInterpreter) {
  {
    std::vector<std::byte> image = InterpImage();  // Too short for a path and its NUL.
    PatchPhdr(image, 0, [](elf::Elf64Phdr& p) { p.p_filesz = 1; });
    ExpectNoExec(image);
  }
  {
    std::vector<std::byte> image = InterpImage();  // Longer than PATH_MAX.
    image.resize(0x4000);
    PatchPhdr(image, 0, [](elf::Elf64Phdr& p) { p.p_filesz = kMaxInterpLen + 1; });
    ExpectNoExec(image);
  }
  {
    std::vector<std::byte> image = InterpImage();  // Not NUL-terminated.
    PatchPhdr(image, 0, [](elf::Elf64Phdr& p) { p.p_filesz -= 1; });
    ExpectNoExec(image);
  }
  {
    std::vector<std::byte> image = InterpImage();  // Empty path.
    PatchPhdr(image, 0, [&](elf::Elf64Phdr& p) { image[p.p_offset] = std::byte{0}; });
    ExpectNoExec(image);
  }
  {
    std::vector<std::byte> image = InterpImage();  // Outside the file.
    PatchPhdr(image, 0, [&](elf::Elf64Phdr& p) { p.p_offset = image.size() - 2; });
    ExpectNoExec(image);
  }
  {
    std::vector<std::byte> image = InterpImage();  // Offset overflows.
    PatchPhdr(image, 0,
              [](elf::Elf64Phdr& p) { p.p_offset = std::numeric_limits<uint64_t>::max() - 2; });
    ExpectNoExec(image);
  }
  {
    std::vector<std::byte> image = TestElfBuilder(elf::kEtDyn)  // Two PT_INTERPs.
                                       .Entry(0x1000)
                                       .Interp("/ld.so")
                                       .Interp("/ld.so")
                                       .Load(kR | kX, 0, 0x2000, 0x2000)
                                       .Build();
    ExpectNoExec(image);
  }
}

TEST(ParseElfTest, RejectsBadIdent) {
  ExpectNoExec({});
  {
    std::vector<std::byte> image = GoodStaticImage();
    image.resize(63);  // Shorter than the ELF header.
    ExpectNoExec(image);
  }
  for (int i = 0; i < 4; ++i) {
    std::vector<std::byte> image = GoodStaticImage();
    image[i] ^= std::byte{0x20};
    ExpectNoExec(image);
  }
  const struct {
    int index;
    uint8_t value;
  } kBad[] = {
      {elf::kEiClass, 1},                     // ELFCLASS32.
      {elf::kEiClass, 0}, {elf::kEiData, 2},  // Big-endian.
      {elf::kEiData, 0},  {elf::kEiVersion, 0}, {elf::kEiVersion, 2},
  };
  for (const auto& b : kBad) {
    std::vector<std::byte> image = GoodStaticImage();
    image[b.index] = std::byte{b.value};
    SCOPED_TRACE(b.index);
    ExpectNoExec(image);
  }
}

TEST(ParseElfTest, RejectsBadHeaderFields) {
  const auto expect_bad = [](auto patch) {
    std::vector<std::byte> image = GoodStaticImage();
    PatchEhdr(image, patch);
    ExpectNoExec(image);
  };
  expect_bad([](elf::Elf64Ehdr& e) { e.e_version = 0; });
  expect_bad([](elf::Elf64Ehdr& e) { e.e_machine = 3; });    // EM_386.
  expect_bad([](elf::Elf64Ehdr& e) { e.e_machine = 183; });  // EM_AARCH64.
  expect_bad([](elf::Elf64Ehdr& e) { e.e_type = 1; });       // ET_REL.
  expect_bad([](elf::Elf64Ehdr& e) { e.e_type = 4; });       // ET_CORE.
  expect_bad([](elf::Elf64Ehdr& e) { e.e_type = 0; });
  expect_bad([](elf::Elf64Ehdr& e) { e.e_phentsize = 32; });
  expect_bad([](elf::Elf64Ehdr& e) { e.e_phentsize = 64; });
  expect_bad([](elf::Elf64Ehdr& e) { e.e_phnum = 0; });
  expect_bad([](elf::Elf64Ehdr& e) { e.e_phnum = 0xffff; });   // PN_XNUM.
  expect_bad([](elf::Elf64Ehdr& e) { e.e_phoff = 1 << 20; });  // Table outside the file.
  expect_bad([](elf::Elf64Ehdr& e) { e.e_phoff = std::numeric_limits<uint64_t>::max() - 8; });
  expect_bad([](elf::Elf64Ehdr& e) { e.e_phnum = 300; });  // Table runs past the end.
  expect_bad([](elf::Elf64Ehdr& e) { e.e_entry = kMaxUserAddress; });
}

TEST(ParseElfTest, PhnumBound) {
  // A table of kMaxPhnum entries is fine; one more is not, even inside the file.
  std::vector<std::byte> image = GoodStaticImage();
  const size_t table = 0x10000;
  image.resize(table + (kMaxPhnum + 1) * sizeof(elf::Elf64Phdr));
  elf::Elf64Ehdr eh;
  std::memcpy(&eh, image.data(), sizeof(eh));
  // Copy the real headers to the new table; the rest are PT_NULL.
  std::memcpy(image.data() + table, image.data() + eh.e_phoff, eh.e_phnum * sizeof(elf::Elf64Phdr));
  PatchEhdr(image, [&](elf::Elf64Ehdr& e) {
    e.e_phoff = table;
    e.e_phnum = kMaxPhnum;
  });
  Result<ElfInfo> r = Parse(image);
  ASSERT_TRUE(r.ok()) << r.error().value();
  EXPECT_EQ(r->phdrs.size(), kMaxPhnum);
  PatchEhdr(image, [&](elf::Elf64Ehdr& e) { e.e_phnum = kMaxPhnum + 1; });
  ExpectNoExec(image);
}

TEST(ParseElfTest, RejectsBadLoadSegments) {
  const auto expect_bad = [](size_t i, auto patch) {
    std::vector<std::byte> image = GoodStaticImage();
    PatchPhdr(image, i, patch);
    ExpectNoExec(image);
  };
  // p_filesz > p_memsz.
  expect_bad(2, [](elf::Elf64Phdr& p) { p.p_memsz = p.p_filesz - 1; });
  // File bytes beyond the end of the file, or an offset that overflows.
  expect_bad(3, [](elf::Elf64Phdr& p) { p.p_filesz = 0x2000; });
  expect_bad(3,
             [](elf::Elf64Phdr& p) { p.p_offset = std::numeric_limits<uint64_t>::max() - 0x10; });
  // Memory that overflows or leaves the user address range.
  expect_bad(3,
             [](elf::Elf64Phdr& p) { p.p_memsz = std::numeric_limits<uint64_t>::max() - 0x1000; });
  expect_bad(3, [](elf::Elf64Phdr& p) { p.p_memsz = kMaxUserAddress - p.p_vaddr + 1; });
  expect_bad(3, [](elf::Elf64Phdr& p) { p.p_vaddr = kMaxUserAddress + 0x10; });
  // p_offset and p_vaddr not congruent modulo the page size.
  expect_bad(3, [](elf::Elf64Phdr& p) { p.p_vaddr += 8; });
  // Unsorted, or overlapping the previous segment.
  expect_bad(2, [](elf::Elf64Phdr& p) { p.p_vaddr = 0x300000; });
  expect_bad(3, [](elf::Elf64Phdr& p) { p.p_vaddr = 0x402010; });
  // An absurd alignment.
  expect_bad(2, [](elf::Elf64Phdr& p) { p.p_align = uint64_t{1} << 62; });
  // No PT_LOAD at all.
  {
    std::vector<std::byte> image = GoodStaticImage();
    for (size_t i = 1; i <= 3; ++i) PatchPhdr(image, i, [](elf::Elf64Phdr& p) { p.p_type = 0; });
    ExpectNoExec(image);
  }
}

TEST(ParseElfTest, AcceptsLooseSegments) {
  {
    // Without a page alignment, p_offset and p_vaddr need not be congruent.
    std::vector<std::byte> image = GoodStaticImage();
    PatchPhdr(image, 3, [](elf::Elf64Phdr& p) {
      p.p_vaddr += 8;
      p.p_align = 1;
    });
    EXPECT_TRUE(Parse(image).ok());
  }
  {
    // Segments may share a page as long as their bytes don't overlap.
    std::vector<std::byte> image = GoodStaticImage();
    PatchPhdr(image, 3, [](elf::Elf64Phdr& p) {
      p.p_vaddr = 0x402234;
      p.p_offset = 0x2234;
    });
    Result<ElfInfo> r = Parse(image);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->image_end, 0x406000u);
  }
}

TEST(ParseElfTest, RejectsTwoPtPhdrs) {
  const std::vector<std::byte> image = TestElfBuilder(elf::kEtExec)
                                           .Entry(0x400100)
                                           .Phdr()
                                           .Phdr()
                                           .Load(kR | kX, 0x400000, 0x400, 0x400)
                                           .Build();
  ExpectNoExec(image);
}

// A source whose Size() claims more than it holds, or that fails.
class LyingSource : public ExecutableSource {
 public:
  LyingSource(std::vector<std::byte> bytes, uint64_t size, bool fail)
      : bytes_(std::move(bytes)), inner_(bytes_), size_(size), fail_(fail) {}
  Result<size_t> ReadAt(std::span<std::byte> dst, uint64_t offset) override {
    if (fail_) return Errno(EIO);
    return inner_.ReadAt(dst, offset);
  }
  Result<uint64_t> Size() override { return size_; }

 private:
  std::vector<std::byte> bytes_;
  ByteSource inner_;
  uint64_t size_;
  bool fail_;
};

TEST(ParseElfTest, SourceErrors) {
  std::vector<std::byte> image = GoodStaticImage();
  image.resize(100);  // The program header table is cut off.
  LyingSource truncated(image, 1 << 20, /*fail=*/false);
  Result<ElfInfo> r = ParseElf(truncated);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), ENOEXEC);

  LyingSource failing(GoodStaticImage(), 1 << 20, /*fail=*/true);
  r = ParseElf(failing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), EIO);
}

TEST(HostFileSourceTest, OpenMissing) {
  Result<HostFileSource> r = HostFileSource::Open("/nonexistent/kekkai-loader-test");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), ENOENT);
}

constexpr const char* kBusybox = "/bin/busybox";

TEST(ParseElfTest, RealBusybox) {
  Result<HostFileSource> src = HostFileSource::Open(kBusybox);
  if (!src.ok()) GTEST_SKIP() << kBusybox << " not present (install busybox-static)";
  // Read the headers independently, with glibc's <elf.h>, to compare.
  Elf64_Ehdr eh;
  ASSERT_EQ(pread(src->fd(), &eh, sizeof(eh), 0), static_cast<ssize_t>(sizeof(eh)));
  std::vector<Elf64_Phdr> phdrs(eh.e_phnum);
  ASSERT_EQ(pread(src->fd(), phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr), eh.e_phoff),
            static_cast<ssize_t>(phdrs.size() * sizeof(Elf64_Phdr)));
  bool dynamic = false;
  for (const Elf64_Phdr& p : phdrs) dynamic |= p.p_type == PT_INTERP;
  if (dynamic) GTEST_SKIP() << kBusybox << " is dynamically linked (install busybox-static)";

  Result<ElfInfo> r = ParseElf(*src);
  ASSERT_TRUE(r.ok()) << r.error().value();
  EXPECT_EQ(r->type, eh.e_type);
  EXPECT_EQ(r->entry, eh.e_entry);
  ASSERT_EQ(r->phdrs.size(), phdrs.size());
  EXPECT_FALSE(r->interpreter.has_value());
  size_t loads = 0;
  for (size_t i = 0; i < phdrs.size(); ++i) {
    EXPECT_EQ(r->phdrs[i].p_type, phdrs[i].p_type);
    EXPECT_EQ(r->phdrs[i].p_vaddr, phdrs[i].p_vaddr);
    if (phdrs[i].p_type == PT_LOAD) ++loads;
  }
  EXPECT_EQ(r->loads.size(), loads);
  // The entry point is inside an executable segment.
  bool entry_in_text = false;
  for (const elf::Elf64Phdr& p : r->loads) {
    entry_in_text |=
        (p.p_flags & kX) != 0 && r->entry >= p.p_vaddr && r->entry < p.p_vaddr + p.p_memsz;
  }
  EXPECT_TRUE(entry_in_text);
  // Static glibc finds its TLS template through AT_PHDR, so it must be known.
  EXPECT_NE(r->phdr_vaddr, 0u);
  EXPECT_LE(r->image_start, r->phdr_vaddr);
  EXPECT_LT(r->phdr_vaddr, r->image_end);
}

}  // namespace
}  // namespace kekkai::sentry::loader

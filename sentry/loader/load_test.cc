// Tests Load against a fake LoadTarget that keeps pages in a map: where each
// image lands, what its pages hold, their protections and names, the stack and
// auxv a program finds, and the errors.
#include <sys/auxv.h>

#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "abi/linux/auxv.h"
#include "abi/linux/elf.h"
#include "abi/linux/mman.h"
#include "gtest/gtest.h"
#include "sentry/loader/elf.h"
#include "sentry/loader/executable_source.h"
#include "sentry/loader/host_cpu_aux.h"
#include "sentry/loader/loader.h"
#include "sentry/loader/test_elf_builder.h"

namespace kekkai::sentry::loader {
namespace {

namespace linux = ::kekkai::abi::linux;
using testing::GoodStaticImage;
using testing::TestElfBuilder;

constexpr uint32_t kR = linux::kPfR, kW = linux::kPfW, kX = linux::kPfX;
constexpr uint64_t kMax = 0x7ffffffff000;

// An address space as a map of pages. Enforces what the loader must respect: no
// fixed mapping over another, CopyOut only to writable pages.
class FakeTarget : public LoadTarget {
 public:
  struct Page {
    int prot = 0;
    bool grows_down = false;
    std::string name;
    std::unique_ptr<std::byte[]> data;  // Null: all zero.
  };

  uint64_t max_user_address() override { return max_; }
  void SetLayout(uint64_t mmap_base, uint64_t max_address) override {
    mmap_base_ = mmap_base;
    layout_max_ = max_address;
    ++calls_["SetLayout"];
  }
  Result<GuestAddr> Map(const TargetMapping& m) override {
    ++calls_["Map"];
    if (m.length == 0 || !IsPageAligned(m.length) || !IsPageAligned(m.addr)) {
      return Errno(EINVAL);
    }
    uint64_t addr = m.addr;
    if (m.fixed) {
      if (addr < kMinUserAddress || addr > max_ || m.length > max_ - addr) return Errno(ENOMEM);
      if (AnyMapped(addr, m.length)) return Errno(EEXIST);
    } else {
      // Top-down from the mmap base, below the lowest conflict.
      if (m.length > mmap_base_) return Errno(ENOMEM);
      addr = mmap_base_ - m.length;
      for (;;) {
        auto it = pages_.lower_bound(addr);
        if (it == pages_.end() || it->first >= addr + m.length) break;
        // Jump below the highest mapped page of the candidate range.
        auto hi = pages_.lower_bound(addr + m.length);
        --hi;
        if (hi->first < m.length + kMinUserAddress) return Errno(ENOMEM);
        addr = hi->first - m.length;
      }
    }
    for (uint64_t p = addr; p < addr + m.length; p += kPageSize) {
      Page& page = pages_[p];
      page.prot = m.prot;
      page.grows_down = m.grows_down;
      page.name = m.name;
    }
    return GuestAddr(addr);
  }
  Result<void> Unmap(GuestAddr addr, uint64_t length) override {
    ++calls_["Unmap"];
    pages_.erase(pages_.lower_bound(Raw(addr)), pages_.lower_bound(Raw(addr) + length));
    return Ok();
  }
  Result<void> Protect(GuestAddr addr, uint64_t length, int prot) override {
    ++calls_["Protect"];
    for (uint64_t p = Raw(addr); p < Raw(addr) + length; p += kPageSize) {
      auto it = pages_.find(p);
      if (it == pages_.end()) return Errno(ENOMEM);
      it->second.prot = prot;
    }
    return Ok();
  }
  Result<void> CopyOut(GuestAddr dst, std::span<const std::byte> src) override {
    ++calls_["CopyOut"];
    uint64_t a = Raw(dst);
    for (size_t done = 0; done < src.size();) {
      auto it = pages_.find(PageRoundDown(a));
      if (it == pages_.end() || (it->second.prot & linux::kProtWrite) == 0) return Errno(EFAULT);
      if (!it->second.data) {
        it->second.data = std::make_unique<std::byte[]>(kPageSize);
        std::memset(it->second.data.get(), 0, kPageSize);
      }
      const size_t n = std::min<uint64_t>(src.size() - done, kPageSize - (a & kPageMask));
      std::memcpy(it->second.data.get() + (a & kPageMask), src.data() + done, n);
      done += n;
      a += n;
    }
    return Ok();
  }
  void SetBrkStart(GuestAddr start) override { brk_ = Raw(start); }
  void SetExecRanges(const ExecRanges& r) override { ranges_ = r; }

  // Test accessors.
  bool AnyMapped(uint64_t addr, uint64_t len) const {
    auto it = pages_.lower_bound(addr);
    return it != pages_.end() && it->first < addr + len;
  }
  const Page* PageAt(uint64_t addr) const {
    auto it = pages_.find(PageRoundDown(addr));
    return it == pages_.end() ? nullptr : &it->second;
  }
  std::vector<std::byte> Read(uint64_t addr, size_t len) const {
    std::vector<std::byte> out;
    for (size_t i = 0; i < len; ++i, ++addr) {
      const Page* p = PageAt(addr);
      EXPECT_NE(p, nullptr) << std::hex << addr;
      if (p == nullptr) return out;
      out.push_back(p->data ? p->data[addr & kPageMask] : std::byte{0});
    }
    return out;
  }
  uint64_t Word(uint64_t addr) const {
    const std::vector<std::byte> b = Read(addr, 8);
    uint64_t v = 0;
    if (b.size() == 8) std::memcpy(&v, b.data(), 8);
    return v;
  }
  std::string String(uint64_t addr) const {
    std::string s;
    for (;;) {
      const std::vector<std::byte> b = Read(addr++, 1);
      if (b.empty() || b[0] == std::byte{0}) return s;
      s += static_cast<char>(b[0]);
    }
  }

  uint64_t max_ = kMax;
  uint64_t mmap_base_ = kMax;
  uint64_t layout_max_ = 0;
  uint64_t brk_ = 0;
  ExecRanges ranges_;
  std::map<uint64_t, Page> pages_;
  std::map<std::string, int> calls_;
};

// The initial stack as the program reads it.
struct StackView {
  std::vector<std::string> argv, envp;
  std::map<uint64_t, uint64_t> auxv;
  std::vector<uint64_t> aux_keys;
};

StackView ReadStack(const FakeTarget& t, uint64_t sp) {
  StackView v;
  const uint64_t argc = t.Word(sp);
  uint64_t p = sp + 8;
  for (uint64_t i = 0; i < argc && i < 1000; ++i, p += 8) v.argv.push_back(t.String(t.Word(p)));
  EXPECT_EQ(t.Word(p), 0u);
  p += 8;
  for (uint64_t a; (a = t.Word(p)) != 0 && v.envp.size() < 1000; p += 8) {
    v.envp.push_back(t.String(a));
  }
  p += 8;
  for (int i = 0; i < 64; ++i, p += 16) {
    const uint64_t key = t.Word(p);
    v.aux_keys.push_back(key);
    v.auxv[key] = t.Word(p + 8);
    if (key == linux::kAtNull) break;
  }
  return v;
}

int ProtOf(uint32_t flags) {
  return ((flags & kR) ? linux::kProtRead : 0) | ((flags & kW) ? linux::kProtWrite : 0) |
         ((flags & kX) ? linux::kProtExec : 0);
}

// Checks every PT_LOAD of `image` at `bias`: file bytes, zero fill, protections
// and names.
void ExpectImageLoaded(const FakeTarget& t, const std::vector<std::byte>& image, uint64_t bias,
                       const std::string& name) {
  ByteSource src(image);
  Result<ElfInfo> info = ParseElf(src);
  ASSERT_TRUE(info.ok());
  for (const linux::Elf64Phdr& ph : info->loads) {
    const uint64_t start = ph.p_vaddr + bias;
    const std::vector<std::byte> got = t.Read(start, ph.p_filesz);
    ASSERT_EQ(got.size(), ph.p_filesz);
    EXPECT_EQ(0, std::memcmp(got.data(), image.data() + ph.p_offset, ph.p_filesz))
        << "segment at " << std::hex << start;
    const uint64_t zero_end = *PageRoundUp(start + ph.p_memsz);
    const std::vector<std::byte> bss = t.Read(start + ph.p_filesz, zero_end - start - ph.p_filesz);
    for (size_t i = 0; i < bss.size(); ++i) {
      if (bss[i] != std::byte{0}) {
        ADD_FAILURE() << "nonzero bss at " << std::hex << start + ph.p_filesz + i;
        break;
      }
    }
    for (uint64_t p = PageRoundDown(start); p < zero_end; p += kPageSize) {
      const FakeTarget::Page* page = t.PageAt(p);
      ASSERT_NE(page, nullptr);
      EXPECT_EQ(page->prot & ProtOf(ph.p_flags), ProtOf(ph.p_flags)) << std::hex << p;
      if (p < start + ph.p_filesz) {
        EXPECT_EQ(page->name, name) << std::hex << p;
      }
    }
  }
}

LoadRequest Request(ExecutableSource* file) {
  LoadRequest req;
  req.file = file;
  req.execfn = "/bin/prog";
  req.argv = {"prog", "arg1"};
  req.envp = {"HOME=/", "TERM=xterm"};
  req.uid = 1000;
  req.euid = 1001;
  req.gid = 1002;
  req.egid = 1003;
  req.randomize = false;
  return req;
}

TEST(LoadTest, StaticExecutable) {
  const std::vector<std::byte> image = GoodStaticImage();
  ByteSource src(image);
  FakeTarget t;
  Result<LoadResult> r = LoadInto(t, Request(&src));
  ASSERT_TRUE(r.ok()) << r.error().value();

  EXPECT_EQ(r->entry, 0x401000u);
  EXPECT_EQ(r->program_entry, 0x401000u);
  EXPECT_EQ(r->load_bias, 0u);
  EXPECT_EQ(r->interp_base, 0u);
  EXPECT_TRUE(r->interp.empty());
  EXPECT_EQ(r->phdr, 0x400040u);
  ExpectImageLoaded(t, image, 0, "/bin/prog");
  // The bss page past the file bytes is anonymous.
  EXPECT_EQ(t.PageAt(0x405000)->name, "");
  EXPECT_EQ(t.PageAt(0x401000)->prot, linux::kProtRead | linux::kProtExec);
  EXPECT_EQ(t.PageAt(0x400000)->prot, linux::kProtRead);
  EXPECT_EQ(t.PageAt(0x403000)->prot, linux::kProtRead | linux::kProtWrite);
  EXPECT_EQ(t.PageAt(0x402000)->prot, linux::kProtRead | linux::kProtExec);
  EXPECT_EQ(t.PageAt(0x407000), nullptr);

  // Without randomization: Linux's ADDR_NO_RANDOMIZE layout.
  EXPECT_EQ(r->stack_top, kMax);
  EXPECT_EQ(r->stack_size, 8u << 20);
  EXPECT_EQ(r->mmap_base, kMax - (128u << 20));
  EXPECT_EQ(t.mmap_base_, r->mmap_base);
  EXPECT_EQ(t.layout_max_, kMax);
  EXPECT_EQ(r->brk_start, 0x407000u);
  EXPECT_EQ(t.brk_, 0x407000u);
  for (uint64_t p : {kMax - (8u << 20), kMax - kPageSize}) {
    const FakeTarget::Page* page = t.PageAt(p);
    ASSERT_NE(page, nullptr);
    EXPECT_EQ(page->name, "[stack]");
    EXPECT_TRUE(page->grows_down);
    EXPECT_EQ(page->prot, linux::kProtRead | linux::kProtWrite);
  }
  EXPECT_EQ(t.PageAt(kMax - (8u << 20) - kPageSize), nullptr);

  EXPECT_EQ(r->stack_pointer % 16, 0u);
  const StackView s = ReadStack(t, r->stack_pointer);
  EXPECT_EQ(s.argv, (std::vector<std::string>{"prog", "arg1"}));
  EXPECT_EQ(s.envp, (std::vector<std::string>{"HOME=/", "TERM=xterm"}));
  const HostCpuAux& cpu = GetHostCpuAux();
  const std::map<uint64_t, uint64_t> want = {
      {linux::kAtPhdr, 0x400040},
      {linux::kAtPhent, 56},
      {linux::kAtPhnum, 5},
      {linux::kAtPagesz, 4096},
      {linux::kAtBase, 0},
      {linux::kAtFlags, 0},
      {linux::kAtEntry, 0x401000},
      {linux::kAtUid, 1000},
      {linux::kAtEuid, 1001},
      {linux::kAtGid, 1002},
      {linux::kAtEgid, 1003},
      {linux::kAtSecure, 0},
      {linux::kAtHwcap, getauxval(AT_HWCAP)},
      {linux::kAtHwcap2, getauxval(AT_HWCAP2)},
      {linux::kAtClktck, 100},
      {linux::kAtMinsigstksz, cpu.minsigstksz},
      {linux::kAtNull, 0},
  };
  for (const auto& [key, value] : want) {
    ASSERT_TRUE(s.auxv.contains(key)) << key;
    EXPECT_EQ(s.auxv.at(key), value) << key;
  }
  EXPECT_NE(cpu.minsigstksz, 0u);
  if (getauxval(AT_MINSIGSTKSZ) != 0) {
    EXPECT_EQ(cpu.minsigstksz, getauxval(AT_MINSIGSTKSZ));
  }
  EXPECT_EQ(t.String(s.auxv.at(linux::kAtExecfn)), "/bin/prog");
  EXPECT_EQ(t.String(s.auxv.at(linux::kAtPlatform)), "x86_64");
  EXPECT_EQ(t.Read(s.auxv.at(linux::kAtRandom), 16).size(), 16u);
  EXPECT_FALSE(s.auxv.contains(linux::kAtSysinfoEhdr));
  EXPECT_EQ(s.aux_keys.back(), linux::kAtNull);
  EXPECT_EQ(s.aux_keys.size(), want.size() + 3);  // + RANDOM, PLATFORM, EXECFN.
  std::set<uint64_t> unique(s.aux_keys.begin(), s.aux_keys.end());
  EXPECT_EQ(unique.size(), s.aux_keys.size());

  EXPECT_EQ(t.ranges_.stack_top, kMax);
  EXPECT_EQ(t.ranges_.argv_end - t.ranges_.argv_start, sizeof("prog") + sizeof("arg1"));
  EXPECT_EQ(t.ranges_.argv_end, t.ranges_.envp_start);
  EXPECT_EQ(t.String(t.ranges_.argv_start), "prog");
  EXPECT_EQ(t.String(t.ranges_.envp_start), "HOME=/");
  EXPECT_EQ(t.Word(t.ranges_.auxv_start), r->auxv.front().key);
  EXPECT_EQ(t.ranges_.auxv_end - t.ranges_.auxv_start, r->auxv.size() * 16);
}

TEST(LoadTest, EmptyArgvGetsAnEmptyArgv0) {
  const std::vector<std::byte> image = GoodStaticImage();
  ByteSource src(image);
  FakeTarget t;
  LoadRequest req = Request(&src);
  req.argv.clear();
  Result<LoadResult> r = LoadInto(t, req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ReadStack(t, r->stack_pointer).argv, std::vector<std::string>{""});
}

TEST(LoadTest, ExecutableStack) {
  const std::vector<std::byte> image = TestElfBuilder(linux::kEtExec)
                                           .Entry(0x401000)
                                           .Load(kR | kX, 0x400000, 0x2000, 0x2000)
                                           .GnuStack(kR | kW | kX)
                                           .Build();
  ByteSource src(image);
  FakeTarget t;
  Result<LoadResult> r = LoadInto(t, Request(&src));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->exec_stack);
  EXPECT_EQ(t.PageAt(kMax - kPageSize)->prot,
            linux::kProtRead | linux::kProtWrite | linux::kProtExec);
}

TEST(LoadTest, StaticPieAtEtDynBase) {
  const std::vector<std::byte> image = TestElfBuilder(linux::kEtDyn)
                                           .Entry(0x1100)
                                           .Phdr()
                                           .Load(kR | kX, 0, 0x1800, 0x1800)
                                           .Load(kR | kW, 0x2800, 0x40, 0x2000)
                                           .Build();
  ByteSource src(image);
  FakeTarget t;
  Result<LoadResult> r = LoadInto(t, Request(&src));
  ASSERT_TRUE(r.ok()) << r.error().value();
  EXPECT_EQ(r->load_bias, 0x555555554000u);
  EXPECT_EQ(r->entry, 0x555555554000u + 0x1100);
  EXPECT_EQ(r->phdr, 0x555555554000u + 0x40);
  EXPECT_EQ(r->brk_start, 0x555555554000u + 0x5000);
  ExpectImageLoaded(t, image, r->load_bias, "/bin/prog");
  const StackView s = ReadStack(t, r->stack_pointer);
  EXPECT_EQ(s.auxv.at(linux::kAtEntry), r->entry);
  EXPECT_EQ(s.auxv.at(linux::kAtPhdr), r->phdr);
}

TEST(LoadTest, EtDynBiasHonorsAlignment) {
  const std::vector<std::byte> image = TestElfBuilder(linux::kEtDyn)
                                           .Entry(0x1000)
                                           .Load(kR | kX, 0, 0x1800, 0x1800, 0x200000)
                                           .Load(kR | kW, 0x201800, 0x40, 0x40, 0x200000)
                                           .Build();
  for (bool randomize : {false, true}) {
    ByteSource src(image);
    FakeTarget t;
    LoadRequest req = Request(&src);
    req.randomize = randomize;
    Result<LoadResult> r = LoadInto(t, req);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->load_bias % 0x200000, 0u) << std::hex << r->load_bias;
    ExpectImageLoaded(t, image, r->load_bias, "/bin/prog");
  }
}

// A dynamic program and its interpreter.
struct DynamicPair {
  std::vector<std::byte> prog = TestElfBuilder(linux::kEtDyn)
                                    .Entry(0x1040)
                                    .Phdr()
                                    .Interp("/lib64/ld-test.so")
                                    .Load(kR | kX, 0, 0x1800, 0x1800)
                                    .Load(kR | kW, 0x2800, 0x40, 0x1000)
                                    .GnuStack(kR | kW)
                                    .Build();
  std::vector<std::byte> interp = TestElfBuilder(linux::kEtDyn)
                                      .Entry(0x1234)
                                      .Load(kR | kX, 0, 0x3000, 0x3000)
                                      .Load(kR | kW, 0x4000, 0x100, 0x2000)
                                      .Build();
};

TEST(LoadTest, DynamicExecutableWithInterpreter) {
  DynamicPair pair;
  ByteSource src(pair.prog);
  FakeTarget t;
  LoadRequest req = Request(&src);
  std::string opened;
  req.open_interpreter = [&](const std::string& path) -> Result<std::unique_ptr<ExecutableSource>> {
    opened = path;
    return std::unique_ptr<ExecutableSource>(std::make_unique<ByteSource>(pair.interp));
  };
  Result<LoadResult> r = LoadInto(t, req);
  ASSERT_TRUE(r.ok()) << r.error().value();
  EXPECT_EQ(opened, "/lib64/ld-test.so");
  EXPECT_EQ(r->interp, "/lib64/ld-test.so");
  EXPECT_EQ(r->load_bias, 0x555555554000u);
  EXPECT_EQ(r->program_entry, 0x555555554000u + 0x1040);
  // The interpreter goes where mmap would put it: right below the mmap base.
  EXPECT_EQ(r->interp_base, r->mmap_base - 0x6000);
  EXPECT_EQ(r->entry, r->interp_base + 0x1234);
  ExpectImageLoaded(t, pair.prog, r->load_bias, "/bin/prog");
  ExpectImageLoaded(t, pair.interp, r->interp_base, "/lib64/ld-test.so");
  const StackView s = ReadStack(t, r->stack_pointer);
  EXPECT_EQ(s.auxv.at(linux::kAtBase), r->interp_base);
  EXPECT_EQ(s.auxv.at(linux::kAtEntry), r->program_entry);
  EXPECT_EQ(s.auxv.at(linux::kAtPhdr), 0x555555554000u + 0x40);
  EXPECT_EQ(s.auxv.at(linux::kAtPhnum), 5u);
}

TEST(LoadTest, InterpreterErrorsComeBeforeAnyMapping) {
  DynamicPair pair;
  {
    ByteSource src(pair.prog);
    FakeTarget t;
    LoadRequest req = Request(&src);
    req.open_interpreter = [](const std::string&) -> Result<std::unique_ptr<ExecutableSource>> {
      return Errno(ENOENT);
    };
    Result<LoadResult> r = LoadInto(t, req);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().value(), ENOENT);
    EXPECT_TRUE(t.pages_.empty());
  }
  {
    ByteSource src(pair.prog);
    FakeTarget t;
    Result<LoadResult> r = LoadInto(t, Request(&src));  // No open_interpreter.
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().value(), ENOENT);
  }
  {
    ByteSource src(pair.prog);
    FakeTarget t;
    LoadRequest req = Request(&src);
    std::vector<std::byte> bad = pair.interp;
    bad[0] = std::byte{0};
    req.open_interpreter = [&](const std::string&) -> Result<std::unique_ptr<ExecutableSource>> {
      return std::unique_ptr<ExecutableSource>(std::make_unique<ByteSource>(bad));
    };
    Result<LoadResult> r = LoadInto(t, req);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().value(), ENOEXEC);
    EXPECT_TRUE(t.pages_.empty());
  }
}

TEST(LoadTest, RequestErrors) {
  const std::vector<std::byte> image = GoodStaticImage();
  {
    FakeTarget t;
    LoadRequest req = Request(nullptr);
    EXPECT_EQ(LoadInto(t, req).error().value(), EINVAL);
  }
  {
    ByteSource src(image);
    FakeTarget t;
    LoadRequest req = Request(&src);
    req.envp.assign(20, std::string(120 << 10, 'e'));
    Result<LoadResult> r = LoadInto(t, req);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().value(), E2BIG);
    EXPECT_TRUE(t.pages_.empty());
  }
  {
    std::vector<std::byte> bad = image;
    bad[4] = std::byte{1};  // ELFCLASS32.
    ByteSource src(bad);
    FakeTarget t;
    EXPECT_EQ(LoadInto(t, Request(&src)).error().value(), ENOEXEC);
    EXPECT_TRUE(t.pages_.empty());
  }
  {
    // Below mmap_min_addr.
    const std::vector<std::byte> low =
        TestElfBuilder(linux::kEtExec).Entry(0x1000).Load(kR | kX, 0x1000, 0x2000, 0x2000).Build();
    ByteSource src(low);
    FakeTarget t;
    EXPECT_EQ(LoadInto(t, Request(&src)).error().value(), EPERM);
  }
  {
    // Over the stack.
    const std::vector<std::byte> high = TestElfBuilder(linux::kEtExec)
                                            .Entry(kMax - 0x100000)
                                            .Load(kR | kX, kMax - 0x100000, 0x2000, 0x2000)
                                            .Build();
    ByteSource src(high);
    FakeTarget t;
    EXPECT_EQ(LoadInto(t, Request(&src)).error().value(), EEXIST);
  }
  {
    // Beyond the address space the platform allows.
    ByteSource src(image);
    FakeTarget t;
    t.max_ = 0x400000;
    EXPECT_EQ(LoadInto(t, Request(&src)).error().value(), ENOMEM);
  }
}

TEST(LoadTest, SegmentsSharingAPage) {
  // Text ends at 0x400a00 and data starts at 0x400a00 in the same page (ld -N).
  std::vector<std::byte> image = TestElfBuilder(linux::kEtExec)
                                     .Entry(0x400100)
                                     .Load(kR | kX, 0x400000, 0xa00, 0xa00)
                                     .Load(kR | kW, 0x401a00, 0x300, 0x1800)
                                     .Build();
  testing::PatchPhdr(image, 1, [](linux::Elf64Phdr& p) {
    p.p_vaddr = 0x400a00;
    p.p_offset -= 0x1000;  // Keep offset and vaddr congruent: the bytes at 0xa00.
  });
  ByteSource src(image);
  FakeTarget t;
  Result<LoadResult> r = LoadInto(t, Request(&src));
  ASSERT_TRUE(r.ok()) << r.error().value();
  ExpectImageLoaded(t, image, 0, "/bin/prog");
  EXPECT_EQ(t.PageAt(0x400000)->prot, linux::kProtRead | linux::kProtWrite | linux::kProtExec);
  EXPECT_EQ(t.PageAt(0x401000)->prot, linux::kProtRead | linux::kProtWrite);
  EXPECT_EQ(t.PageAt(0x400000)->name, "/bin/prog");
  EXPECT_EQ(t.PageAt(0x401000)->name, "");
}

TEST(LoadTest, RandomizedLayout) {
  const std::vector<std::byte> image =
      TestElfBuilder(linux::kEtDyn).Entry(0x1000).Load(kR | kX, 0, 0x2000, 0x2000).Build();
  std::set<uint64_t> stack_tops, mmap_bases, biases, brks;
  for (int i = 0; i < 4; ++i) {
    ByteSource src(image);
    FakeTarget t;
    LoadRequest req = Request(&src);
    req.randomize = true;
    Result<LoadResult> r = LoadInto(t, req);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(IsPageAligned(r->stack_top));
    EXPECT_LE(r->stack_top, kMax);
    EXPECT_GT(r->stack_top, kMax - (uint64_t{16} << 30));
    EXPECT_TRUE(IsPageAligned(r->mmap_base));
    EXPECT_LE(r->mmap_base, r->stack_top - (128u << 20));
    EXPECT_GT(r->mmap_base, r->stack_top - (128u << 20) - (uint64_t{1} << 40));
    EXPECT_GE(r->load_bias, 0x555555554000u);
    EXPECT_LT(r->load_bias, 0x555555554000u + (uint64_t{1} << 40));
    EXPECT_GE(r->brk_start, r->load_bias + 0x2000);
    EXPECT_LT(r->brk_start, r->load_bias + 0x2000 + (32u << 20));
    EXPECT_EQ(r->stack_pointer % 16, 0u);
    stack_tops.insert(r->stack_top);
    mmap_bases.insert(r->mmap_base);
    biases.insert(r->load_bias);
    brks.insert(r->brk_start);
  }
  // Four draws from millions of slots: all equal only if randomization is off.
  EXPECT_GT(stack_tops.size(), 1u);
  EXPECT_GT(mmap_bases.size(), 1u);
  EXPECT_GT(biases.size(), 1u);
  EXPECT_GT(brks.size(), 1u);
}

TEST(LoadTest, StackRlimitSizesTheStack) {
  const std::vector<std::byte> image = GoodStaticImage();
  for (const auto& [rlimit, size] :
       std::vector<std::pair<uint64_t, uint64_t>>{{uint64_t{32} << 20, uint64_t{32} << 20},
                                                  {uint64_t{4096}, kMinStackMapping},
                                                  {~uint64_t{0}, kMaxStackMapping}}) {
    ByteSource src(image);
    FakeTarget t;
    LoadRequest req = Request(&src);
    req.stack_rlimit = rlimit;
    Result<LoadResult> r = LoadInto(t, req);
    ASSERT_TRUE(r.ok()) << rlimit;
    EXPECT_EQ(r->stack_size, size);
    EXPECT_NE(t.PageAt(r->stack_top - size), nullptr);
    EXPECT_EQ(t.PageAt(r->stack_top - size - kPageSize), nullptr);
    EXPECT_LE(r->mmap_base, r->stack_top - size);
  }
}

constexpr const char* kBusybox = "/bin/busybox";

TEST(LoadTest, RealBusybox) {
  Result<HostFileSource> src = HostFileSource::Open(kBusybox);
  if (!src.ok()) GTEST_SKIP() << kBusybox << " not present (install busybox-static)";
  Result<ElfInfo> info = ParseElf(*src);
  ASSERT_TRUE(info.ok());
  if (info->interpreter.has_value()) {
    GTEST_SKIP() << kBusybox << " is dynamically linked (install busybox-static)";
  }
  Result<uint64_t> size = src->Size();
  ASSERT_TRUE(size.ok());
  std::vector<std::byte> file(*size);
  ASSERT_TRUE(ReadFullAt(*src, file, 0).ok());

  FakeTarget t;
  LoadRequest req = Request(&*src);
  req.execfn = "/bin/busybox";
  req.argv = {"busybox", "true"};
  Result<LoadResult> r = LoadInto(t, req);
  ASSERT_TRUE(r.ok()) << r.error().value();
  const uint64_t bias = info->type == linux::kEtDyn ? r->load_bias : 0;
  EXPECT_EQ(r->entry, info->entry + bias);
  EXPECT_EQ(r->phdr, info->phdr_vaddr + bias);
  ExpectImageLoaded(t, file, bias, "/bin/busybox");
  // The program headers are mapped where AT_PHDR says (static glibc reads them).
  const std::vector<std::byte> phdrs = t.Read(r->phdr, info->phdrs.size() * 56);
  ASSERT_EQ(phdrs.size(), info->phdrs.size() * 56);
  EXPECT_EQ(0, std::memcmp(phdrs.data(), info->phdrs.data(), phdrs.size()));
  EXPECT_EQ(ReadStack(t, r->stack_pointer).argv, (std::vector<std::string>{"busybox", "true"}));
}

}  // namespace
}  // namespace kekkai::sentry::loader

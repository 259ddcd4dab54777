#include "sentry/loader/stack.h"

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace kekkai::sentry::loader {
namespace {

namespace linux = ::kekkai::abi::linux;

constexpr uint64_t kTop = 0x7ffffffde000;

// Reads the laid-out image back as a program would from its initial stack.
class Decoder {
 public:
  explicit Decoder(const StackImage& img) : img_(img) {}
  bool Contains(uint64_t addr, uint64_t len) const {
    return addr >= img_.stack_pointer && addr <= img_.stack_top && len <= img_.stack_top - addr;
  }
  uint64_t Word(uint64_t addr) const {
    EXPECT_TRUE(Contains(addr, 8)) << std::hex << addr;
    uint64_t v = 0;
    if (Contains(addr, 8)) std::memcpy(&v, &img_.bytes[addr - img_.stack_pointer], 8);
    return v;
  }
  std::string String(uint64_t addr) const {
    std::string s;
    while (Contains(addr, 1)) {
      const char c = static_cast<char>(img_.bytes[addr - img_.stack_pointer]);
      if (c == '\0') return s;
      s += c;
      ++addr;
    }
    ADD_FAILURE() << "unterminated string";
    return s;
  }
  std::vector<std::byte> Bytes(uint64_t addr, size_t n) const {
    if (!Contains(addr, n)) return {};
    const auto* p = &img_.bytes[addr - img_.stack_pointer];
    return std::vector<std::byte>(p, p + n);
  }

 private:
  const StackImage& img_;
};

struct Decoded {
  uint64_t argc = 0;
  std::vector<std::string> argv, envp;
  std::vector<linux::AuxEntry> auxv;
  uint64_t auxv_addr = 0, auxv_end = 0;
};

Decoded Decode(const StackImage& img) {
  Decoder d(img);
  Decoded out;
  uint64_t p = img.stack_pointer;
  out.argc = d.Word(p);
  p += 8;
  for (uint64_t i = 0; i < out.argc; ++i, p += 8) out.argv.push_back(d.String(d.Word(p)));
  EXPECT_EQ(d.Word(p), 0u) << "argv not NULL-terminated";
  p += 8;
  for (uint64_t a; (a = d.Word(p)) != 0; p += 8) out.envp.push_back(d.String(a));
  p += 8;
  out.auxv_addr = p;
  for (int i = 0; i < 100; ++i, p += 16) {
    const linux::AuxEntry e{d.Word(p), d.Word(p + 8)};
    out.auxv.push_back(e);
    if (e.key == linux::kAtNull) break;
  }
  out.auxv_end = p + 16;
  return out;
}

class BuildStackTest : public ::testing::Test {
 protected:
  StackRequest Request() {
    StackRequest req;
    req.stack_top = kTop;
    req.argv = argv_;
    req.envp = envp_;
    req.execfn = "/usr/bin/prog";
    for (size_t i = 0; i < req.random.size(); ++i) req.random[i] = std::byte(0xa0 + i);
    req.auxv = auxv_;
    return req;
  }
  std::vector<std::string> argv_ = {"prog", "-x", "hello world", ""};
  std::vector<std::string> envp_ = {"A=1", "PATH=/bin:/usr/bin", "EMPTY="};
  std::vector<linux::AuxEntry> auxv_ = {
      {linux::kAtPagesz, 4096}, {linux::kAtPhdr, 0x400040}, {linux::kAtPhent, 56},
      {linux::kAtPhnum, 9},     {linux::kAtBase, 0},        {linux::kAtEntry, 0x401000},
      {linux::kAtUid, 1000},    {linux::kAtSecure, 0},      {linux::kAtHwcap2, 2},
  };
};

TEST_F(BuildStackTest, LayoutDecodesBack) {
  Result<StackImage> r = BuildStack(Request());
  ASSERT_TRUE(r.ok()) << r.error().value();
  const StackImage& img = *r;
  EXPECT_EQ(img.stack_top, kTop);
  EXPECT_EQ(img.stack_pointer % 16, 0u);
  EXPECT_EQ(img.bytes.size(), kTop - img.stack_pointer);
  // The word at the very top is zero, as Linux leaves it.
  EXPECT_EQ(Decoder(img).Word(kTop - 8), 0u);

  const Decoded d = Decode(img);
  EXPECT_EQ(d.argc, argv_.size());
  EXPECT_EQ(d.argv, argv_);
  EXPECT_EQ(d.envp, envp_);

  // Every caller entry once with its value, then AT_RANDOM, AT_PLATFORM and
  // AT_EXECFN once each, then AT_NULL last.
  std::map<uint64_t, int> count;
  for (const linux::AuxEntry& e : d.auxv) ++count[e.key];
  for (const linux::AuxEntry& want : auxv_) {
    EXPECT_EQ(count[want.key], 1) << want.key;
    for (const linux::AuxEntry& e : d.auxv) {
      if (e.key == want.key) {
        EXPECT_EQ(e.value, want.value) << want.key;
      }
    }
  }
  EXPECT_EQ(count[linux::kAtRandom], 1);
  EXPECT_EQ(count[linux::kAtPlatform], 1);
  EXPECT_EQ(count[linux::kAtExecfn], 1);
  EXPECT_EQ(count[linux::kAtNull], 1);
  ASSERT_FALSE(d.auxv.empty());
  EXPECT_EQ(d.auxv.back().key, linux::kAtNull);
  EXPECT_EQ(d.auxv.size(), auxv_.size() + 4);
  ASSERT_EQ(img.auxv.size(), d.auxv.size());
  for (size_t i = 0; i < d.auxv.size(); ++i) {
    EXPECT_EQ(img.auxv[i].key, d.auxv[i].key);
    EXPECT_EQ(img.auxv[i].value, d.auxv[i].value);
  }

  Decoder dec(img);
  for (const linux::AuxEntry& e : d.auxv) {
    if (e.key == linux::kAtRandom) {
      EXPECT_EQ(e.value, img.random_addr);
      EXPECT_EQ(e.value % 16, 0u);
      const std::vector<std::byte> bytes = dec.Bytes(e.value, 16);
      ASSERT_EQ(bytes.size(), 16u);
      for (size_t i = 0; i < 16; ++i) EXPECT_EQ(bytes[i], std::byte(0xa0 + i));
    } else if (e.key == linux::kAtPlatform) {
      EXPECT_EQ(dec.String(e.value), "x86_64");
    } else if (e.key == linux::kAtExecfn) {
      EXPECT_EQ(dec.String(e.value), "/usr/bin/prog");
      // execfn is the highest string, just below the top zero word.
      EXPECT_EQ(e.value + sizeof("/usr/bin/prog") + 8, kTop);
    }
  }

  // The recorded ranges: argv strings then envp strings, contiguous, then the
  // auxv where the decoder found it.
  EXPECT_EQ(img.argv_end, img.envp_start);
  std::string args;
  for (const std::string& s : argv_) args += s + '\0';
  std::string envs;
  for (const std::string& s : envp_) envs += s + '\0';
  const std::vector<std::byte> arg_bytes = dec.Bytes(img.argv_start, img.argv_end - img.argv_start);
  const std::vector<std::byte> env_bytes = dec.Bytes(img.envp_start, img.envp_end - img.envp_start);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(arg_bytes.data()), arg_bytes.size()), args);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(env_bytes.data()), env_bytes.size()), envs);
  EXPECT_EQ(img.auxv_start, d.auxv_addr);
  EXPECT_EQ(img.auxv_end, d.auxv_end);
  EXPECT_EQ(img.auxv_end - img.auxv_start, d.auxv.size() * 16);
  // The tables sit below every string, which sit below the top.
  EXPECT_LE(img.auxv_end, img.random_addr);
  EXPECT_LT(img.random_addr + 16, img.platform_addr + 1);
  EXPECT_LT(img.platform_addr, img.argv_start);
  EXPECT_LT(img.envp_end, img.execfn_addr + 1);
}

TEST_F(BuildStackTest, EmptyArgvAndEnvp) {
  StackRequest req = Request();
  req.argv = {};
  req.envp = {};
  Result<StackImage> r = BuildStack(req);
  ASSERT_TRUE(r.ok());
  const Decoded d = Decode(*r);
  EXPECT_EQ(d.argc, 0u);
  EXPECT_TRUE(d.envp.empty());
  EXPECT_EQ(d.auxv.back().key, linux::kAtNull);
  EXPECT_EQ(r->stack_pointer % 16, 0u);
}

TEST_F(BuildStackTest, AlignmentForEveryParity) {
  // Whatever the string and pointer counts, rsp ends 16-byte aligned.
  for (size_t n = 0; n < 6; ++n) {
    std::vector<std::string> argv(n, std::string(n, 'a'));
    StackRequest req = Request();
    req.argv = argv;
    Result<StackImage> r = BuildStack(req);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->stack_pointer % 16, 0u) << n;
    EXPECT_EQ(Decode(*r).argv, argv);
  }
}

TEST(ArgLimitsTest, SpaceLimitFollowsRlimit) {
  EXPECT_EQ(ArgSpaceLimit(8 << 20), 2u << 20);
  EXPECT_EQ(ArgSpaceLimit(256 << 10), kMinArgSpace);  // Never below ARG_MAX.
  EXPECT_EQ(ArgSpaceLimit(~uint64_t{0}), 6u << 20);   // RLIM_INFINITY: 3/4 of 8 MiB.
}

TEST_F(BuildStackTest, E2bigForALongString) {
  std::vector<std::string> argv = {"prog", std::string(kMaxArgStrLen - 1, 'x')};
  StackRequest req = Request();
  req.argv = argv;
  EXPECT_TRUE(BuildStack(req).ok());  // Exactly MAX_ARG_STRLEN with its NUL.
  argv[1] += 'x';
  req.argv = argv;
  Result<StackImage> r = BuildStack(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), E2BIG);

  std::vector<std::string> envp = {std::string(kMaxArgStrLen, 'e')};
  req = Request();
  req.envp = envp;
  r = BuildStack(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), E2BIG);

  req = Request();
  const std::string long_execfn(kMaxArgStrLen, '/');
  req.execfn = long_execfn;
  r = BuildStack(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), E2BIG);
}

TEST_F(BuildStackTest, E2bigForTooMuchInTotal) {
  // 20 strings of 120 KiB = 2.3 MiB: over a quarter of an 8 MiB rlimit, within a
  // quarter of 32 MiB.
  std::vector<std::string> envp(20, std::string(120 << 10, 'v'));
  StackRequest req = Request();
  req.envp = envp;
  Result<StackImage> r = BuildStack(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), E2BIG);
  EXPECT_EQ(CheckArgLimits(argv_, envp, "/p", 8 << 20).error().value(), E2BIG);

  req.stack_rlimit = 32 << 20;
  req.max_size = 32 << 20;
  r = BuildStack(req);
  ASSERT_TRUE(r.ok()) << r.error().value();
  EXPECT_EQ(Decode(*r).envp, envp);
  EXPECT_TRUE(CheckArgLimits(argv_, envp, "/p", 32 << 20).ok());

  // The pointers count too: many empty strings overflow the limit on their own.
  std::vector<std::string> empties(300000);
  EXPECT_EQ(CheckArgLimits(empties, {}, "/p", 8 << 20).error().value(), E2BIG);
  EXPECT_EQ(CheckArgLimits({}, empties, "/p", 8 << 20).error().value(), E2BIG);
}

TEST_F(BuildStackTest, E2bigWhenTheStackMappingIsTooSmall) {
  StackRequest req = Request();
  req.max_size = 256;
  Result<StackImage> r = BuildStack(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().value(), E2BIG);
}

TEST_F(BuildStackTest, RejectsBadRequests) {
  const auto expect_einval = [](const StackRequest& req) {
    Result<StackImage> r = BuildStack(req);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().value(), EINVAL);
  };
  StackRequest req = Request();
  req.stack_top = kTop - 8;
  expect_einval(req);
  req = Request();
  req.stack_top = 0x100;
  expect_einval(req);
  for (uint64_t key : {linux::kAtNull, linux::kAtRandom, linux::kAtPlatform, linux::kAtExecfn}) {
    std::vector<linux::AuxEntry> auxv = auxv_;
    auxv.push_back({key, 1});
    req = Request();
    req.auxv = auxv;
    expect_einval(req);
  }
  std::vector<linux::AuxEntry> many(kMaxAuxEntries + 1, {linux::kAtIgnore, 0});
  req = Request();
  req.auxv = many;
  expect_einval(req);
  std::vector<std::string> nul_arg = {std::string("a\0b", 3)};
  req = Request();
  req.argv = nul_arg;
  expect_einval(req);
}

}  // namespace
}  // namespace kekkai::sentry::loader

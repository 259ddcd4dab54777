#include "sentry/loader/stack.h"

#include <algorithm>
#include <cstring>

namespace kekkai::sentry::loader {
namespace {

namespace linux = ::kekkai::abi::linux;

constexpr uint64_t kWord = sizeof(uint64_t);

// Returns the bytes `strings` take with their NULs; E2BIG/EINVAL as CheckArgLimits.
Result<uint64_t> StringsSize(std::span<const std::string> strings) {
  uint64_t total = 0;
  for (const std::string& s : strings) {
    if (s.size() + 1 > kMaxArgStrLen) return Errno(E2BIG);
    if (s.find('\0') != std::string::npos) return Errno(EINVAL);
    total += s.size() + 1;  // Cannot overflow: both terms are bounded just above.
    if (total > kMaxArgSpace) return Errno(E2BIG);
  }
  return total;
}

bool IsReservedAuxKey(uint64_t key) {
  return key == linux::kAtNull || key == linux::kAtExecfn || key == linux::kAtPlatform ||
         key == linux::kAtRandom;
}

// Writes into an image whose first byte is at guest address `base`.
class ImageWriter {
 public:
  ImageWriter(std::vector<std::byte>& bytes, uint64_t base) : bytes_(bytes), base_(base) {}
  void Bytes(uint64_t addr, const void* src, size_t n) {
    std::memcpy(bytes_.data() + (addr - base_), src, n);
  }
  // Writes `s` and its NUL; returns the address just past them.
  uint64_t String(uint64_t addr, std::string_view s) {
    Bytes(addr, s.data(), s.size());
    bytes_[addr - base_ + s.size()] = std::byte{0};
    return addr + s.size() + 1;
  }
  void Word(uint64_t addr, uint64_t v) { Bytes(addr, &v, sizeof(v)); }

 private:
  std::vector<std::byte>& bytes_;
  uint64_t base_;
};

}  // namespace

uint64_t ArgSpaceLimit(uint64_t stack_rlimit) {
  return std::max(std::min(stack_rlimit / 4, kMaxArgSpace), kMinArgSpace);
}

Result<void> CheckArgLimits(std::span<const std::string> argv, std::span<const std::string> envp,
                            std::string_view execfn, uint64_t stack_rlimit) {
  const uint64_t limit = ArgSpaceLimit(stack_rlimit);
  // As Linux: a pointer per string (argc counted as at least 1), every string with
  // its NUL, and the execfn copy with the word above it.
  const uint64_t pointers = (std::max<uint64_t>(argv.size(), 1) + envp.size()) * kWord;
  if (pointers >= limit) return Errno(E2BIG);
  if (execfn.size() + 1 > kMaxArgStrLen) return Errno(E2BIG);
  if (execfn.find('\0') != std::string_view::npos) return Errno(EINVAL);
  ASSIGN_OR_RETURN(const uint64_t arg_bytes, StringsSize(argv));
  ASSIGN_OR_RETURN(const uint64_t env_bytes, StringsSize(envp));
  const uint64_t total = pointers + arg_bytes + env_bytes + execfn.size() + 1 + kWord;
  if (total > limit) return Errno(E2BIG);
  return Ok();
}

Result<StackImage> BuildStack(const StackRequest& req) {
  RETURN_IF_ERROR(CheckArgLimits(req.argv, req.envp, req.execfn, req.stack_rlimit));
  if ((req.stack_top & 15) != 0) return Errno(EINVAL);
  if (req.auxv.size() > kMaxAuxEntries) return Errno(EINVAL);
  if (req.platform.size() > kMaxPlatformLen || req.platform.find('\0') != std::string_view::npos) {
    return Errno(EINVAL);
  }
  for (const linux::AuxEntry& e : req.auxv) {
    if (IsReservedAuxKey(e.key)) return Errno(EINVAL);
  }
  // All sizes below are bounded by CheckArgLimits (a few MiB), so none overflows.
  ASSIGN_OR_RETURN(const uint64_t arg_bytes, StringsSize(req.argv));
  ASSIGN_OR_RETURN(const uint64_t env_bytes, StringsSize(req.envp));
  const uint64_t info_bytes = kWord + (req.execfn.size() + 1) + env_bytes + arg_bytes +
                              (req.platform.size() + 1) + req.random.size() + 15;
  const uint64_t aux_count = req.auxv.size() + 4;  // + EXECFN, PLATFORM, RANDOM, NULL.
  const uint64_t table_words = 1 + (req.argv.size() + 1) + (req.envp.size() + 1) + 2 * aux_count;
  // An upper bound of the image size, for the range checks before any subtraction.
  const uint64_t bound = info_bytes + table_words * kWord + 15;
  if (bound > req.max_size) return Errno(E2BIG);
  if (req.stack_top < bound) return Errno(EINVAL);

  StackImage img;
  img.stack_top = req.stack_top;
  uint64_t p = req.stack_top - kWord;  // The top word stays zero.
  p -= req.execfn.size() + 1;
  img.execfn_addr = p;
  p -= env_bytes;
  img.envp_start = p;
  img.envp_end = p + env_bytes;
  p -= arg_bytes;
  img.argv_start = p;
  img.argv_end = img.envp_start;
  p -= req.platform.size() + 1;
  img.platform_addr = p;
  p = (p - req.random.size()) & ~uint64_t{15};
  img.random_addr = p;
  const uint64_t sp = (p - table_words * kWord) & ~uint64_t{15};
  img.stack_pointer = sp;

  img.auxv.assign(req.auxv.begin(), req.auxv.end());
  img.auxv.push_back({linux::kAtRandom, img.random_addr});
  img.auxv.push_back({linux::kAtPlatform, img.platform_addr});
  img.auxv.push_back({linux::kAtExecfn, img.execfn_addr});
  img.auxv.push_back({linux::kAtNull, 0});

  img.bytes.assign(req.stack_top - sp, std::byte{0});
  ImageWriter w(img.bytes, sp);
  w.String(img.execfn_addr, req.execfn);
  uint64_t cursor = img.argv_start;
  std::vector<uint64_t> argv_addrs, envp_addrs;
  argv_addrs.reserve(req.argv.size());
  envp_addrs.reserve(req.envp.size());
  for (const std::string& s : req.argv) {
    argv_addrs.push_back(cursor);
    cursor = w.String(cursor, s);
  }
  for (const std::string& s : req.envp) {
    envp_addrs.push_back(cursor);
    cursor = w.String(cursor, s);
  }
  w.String(img.platform_addr, req.platform);
  w.Bytes(img.random_addr, req.random.data(), req.random.size());

  uint64_t q = sp;
  w.Word(q, req.argv.size());
  q += kWord;
  for (uint64_t a : argv_addrs) {
    w.Word(q, a);
    q += kWord;
  }
  q += kWord;  // NULL.
  for (uint64_t a : envp_addrs) {
    w.Word(q, a);
    q += kWord;
  }
  q += kWord;  // NULL.
  img.auxv_start = q;
  for (const linux::AuxEntry& e : img.auxv) {
    w.Word(q, e.key);
    w.Word(q + kWord, e.value);
    q += 2 * kWord;
  }
  img.auxv_end = q;
  return img;
}

}  // namespace kekkai::sentry::loader

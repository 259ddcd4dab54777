// GuestAddr: a guest virtual address, a distinct type that is never dereferenced
// by the sentry; page-size helpers for guest addresses and lengths.
#ifndef KEKKAI_ABI_LINUX_GUEST_ADDR_H_
#define KEKKAI_ABI_LINUX_GUEST_ADDR_H_

#include <cstdint>
#include <optional>

namespace kekkai {

enum class GuestAddr : uint64_t {};

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kPageMask = kPageSize - 1;

constexpr uint64_t Raw(GuestAddr a) { return static_cast<uint64_t>(a); }
constexpr GuestAddr operator+(GuestAddr a, uint64_t n) { return GuestAddr(Raw(a) + n); }
constexpr GuestAddr operator-(GuestAddr a, uint64_t n) { return GuestAddr(Raw(a) - n); }
constexpr uint64_t operator-(GuestAddr a, GuestAddr b) { return Raw(a) - Raw(b); }

// x86-64's TASK_SIZE_MAX (4-level paging): no user address reaches it.
inline constexpr uint64_t kTaskSizeMax = (uint64_t{1} << 47) - kPageSize;

// access_ok(): whether [addr, addr+len) lies wholly in the user half.
constexpr bool AccessOk(GuestAddr addr, uint64_t len) {
  return len <= kTaskSizeMax && Raw(addr) <= kTaskSizeMax - len;
}

constexpr uint64_t PageRoundDown(uint64_t v) { return v & ~kPageMask; }
// Returns v rounded up to a page, or nullopt on overflow.
constexpr std::optional<uint64_t> PageRoundUp(uint64_t v) {
  if (v > UINT64_MAX - kPageMask) return std::nullopt;
  return (v + kPageMask) & ~kPageMask;
}
constexpr bool IsPageAligned(uint64_t v) { return (v & kPageMask) == 0; }

}  // namespace kekkai

#endif  // KEKKAI_ABI_LINUX_GUEST_ADDR_H_

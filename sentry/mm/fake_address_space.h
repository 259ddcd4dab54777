// FakeAddressSpace: a platform::AddressSpace for unit tests that records every
// MapFile/Unmap call and keeps its own page table, so tests can assert what the
// platform was told and act as a guest would through it.
#ifndef KEKKAI_SENTRY_MM_FAKE_ADDRESS_SPACE_H_
#define KEKKAI_SENTRY_MM_FAKE_ADDRESS_SPACE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "abi/linux/guest_addr.h"
#include "platform/platform.h"

namespace kekkai::sentry::mm {

class FakeAddressSpace : public platform::AddressSpace {
 public:
  struct Page {
    uint64_t offset;
    platform::AccessType access;
  };
  struct Call {
    enum Kind { kMap, kUnmap } kind;
    uint64_t addr;
    uint64_t offset;
    uint64_t len;
    platform::AccessType access;
  };

  explicit FakeAddressSpace(uint64_t max = 0x7ffffffff000) : max_(max) {}

  Result<void> MapFile(GuestAddr addr, uint64_t offset, uint64_t len,
                       platform::AccessType access) override {
    if (!IsPageAligned(Raw(addr)) || !IsPageAligned(offset) || !IsPageAligned(len) || len == 0) {
      return Errno(EINVAL);
    }
    calls.push_back({Call::kMap, Raw(addr), offset, len, access});
    for (uint64_t i = 0; i < len; i += kPageSize) pages[Raw(addr) + i] = {offset + i, access};
    return Ok();
  }

  Result<void> Unmap(GuestAddr addr, uint64_t len) override {
    if (!IsPageAligned(Raw(addr)) || !IsPageAligned(len) || len == 0) return Errno(EINVAL);
    calls.push_back({Call::kUnmap, Raw(addr), 0, len, {}});
    pages.erase(pages.lower_bound(Raw(addr)), pages.lower_bound(Raw(addr) + len));
    return Ok();
  }

  Result<void> Flush() override {
    ++flushes;
    if (fail_flush) return Errno(EIO);
    return Ok();
  }

  uint64_t max_user_address() const override { return max_; }

  // Returns the mapping of the page containing `addr`, if any.
  std::optional<Page> Lookup(uint64_t addr) const {
    auto it = pages.find(PageRoundDown(addr));
    if (it == pages.end()) return std::nullopt;
    return it->second;
  }

  size_t CountCalls(Call::Kind kind) const {
    size_t n = 0;
    for (const Call& c : calls) n += c.kind == kind ? 1 : 0;
    return n;
  }

  std::map<uint64_t, Page> pages;
  std::vector<Call> calls;
  int flushes = 0;
  bool fail_flush = false;  // Makes Flush fail, as a platform that lost its stub.

 private:
  uint64_t max_;
};

}  // namespace kekkai::sentry::mm

#endif  // KEKKAI_SENTRY_MM_FAKE_ADDRESS_SPACE_H_

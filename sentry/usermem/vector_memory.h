// VectorMemory: a GuestMemory over a byte vector — a bounce buffer between two
// files (sendfile, copy_file_range), and for tests of code that copies to and from
// guest memory (files, devices) without a memory manager. Guest addresses
// [kBase, kBase + size) are the vector; anything else is EFAULT.
#ifndef KEKKAI_SENTRY_USERMEM_VECTOR_MEMORY_H_
#define KEKKAI_SENTRY_USERMEM_VECTOR_MEMORY_H_

#include <algorithm>
#include <cstring>
#include <vector>

#include "sentry/usermem/guest_memory.h"

namespace kekkai::sentry::usermem {

class VectorMemory final : public GuestMemory {
 public:
  static constexpr uint64_t kBase = 0x10000;
  explicit VectorMemory(size_t size, std::byte fill = std::byte{0xaa}) : bytes_(size, fill) {}

  Result<size_t> CopyOut(GuestAddr dst, std::span<const std::byte> src) override {
    ASSIGN_OR_RETURN(size_t n, Avail(dst, src.size()));
    std::memcpy(bytes_.data() + (Raw(dst) - kBase), src.data(), n);
    return n;
  }
  Result<size_t> CopyIn(GuestAddr src, std::span<std::byte> dst) override {
    ASSIGN_OR_RETURN(size_t n, Avail(src, dst.size()));
    std::memcpy(dst.data(), bytes_.data() + (Raw(src) - kBase), n);
    return n;
  }
  std::vector<std::byte>& bytes() { return bytes_; }
  const std::vector<std::byte>& bytes() const { return bytes_; }

 private:
  Result<size_t> Avail(GuestAddr a, size_t want) const {
    if (Raw(a) < kBase || Raw(a) >= kBase + bytes_.size()) return Errno(EFAULT);
    return std::min<size_t>(want, kBase + bytes_.size() - Raw(a));
  }
  std::vector<std::byte> bytes_;
};

}  // namespace kekkai::sentry::usermem

#endif  // KEKKAI_SENTRY_USERMEM_VECTOR_MEMORY_H_

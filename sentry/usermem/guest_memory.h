// Guest-memory I/O interfaces: GuestMemory (what can copy bytes to and from a
// guest address space) and IoSequence (a cursor over a guest iovec that a file's
// Read fills and its Write drains). They know no Task or Kernel.
#ifndef KEKKAI_SENTRY_USERMEM_GUEST_MEMORY_H_
#define KEKKAI_SENTRY_USERMEM_GUEST_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "abi/linux/guest_addr.h"
#include "abi/linux/pod.h"
#include "base/result.h"

namespace kekkai::sentry::usermem {

// Bounds a single copy of a string from the guest (PATH_MAX-sized).
inline constexpr size_t kMaxStringLen = 4096;

// Copies bytes between the sentry and one guest address space. Access rights are
// the guest's: CopyOut needs a writable mapping, CopyIn a readable one.
class GuestMemory {
 public:
  virtual ~GuestMemory() = default;
  // Copies `src` to guest `dst`. Returns the bytes copied: fewer than asked when
  // the copy hits an unmapped or forbidden page after the first byte; EFAULT when
  // not even the first byte could be copied.
  virtual Result<size_t> CopyOut(GuestAddr dst, std::span<const std::byte> src) = 0;
  // Copies guest `src` into `dst`; short and EFAULT as CopyOut.
  virtual Result<size_t> CopyIn(GuestAddr src, std::span<std::byte> dst) = 0;
  // Returns how many bytes from `addr` (at most `len`) the guest has mapped
  // writable, contiguously — an upper bound on what CopyOut can write. Sources that
  // can't be rewound (pipes, terminals) read no more than this, so a short copy
  // loses nothing.
  virtual uint64_t WritablePrefix(GuestAddr addr, uint64_t len) { (void)addr; return len; }

  // Copies all of `src` or fails with EFAULT.
  Result<void> CopyOutFull(GuestAddr dst, std::span<const std::byte> src);
  Result<void> CopyInFull(GuestAddr src, std::span<std::byte> dst);
  // Copies a NUL-terminated string of at most `max_len` bytes (without the NUL);
  // ENAMETOOLONG if longer, EFAULT if unreadable.
  Result<std::string> CopyInString(GuestAddr src, size_t max_len);

  template <abi::Pod T>
  Result<T> CopyInObj(GuestAddr src) {
    T v;
    RETURN_IF_ERROR(CopyInFull(src, std::as_writable_bytes(std::span(&v, 1))));
    return v;
  }
  template <abi::Pod T>
  Result<void> CopyOutObj(GuestAddr dst, const T& v) {
    return CopyOutFull(dst, std::as_bytes(std::span(&v, 1)));
  }
};

// One guest buffer.
struct GuestRange {
  GuestAddr addr;
  uint64_t len;
};

// A cursor over guest buffers. Files fill it (Read → CopyOut) or drain it
// (Write → CopyIn); each call advances past what it copied.
class IoSequence {
 public:
  IoSequence(GuestMemory& mem, std::vector<GuestRange> ranges);
  // Returns the bytes left in the sequence.
  uint64_t remaining() const { return remaining_; }
  // Copies `src` into the sequence's next bytes. Returns bytes copied (short when a
  // buffer faults after some bytes were copied), EFAULT when none could be.
  Result<size_t> CopyOut(std::span<const std::byte> src);
  // Copies the sequence's next bytes into `dst`; short and EFAULT as CopyOut.
  Result<size_t> CopyIn(std::span<std::byte> dst);
  // Skips `n` bytes (at most remaining()) without copying.
  void Advance(uint64_t n);
  // Returns how many of the next bytes (at most `max`) CopyOut could write: the
  // writable prefix of the buffers, stopping at the first one that is cut short.
  uint64_t WritablePrefix(uint64_t max) const;

 private:
  template <typename Fn>
  Result<size_t> Walk(size_t n, Fn&& fn);
  GuestMemory& mem_;
  std::vector<GuestRange> ranges_;
  size_t index_ = 0;
  uint64_t offset_ = 0;
  uint64_t remaining_ = 0;
};

}  // namespace kekkai::sentry::usermem

#endif  // KEKKAI_SENTRY_USERMEM_GUEST_MEMORY_H_

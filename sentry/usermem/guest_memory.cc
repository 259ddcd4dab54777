#include "sentry/usermem/guest_memory.h"

#include <algorithm>
#include <cstring>

namespace kekkai::sentry::usermem {

Result<void> GuestMemory::CopyOutFull(GuestAddr dst, std::span<const std::byte> src) {
  if (src.empty()) return Ok();
  ASSIGN_OR_RETURN(size_t n, CopyOut(dst, src));
  if (n != src.size()) return Errno(EFAULT);
  return Ok();
}

Result<void> GuestMemory::CopyInFull(GuestAddr src, std::span<std::byte> dst) {
  if (dst.empty()) return Ok();
  ASSIGN_OR_RETURN(size_t n, CopyIn(src, dst));
  if (n != dst.size()) return Errno(EFAULT);
  return Ok();
}

Result<std::string> GuestMemory::CopyInString(GuestAddr src, size_t max_len) {
  std::string out;
  // Copy in chunks that never cross a page boundary, so a string that ends just
  // before an unmapped page is still read.
  uint64_t addr = Raw(src);
  while (out.size() <= max_len) {
    std::byte chunk[256];
    size_t want = std::min<uint64_t>(sizeof(chunk), kPageSize - (addr & kPageMask));
    ASSIGN_OR_RETURN(size_t got, CopyIn(GuestAddr(addr), std::span(chunk, want)));
    const auto* p = reinterpret_cast<const char*>(chunk);
    const void* nul = std::memchr(p, 0, got);
    if (nul != nullptr) {
      out.append(p, static_cast<const char*>(nul) - p);
      if (out.size() > max_len) return Errno(ENAMETOOLONG);
      return out;
    }
    out.append(p, got);
    if (got < want) return Errno(EFAULT);
    if (addr > UINT64_MAX - got) return Errno(EFAULT);
    addr += got;
  }
  return Errno(ENAMETOOLONG);
}

IoSequence::IoSequence(GuestMemory& mem, std::vector<GuestRange> ranges)
    : mem_(mem), ranges_(std::move(ranges)) {
  for (const auto& r : ranges_) remaining_ += r.len;
}

template <typename Fn>
Result<size_t> IoSequence::Walk(size_t n, Fn&& fn) {
  size_t done = 0;
  while (done < n && index_ < ranges_.size()) {
    const GuestRange& r = ranges_[index_];
    uint64_t avail = r.len - offset_;
    if (avail == 0) {
      ++index_;
      offset_ = 0;
      continue;
    }
    size_t want = std::min<uint64_t>(avail, n - done);
    Result<size_t> got = fn(r.addr + offset_, done, want);
    if (!got.ok()) {
      if (done > 0) return done;
      return got.error();
    }
    done += *got;
    offset_ += *got;
    remaining_ -= *got;
    if (*got < want) return done > 0 ? Result<size_t>(done) : Result<size_t>(Errno(EFAULT));
  }
  return done;
}

Result<size_t> IoSequence::CopyOut(std::span<const std::byte> src) {
  return Walk(src.size(), [&](GuestAddr a, size_t off, size_t len) {
    return mem_.CopyOut(a, src.subspan(off, len));
  });
}

uint64_t IoSequence::WritablePrefix(uint64_t max) const {
  uint64_t total = 0;
  uint64_t offset = offset_;
  for (size_t i = index_; i < ranges_.size() && total < max; ++i, offset = 0) {
    const uint64_t want = std::min(ranges_[i].len - offset, max - total);
    const uint64_t ok = mem_.WritablePrefix(ranges_[i].addr + offset, want);
    total += ok;
    if (ok < want) break;
  }
  return total;
}

void IoSequence::Advance(uint64_t n) {
  n = std::min(n, remaining_);
  remaining_ -= n;
  while (n > 0 && index_ < ranges_.size()) {
    const uint64_t step = std::min(n, ranges_[index_].len - offset_);
    offset_ += step;
    n -= step;
    if (offset_ == ranges_[index_].len) {
      ++index_;
      offset_ = 0;
    }
  }
}

Result<size_t> IoSequence::CopyIn(std::span<std::byte> dst) {
  return Walk(dst.size(), [&](GuestAddr a, size_t off, size_t len) {
    return mem_.CopyIn(a, dst.subspan(off, len));
  });
}

}  // namespace kekkai::sentry::usermem

// MemoryManager: CopyIn/CopyOut, a VMA walk and a memcpy through the sentry's
// own mapping of the MemoryFile.
#include <algorithm>
#include <cstring>

#include "abi/linux/mman.h"
#include "sentry/mm/memory_manager.h"

namespace kekkai::sentry::mm {

namespace linux = abi::linux;

// Walks [addr, addr+len) and calls fn(guest_bytes, n, done) for each contiguous
// piece, where guest_bytes is nullptr for private anonymous memory not backed
// yet (it reads as zero; only reads see such pieces). File pages not read yet
// are backed first, from data staged by WithFileReads; where that is missing
// the walk stops, having asked for it (need_). Stops at the first byte the
// guest could not access that way itself. Returns the bytes walked.
template <typename Fn>
size_t MemoryManager::CopyLocked(uint64_t addr, size_t len, bool write, Fn&& fn) {
  uint64_t cur = addr;
  size_t done = 0;
  while (done < len && cur < max_address_) {
    auto vit = FindVmaLocked(cur);
    if (vit == vmas_.end()) break;
    const Vma& v = vit->second;
    // As copy_to_user: writing needs a writable mapping, reading any access.
    if (write ? (v.prot & linux::kProtWrite) == 0 : v.prot == linux::kProtNone) break;
    uint64_t chunk_end = cur + std::min<uint64_t>(len - done, v.end - cur);
    if (v.backing) {
      // Shared memory is reached through its backing, mapped or not.
      const uint64_t backed_end = std::min(chunk_end, v.BackedEnd());
      if (cur >= backed_end) break;
      fn(mf_.View({v.OffsetOf(cur), v.OffsetOf(backed_end)}).data(), backed_end - cur, done);
      done += backed_end - cur;
      cur = backed_end;
      if (backed_end != chunk_end) break;
      continue;
    }
    const uint64_t ps = PageRoundDown(cur);
    uint64_t pe = PageRoundUp(chunk_end).value_or(v.end);
    // Where this piece ends early (file pages that can't be had).
    bool stop = false;
    if (v.file) {
      // File pages are read before they are copied, whichever the direction,
      // at most kMaxFileReadBytes at a time.
      if (pe - ps > kMaxFileReadBytes) {
        pe = ps + kMaxFileReadBytes;
        chunk_end = pe;
      }
      const FileBacking fb = BackFilePagesLocked(v, ps, pe, ps, pe, nullptr);
      if (fb.backed_end < chunk_end) {
        chunk_end = std::max(cur, fb.backed_end);
        pe = std::max(ps, fb.backed_end);
        stop = true;
      }
    } else if (write) {
      // Out of memory part-way: copy what got backed.
      (void)EnsurePmasLocked(v, ps, pe);
    }
    if (write && ps < pe) (void)BreakCowLocked(v, ps, pe);
    while (cur < chunk_end) {
      auto pit = pmas_.Find(cur);
      uint64_t piece_end;
      if (pit == pmas_.end() || (write && pit->second.needs_cow)) {
        if (write || v.file) return done;
        auto next = pmas_.LowerBound(cur);
        piece_end = (next == pmas_.end()) ? chunk_end : std::min(chunk_end, next->second.start);
        fn(nullptr, piece_end - cur, done);
      } else {
        piece_end = std::min(chunk_end, pit->second.end);
        const Pma& p = pit->second;
        fn(mf_.View({p.OffsetOf(cur), p.OffsetOf(piece_end)}).data(), piece_end - cur, done);
      }
      done += piece_end - cur;
      cur = piece_end;
    }
    if (stop) break;
  }
  return done;
}

Result<size_t> MemoryManager::CopyOut(GuestAddr dst, std::span<const std::byte> src) {
  if (src.empty()) return size_t{0};
  // Each pass goes on from where the previous one stopped for file data.
  size_t total = 0;
  WithFileReads([&] {
    const size_t n = CopyLocked(Raw(dst) + total, src.size() - total, /*write=*/true,
                                [&](std::byte* guest, uint64_t len, size_t done) {
                                  std::memcpy(guest, src.data() + total + done, len);
                                });
    total += n;
    return 0;
  });
  if (total == 0) return Errno(EFAULT);
  return total;
}

uint64_t MemoryManager::WritablePrefix(GuestAddr addr, uint64_t len) {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t cur = Raw(addr);
  if (len > max_address_ || cur > max_address_ - len) len = cur < max_address_ ? max_address_ - cur : 0;
  const uint64_t end = cur + len;
  while (cur < end) {
    auto vit = FindVmaLocked(cur);
    if (vit == vmas_.end()) break;
    const Vma& v = vit->second;
    if ((v.prot & linux::kProtWrite) == 0) break;
    uint64_t stop = std::min(end, v.end);
    // Shared memory past its backing pages is SIGBUS/EFAULT.
    if (v.backing) stop = std::min(stop, std::max(cur, v.BackedEnd()));
    if (stop <= cur) break;
    cur = stop;
  }
  return cur - Raw(addr);
}

Result<size_t> MemoryManager::CopyIn(GuestAddr src, std::span<std::byte> dst) {
  if (dst.empty()) return size_t{0};
  size_t total = 0;
  WithFileReads([&] {
    const size_t n = CopyLocked(Raw(src) + total, dst.size() - total, /*write=*/false,
                                [&](const std::byte* guest, uint64_t len, size_t done) {
                                  if (guest == nullptr) {
                                    std::memset(dst.data() + total + done, 0, len);
                                  } else {
                                    std::memcpy(dst.data() + total + done, guest, len);
                                  }
                                });
    total += n;
    return 0;
  });
  if (total == 0) return Errno(EFAULT);
  return total;
}

}  // namespace kekkai::sentry::mm

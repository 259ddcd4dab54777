// MemoryManager: mmap(2), munmap(2), mprotect(2), mremap(2), madvise(2), brk(2).
#include <algorithm>

#include "abi/linux/mman.h"
#include "base/logging.h"
#include "sentry/mm/memory_manager.h"

namespace kekkai::sentry::mm {

namespace linux = abi::linux;

namespace {

constexpr int kProtRwx = linux::kProtRead | linux::kProtWrite | linux::kProtExec;

}  // namespace

Result<GuestAddr> MemoryManager::MMap(const MMapOpts& opts) {
  if (opts.length == 0) return Errno(EINVAL);
  const std::optional<uint64_t> rounded = PageRoundUp(opts.length);
  if (!rounded) return Errno(ENOMEM);
  const uint64_t len = *rounded;
  const int prot = opts.prot & kProtRwx;
  // MAP_FIXED_NOREPLACE is MAP_FIXED that refuses to replace.
  const bool fixed = opts.fixed || opts.noreplace;
  if (fixed && !IsPageAligned(opts.addr)) return Errno(EINVAL);
  int max_prot = kProtRwx;
  std::string name = opts.name;
  if (opts.file) {
    // The syscall layer checks these too; a bad offset must not reach ReadAt.
    if (!IsPageAligned(opts.offset)) return Errno(EINVAL);
    if (opts.offset > UINT64_MAX - len) return Errno(EOVERFLOW);
    if (opts.shared && opts.file->shares_pages()) {
      // The file's own pages: writable as the file is. Linux refuses PROT_WRITE
      // without a writable file, now and at mprotect.
      if (!opts.file_writable) {
        if ((prot & linux::kProtWrite) != 0) return Errno(EACCES);
        max_prot &= ~linux::kProtWrite;
      }
    } else if (opts.shared) {
      // Read-only sharing only: the pages are copies, so writes could never
      // reach the file. Linux refuses PROT_WRITE without a writable file.
      if ((prot & linux::kProtWrite) != 0) return Errno(opts.file_writable ? ENODEV : EACCES);
      max_prot &= ~linux::kProtWrite;
    }
    // Taken now, outside the lock (path() may walk the file system's names).
    if (name.empty()) name = opts.file->path();
    // Before the VMA exists, so no page of it escapes a truncation.
    RegisterFile(*opts.file);
  }

  // Shared anonymous memory gets its pages now, so every sharer sees the same
  // ones. Allocated before the lock (and so released after it on failure).
  std::shared_ptr<SharedAnonMemory> backing;
  if (opts.shared && !opts.file) {
    if (len > mf_.size()) return Errno(ENOMEM);
    ASSIGN_OR_RETURN(FileRange fr, mf_.Allocate(len));
    backing = std::make_shared<SharedAnonMemory>(mf_, fr);
  }

  const Result<GuestAddr> addr =
      PlaceMapping(opts, len, prot, max_prot, std::move(name), std::move(backing));
  if (addr.ok() && opts.populate && prot != linux::kProtNone) {
    // As Linux, MAP_POPULATE failing (out of memory, past the end of a file)
    // does not fail the mmap. Done after the mapping is in place and the lock
    // dropped (file pages are read without it), as Linux's mm_populate.
    (void)PopulateRange(Raw(*addr), Raw(*addr) + len);
  }
  return addr;
}

Result<GuestAddr> MemoryManager::PlaceMapping(const MMapOpts& opts, uint64_t len, int prot,
                                              int max_prot, std::string name,
                                              std::shared_ptr<SharedAnonMemory> backing) {
  const bool fixed = opts.fixed || opts.noreplace;
  OpLock lock(*this);
  if (len > max_address_) return Errno(ENOMEM);
  // Asked under the lock the new VMA is inserted under, so a file adding a
  // write seal either refuses this mapping or finds it (MapsFileWritable).
  if (opts.file && opts.shared && (max_prot & linux::kProtWrite) != 0 &&
      opts.file->DeniesWritableSharing()) {
    if ((prot & linux::kProtWrite) != 0) return Errno(EPERM);
    max_prot &= ~linux::kProtWrite;
  }
  uint64_t addr = 0;
  if (fixed) {
    if (opts.addr > max_address_ - len) return Errno(ENOMEM);
    if (opts.addr < kMinUserAddress) return Errno(EPERM);  // vm.mmap_min_addr
    if (opts.noreplace && vmas_.Intersects(opts.addr, opts.addr + len)) return Errno(EEXIST);
    addr = opts.addr;
  } else {
    ASSIGN_OR_RETURN(addr, FindUnmappedLocked(len, opts.addr));
  }
  if (vmas_.size() >= kMaxMapCount) return Errno(ENOMEM);
  if (fixed) UnmapLocked(addr, addr + len);

  Vma vma;
  vma.start = addr;
  vma.end = addr + len;
  vma.prot = prot;
  vma.max_prot = max_prot;
  vma.shared = opts.shared;
  vma.grows_down = opts.grows_down;
  vma.name = std::move(name);
  if (backing) {
    vma.offset = backing->range().start;
    vma.backing = std::move(backing);
  } else if (opts.file) {
    vma.offset = opts.offset;
    vma.file = opts.file;
  }
  InsertVmaLocked(std::move(vma));
  return GuestAddr(addr);
}

Result<void> MemoryManager::MUnmap(GuestAddr addr, uint64_t length) {
  const uint64_t start = Raw(addr);
  if (!IsPageAligned(start) || length == 0) return Errno(EINVAL);
  const std::optional<uint64_t> len = PageRoundUp(length);
  if (!len) return Errno(EINVAL);
  OpLock lock(*this);
  if (*len > max_address_ || start > max_address_ - *len) return Errno(EINVAL);
  const uint64_t end = start + *len;
  // Unmapping the middle of a VMA makes two of it.
  auto it = vmas_.Find(start);
  if (it != vmas_.end() && it->second.start < start && it->second.end > end &&
      vmas_.size() >= kMaxMapCount) {
    return Errno(ENOMEM);
  }
  UnmapLocked(start, end);
  return Ok();
}

Result<void> MemoryManager::MProtect(GuestAddr addr, uint64_t length, int prot) {
  uint64_t start = Raw(addr);
  if (!IsPageAligned(start)) return Errno(EINVAL);
  if ((prot & ~(kProtRwx | linux::kProtGrowsdown | linux::kProtGrowsup)) != 0) {
    return Errno(EINVAL);
  }
  const bool grows_down = (prot & linux::kProtGrowsdown) != 0;
  const bool grows_up = (prot & linux::kProtGrowsup) != 0;
  if (grows_down && grows_up) return Errno(EINVAL);
  if (length == 0) return Ok();
  const std::optional<uint64_t> len = PageRoundUp(length);
  if (!len || start > UINT64_MAX - *len) return Errno(ENOMEM);
  const uint64_t end = start + *len;
  const int new_prot = prot & kProtRwx;

  OpLock lock(*this);
  if (end > max_address_) return Errno(ENOMEM);
  if (grows_down || grows_up) {
    auto it = vmas_.Find(start);
    if (it == vmas_.end()) return Errno(ENOMEM);
    // x86 has no VM_GROWSUP mappings.
    if (grows_up || !it->second.grows_down) return Errno(EINVAL);
    start = it->second.start;
  }
  if (!vmas_.Covers(start, end)) return Errno(ENOMEM);
  size_t splits = 0;
  for (auto it = vmas_.LowerBound(start); it != vmas_.end() && it->second.start < end; ++it) {
    if ((new_prot & ~it->second.max_prot) != 0) return Errno(EACCES);
    if (it->second.start < start) ++splits;
    if (it->second.end > end) ++splits;
  }
  if (vmas_.size() + splits > kMaxMapCount) return Errno(ENOMEM);

  auto [it, last] = vmas_.Isolate(start, end);
  for (; it != last; ++it) {
    Vma& v = it->second;
    // The file's pages already there become writable in place.
    if (v.file && v.shared && (v.prot & linux::kProtWrite) == 0 &&
        (new_prot & linux::kProtWrite) != 0) {
      v.file->MayDirty(v.offset, v.OffsetOf(v.end));
    }
    v.prot = new_prot;
  }
  Result<void> r = SyncPlatformLocked(start, end, SyncMode::kRefresh);
  vmas_.MergeRange(start, end);
  if (!r.ok()) return Errno(ENOMEM);
  return Ok();
}

void MemoryManager::MoveLocked(uint64_t old_start, uint64_t old_len, uint64_t new_start,
                               uint64_t new_len, bool dont_unmap) {
  const uint64_t old_end = old_start + old_len;
  auto [it, last] = vmas_.Isolate(old_start, old_end);
  Vma moved = it->second;
  moved.start = new_start;
  moved.end = new_start + new_len;
  // The pages go along: same MemoryFile ranges, new guest addresses, no copy.
  PlatformUnmapLocked(old_start, old_end);
  std::vector<Pma> pmas = pmas_.RemoveRange(old_start, old_end);
  if (dont_unmap) {
    // The old VMA stays, empty: private memory reads as zero there, shared
    // memory shows the same pages again.
    vmas_.MergeRange(old_start, old_end);
  } else {
    ReleaseLocked(std::move(it->second));
    vmas_.Erase(it);
  }
  InsertVmaLocked(std::move(moved));
  for (Pma& p : pmas) {
    p.start = p.start - old_start + new_start;
    p.end = p.end - old_start + new_start;
    p.mapped = false;
    pmas_.Insert(p);
  }
  pmas_.MergeRange(new_start, new_start + old_len);
  // Map the moved pages where they are now, so the guest does not fault on
  // memory it had mapped. A failure leaves them for the next fault.
  (void)SyncPlatformLocked(new_start, new_start + old_len, SyncMode::kMapUnmapped);
}

Result<GuestAddr> MemoryManager::MRemap(GuestAddr old_addr, uint64_t old_size, uint64_t new_size,
                                        int flags, GuestAddr new_addr) {
  const int kValid = linux::kMremapMaymove | linux::kMremapFixed | linux::kMremapDontunmap;
  const bool may_move = (flags & linux::kMremapMaymove) != 0;
  const bool fixed = (flags & linux::kMremapFixed) != 0;
  const bool dont_unmap = (flags & linux::kMremapDontunmap) != 0;
  if ((flags & ~kValid) != 0) return Errno(EINVAL);
  if (fixed && !may_move) return Errno(EINVAL);
  if (dont_unmap && (!may_move || old_size != new_size)) return Errno(EINVAL);
  const uint64_t oa = Raw(old_addr);
  if (!IsPageAligned(oa)) return Errno(EINVAL);
  const std::optional<uint64_t> old_rounded = PageRoundUp(old_size);
  const std::optional<uint64_t> new_rounded = PageRoundUp(new_size);
  if (!old_rounded || !new_rounded || *new_rounded == 0) return Errno(EINVAL);
  uint64_t old_len = *old_rounded;
  const uint64_t new_len = *new_rounded;

  OpLock lock(*this);
  auto vit = vmas_.Find(oa);
  if (vit == vmas_.end()) return Errno(EFAULT);
  // old_size 0 asks for a second mapping of the same shared pages; Linux refuses
  // it for private mappings, and it is not supported for shared ones yet.
  if (old_len == 0) return Errno(EINVAL);
  // A file mapping may not grow past the largest file offset (vma_to_resize).
  if (vit->second.file && vit->second.OffsetOf(oa) > UINT64_MAX - new_len) return Errno(EINVAL);

  if (fixed || dont_unmap) {
    uint64_t na = Raw(new_addr);
    if (fixed) {
      if (!IsPageAligned(na)) return Errno(EINVAL);
      if (new_len > max_address_ || na > max_address_ - new_len) return Errno(EINVAL);
      if (na < kMinUserAddress) return Errno(EPERM);
      // The old and new ranges must not overlap.
      if (oa < na + new_len && (old_len > UINT64_MAX - oa || na < oa + old_len)) {
        return Errno(EINVAL);
      }
    }
    if (vmas_.size() + 2 >= kMaxMapCount - 3) return Errno(ENOMEM);
    if (fixed) UnmapLocked(na, na + new_len);
    if (old_len > new_len) {
      if (old_len > max_address_ || oa > max_address_ - old_len) return Errno(EFAULT);
      UnmapLocked(oa + new_len, oa + old_len);
      old_len = new_len;
    }
    vit = vmas_.Find(oa);
    if (vit == vmas_.end()) return Errno(EFAULT);
    if (old_len > vit->second.end - oa) return Errno(EFAULT);
    if (!fixed) {
      ASSIGN_OR_RETURN(na, FindUnmappedLocked(new_len, na));
    }
    MoveLocked(oa, old_len, na, new_len, dont_unmap);
    return GuestAddr(na);
  }

  // Shrinking only unmaps the tail (whatever VMAs it covers).
  if (old_len >= new_len) {
    if (old_len > new_len) {
      if (old_len > max_address_ || oa > max_address_ - old_len) return Errno(EINVAL);
      UnmapLocked(oa + new_len, oa + old_len);
    }
    return old_addr;
  }

  // Growing: the old range must lie in one VMA.
  if (old_len > vit->second.end - oa) return Errno(EFAULT);
  if (oa + old_len == vit->second.end && new_len <= max_address_ && oa <= max_address_ - new_len &&
      !vmas_.Intersects(vit->second.end, oa + new_len)) {
    vmas_.ExtendEnd(vit, oa + new_len);
    vmas_.MergeRange(oa, oa + new_len);
    return old_addr;
  }
  if (!may_move) return Errno(ENOMEM);
  if (vmas_.size() + 2 >= kMaxMapCount - 3) return Errno(ENOMEM);
  ASSIGN_OR_RETURN(uint64_t na, FindUnmappedLocked(new_len, 0));
  MoveLocked(oa, old_len, na, new_len, /*dont_unmap=*/false);
  return GuestAddr(na);
}

Result<void> MemoryManager::MAdvise(GuestAddr addr, uint64_t length, int advice) {
  switch (advice) {
    case linux::kMadvNormal:
    case linux::kMadvRandom:
    case linux::kMadvSequential:
    case linux::kMadvWillneed:
    case linux::kMadvDontneed:
    case linux::kMadvFree:
    case linux::kMadvRemove:
    case linux::kMadvDontfork:
    case linux::kMadvDofork:
    case linux::kMadvMergeable:
    case linux::kMadvUnmergeable:
    case linux::kMadvHugepage:
    case linux::kMadvNohugepage:
    case linux::kMadvDontdump:
    case linux::kMadvDodump:
    case linux::kMadvWipeonfork:
    case linux::kMadvKeeponfork:
    case linux::kMadvCold:
    case linux::kMadvPageout:
    case linux::kMadvPopulateRead:
    case linux::kMadvPopulateWrite:
    case linux::kMadvDontneedLocked:
    case linux::kMadvCollapse:
      break;
    default:
      return Errno(EINVAL);
  }
  const uint64_t start = Raw(addr);
  if (!IsPageAligned(start)) return Errno(EINVAL);
  const std::optional<uint64_t> len = PageRoundUp(length);
  if (!len || start > UINT64_MAX - *len) return Errno(EINVAL);
  if (*len == 0) return Ok();

  uint64_t end = 0;
  bool populate = false;
  {
    OpLock lock(*this);
    // As Linux: act on the mapped parts, then report ENOMEM if there were holes.
    const bool beyond = start + *len > max_address_;
    end = beyond ? std::max(start, max_address_) : start + *len;
    const bool holes = beyond || !vmas_.Covers(start, end);
    auto in_range = [&](auto&& fn) -> Result<void> {
      for (auto it = vmas_.LowerBound(start); it != vmas_.end() && it->second.start < end; ++it) {
        RETURN_IF_ERROR(fn(it->second));
      }
      return Ok();
    };
    switch (advice) {
      case linux::kMadvDontneed:
      case linux::kMadvDontneedLocked:
      case linux::kMadvFree:
        if (advice == linux::kMadvFree) {
          // MADV_FREE is for private anonymous memory only.
          RETURN_IF_ERROR(in_range([](const Vma& v) -> Result<void> {
            if (v.shared || v.file) return Errno(EINVAL);
            return Ok();
          }));
        }
        // Private anonymous pages go (they read as zero afterwards), file pages
        // are read from the file again on the next touch, shared ones stay in
        // their backing and come back on the next fault.
        DropPmasLocked(start, end);
        break;
      case linux::kMadvRemove:
        RETURN_IF_ERROR(in_range([](const Vma& v) -> Result<void> {
          if (!v.shared) return Errno(EINVAL);
          if ((v.prot & linux::kProtWrite) == 0) return Errno(EACCES);
          // Punching holes in files through their mappings is not supported
          // (as a Linux filesystem without FALLOC_FL_PUNCH_HOLE).
          if (v.file) return Errno(EOPNOTSUPP);
          return Ok();
        }));
        RETURN_IF_ERROR(in_range([&](const Vma& v) -> Result<void> {
          const uint64_t s = std::max(start, v.start);
          const uint64_t e = std::min({end, v.end, v.BackedEnd()});
          // Punching the shared pages zeroes them for every sharer.
          if (s < e) mf_.Zero({v.OffsetOf(s), v.OffsetOf(e)});
          return Ok();
        }));
        break;
      case linux::kMadvDontfork:
      case linux::kMadvDofork:
      case linux::kMadvWipeonfork:
      case linux::kMadvKeeponfork: {
        if (advice == linux::kMadvWipeonfork) {
          // Private anonymous memory only, as Linux.
          RETURN_IF_ERROR(in_range([](const Vma& v) -> Result<void> {
            if (v.shared || v.file) return Errno(EINVAL);
            return Ok();
          }));
        }
        auto [it, last] = vmas_.Isolate(start, end);
        for (; it != last; ++it) {
          if (advice == linux::kMadvDontfork) it->second.dont_fork = true;
          if (advice == linux::kMadvDofork) it->second.dont_fork = false;
          if (advice == linux::kMadvWipeonfork) it->second.wipe_on_fork = true;
          if (advice == linux::kMadvKeeponfork) it->second.wipe_on_fork = false;
        }
        vmas_.MergeRange(start, end);
        break;
      }
      case linux::kMadvPopulateRead:
      case linux::kMadvPopulateWrite: {
        const int need = advice == linux::kMadvPopulateWrite ? linux::kProtWrite : kProtRwx;
        RETURN_IF_ERROR(in_range([&](const Vma& v) -> Result<void> {
          if ((v.prot & need) == 0) return Errno(EFAULT);
          return Ok();
        }));
        if (holes) return Errno(ENOMEM);
        // Done below, with the lock dropped (file pages are read without it).
        populate = true;
        break;
      }
      default:
        break;  // A hint we may ignore.
    }
    if (holes) return Errno(ENOMEM);
  }
  if (populate) return PopulateRange(start, end);
  return Ok();
}

void MemoryManager::SetBrkStart(GuestAddr start) {
  std::lock_guard<std::mutex> l(mu_);
  brk_start_ = PageRoundUp(Raw(start)).value_or(PageRoundDown(UINT64_MAX));
  brk_ = brk_start_;
}

GuestAddr MemoryManager::Brk(GuestAddr addr) {
  OpLock lock(*this);
  const uint64_t want = Raw(addr);
  // Below the heap (brk(0) asks for the current break) or before exec set one up.
  if (brk_start_ == 0 || want < brk_start_) return GuestAddr(brk_);
  const std::optional<uint64_t> new_top = PageRoundUp(want);
  if (!new_top || *new_top > max_address_) return GuestAddr(brk_);
  const uint64_t old_top = *PageRoundUp(brk_);
  if (*new_top < old_top) {
    // Freed pages read as zero when the heap grows back over them.
    UnmapLocked(*new_top, old_top);
  } else if (*new_top > old_top) {
    // The heap may not run into a mapping, and keeps a page clear below it.
    auto next = vmas_.LowerBound(old_top);
    if (next != vmas_.end() && *new_top + kPageSize > next->second.start) return GuestAddr(brk_);
    if (vmas_.size() >= kMaxMapCount) return GuestAddr(brk_);
    Vma heap;
    heap.start = old_top;
    heap.end = *new_top;
    heap.prot = linux::kProtRead | linux::kProtWrite;
    heap.name = "[heap]";
    InsertVmaLocked(std::move(heap));
  }
  brk_ = want;
  return addr;
}

}  // namespace kekkai::sentry::mm

// MemoryManager: resolving guest faults (fault-around, copy-on-write) and
// populating ranges ahead of use.
#include <algorithm>
#include <cstring>

#include "abi/linux/mman.h"
#include "base/logging.h"
#include "sentry/mm/memory_manager.h"

namespace kekkai::sentry::mm {

namespace linux = abi::linux;
using platform::AccessType;

namespace {

// Returns whether a VMA with `prot` allows `access` (x86: any access right
// implies read).
bool Permits(int prot, AccessType access) {
  if (access.write && (prot & linux::kProtWrite) == 0) return false;
  if (access.execute && (prot & linux::kProtExec) == 0) return false;
  if (access.read && prot == linux::kProtNone) return false;
  return true;
}

// The last fault this host thread took that HandleFault could do nothing
// about. A guest thread runs on one host thread for as long as it runs guest
// code, so a second such fault on the same page of the same address space with
// no mapping change in between is a loop (an access the platform reports as
// one it already allows, such as an instruction fetch from a non-executable
// page reported as a read), while a fault that lost a race with another thread
// resolving the same page is only seen once.
struct UnresolvedFault {
  uint64_t mm_id = 0;
  uint64_t page = 0;
  uint64_t generation = 0;
  bool operator==(const UnresolvedFault&) const = default;
};
thread_local UnresolvedFault t_last_unresolved;

}  // namespace

Result<void> MemoryManager::EnsurePmasLocked(const Vma& vma, uint64_t start, uint64_t end,
                                             bool* changed) {
  // A file VMA's pages hold the file's bytes, never fresh zeroes.
  if (vma.file) LOG(FATAL) << "EnsurePmasLocked on a file VMA";
  if (vma.backing) end = std::min(end, vma.BackedEnd());
  if (start >= end) return Ok();
  for (const AddrRange& gap : pmas_.Gaps(start, end)) {
    Pma p;
    p.start = gap.start;
    p.end = gap.end;
    if (vma.backing) {
      p.file_offset = vma.OffsetOf(gap.start);
      mf_.IncRef(p.file_range());
    } else {
      ASSIGN_OR_RETURN(FileRange fr, mf_.Allocate(gap.length()));
      p.file_offset = fr.start;
    }
    pmas_.Insert(p);
    if (changed != nullptr) *changed = true;
  }
  pmas_.MergeRange(start, end);
  return Ok();
}

Result<void> MemoryManager::BreakCowLocked(const Vma& vma, uint64_t start, uint64_t end) {
  Result<void> result = Ok();
  auto [it, last] = pmas_.Isolate(start, end);
  while (it != last) {
    if (!it->second.needs_cow) {
      ++it;
      continue;
    }
    // Whether someone else still holds a page is known per page.
    pmas_.SplitAt(it->second.start + kPageSize);
    Pma& p = it->second;
    if (mf_.RefCount(p.file_offset) != 1) {
      Result<FileRange> fresh = mf_.Allocate(kPageSize);
      if (!fresh.ok()) {
        result = fresh.error();
        break;
      }
      std::span<std::byte> to = mf_.View(*fresh);
      std::span<const std::byte> from = mf_.View(p.file_range());
      std::memcpy(to.data(), from.data(), kPageSize);
      ReleaseLocked(p.file_range());
      p.file_offset = fresh->start;
      // The platform must drop the old page before it can be freed.
      if (p.mapped) flush_needed_ = true;
    }
    // else: the other side let go; this side takes the page over in place.
    p.needs_cow = false;
    if (p.mapped) {
      Result<void> r = MapFileLocked(p.start, p.file_offset, kPageSize, AccessFor(vma, p));
      if (!r.ok()) {
        // Drop whatever the platform has there; the next fault maps it again.
        p.mapped = false;
        flush_needed_ = true;
        (void)as_->Unmap(GuestAddr(p.start), kPageSize);
      }
    }
    ++it;
  }
  pmas_.MergeRange(start, end);
  return result;
}

MemoryManager::FaultError MemoryManager::HandleFault(uint64_t addr, AccessType access) {
  // A pass that stops for file data returns kNone: should the driver give up,
  // the guest retries the access and faults again.
  return WithFileReads([&] { return FaultLocked(addr, access); });
}

MemoryManager::FaultError MemoryManager::FaultLocked(uint64_t addr, AccessType access) {
  if (addr >= max_address_) return FaultError::kMapErr;
  auto vit = FindVmaLocked(addr);
  if (vit == vmas_.end()) return FaultError::kMapErr;
  const Vma& vma = vit->second;
  if (!Permits(vma.prot, access)) return FaultError::kAccErr;
  const uint64_t page = PageRoundDown(addr);
  if (vma.backing && page >= vma.BackedEnd()) return FaultError::kBusErr;

  // Fault-around: back and map the aligned window around the fault, within the VMA.
  const uint64_t window = addr & ~(kFaultAroundBytes - 1);
  const uint64_t win_start = std::max(window, vma.start);
  const uint64_t win_end = std::min(window + kFaultAroundBytes, vma.end);
  bool changed = false;
  if (vma.file) {
    // The window's file pages come in one read; only the faulting page must.
    using Stop = FileBacking::Stop;
    switch (BackFilePagesLocked(vma, win_start, win_end, page, page + kPageSize, &changed).stop) {
      case Stop::kNone:
        break;
      case Stop::kNeedRead:
        t_last_unresolved = {};
        return FaultError::kNone;
      case Stop::kBusErr:
        return FaultError::kBusErr;
      case Stop::kNoMem:
        return FaultError::kNoMem;
    }
  } else if (!EnsurePmasLocked(vma, win_start, win_end, &changed).ok()) {
    // Short of memory: the faulting page is all that matters.
    if (!EnsurePmasLocked(vma, page, page + kPageSize, &changed).ok()) return FaultError::kNoMem;
  }
  if (access.write && !vma.shared) {
    auto pit = pmas_.Find(page);
    if (pit != pmas_.end() && pit->second.needs_cow) {
      if (!BreakCowLocked(vma, page, page + kPageSize).ok()) return FaultError::kNoMem;
      changed = true;
    }
  }
  if (!SyncPlatformLocked(win_start, win_end, SyncMode::kMapUnmapped, &changed).ok()) {
    return FaultError::kNoMem;
  }
  if (changed) {
    t_last_unresolved = {};
    return FaultError::kNone;
  }
  // The page is backed and mapped as the VMA allows. Retry once: the fault may
  // have raced with another thread that mapped it; a second identical fault
  // means the access really is forbidden.
  const UnresolvedFault cur{id_, page, map_generation_};
  if (t_last_unresolved == cur) {
    t_last_unresolved = {};
    return FaultError::kAccErr;
  }
  t_last_unresolved = cur;
  return FaultError::kNone;
}

Result<void> MemoryManager::Populate(GuestAddr addr, uint64_t length) {
  const uint64_t start = PageRoundDown(Raw(addr));
  if (Raw(addr) > UINT64_MAX - length) return Errno(EINVAL);
  const std::optional<uint64_t> end = PageRoundUp(Raw(addr) + length);
  if (!end) return Errno(EINVAL);
  return PopulateRange(start, *end);
}

Result<void> MemoryManager::PopulateRange(uint64_t start, uint64_t end) {
  uint64_t resume = start;
  return WithFileReads([&] { return PopulateLocked(start, end, &resume); });
}

Result<void> MemoryManager::PopulateLocked(uint64_t start, uint64_t end, uint64_t* resume) {
  const uint64_t from = std::max(start, *resume);
  if (from >= end) return Ok();
  if (end > max_address_ || !vmas_.Covers(from, end)) return Errno(ENOMEM);
  Result<void> result = Ok();
  uint64_t reached = from;
  for (auto it = vmas_.LowerBound(from); it != vmas_.end() && it->second.start < end; ++it) {
    const Vma& v = it->second;
    const uint64_t s = std::max(from, v.start);
    const uint64_t e = std::min(end, v.end);
    if (v.prot == linux::kProtNone) {
      reached = e;
      continue;
    }
    uint64_t backed = e;
    if (v.file) {
      using Stop = FileBacking::Stop;
      for (uint64_t c = s; c < e && result.ok();) {
        const uint64_t ce = c + std::min(e - c, kMaxFileReadBytes);
        const FileBacking fb = BackFilePagesLocked(v, c, ce, c, ce, nullptr);
        c = ce;
        if (fb.stop == Stop::kNone) continue;
        backed = fb.backed_end;
        result = Errno(fb.stop == Stop::kNeedRead ? EAGAIN
                       : fb.stop == Stop::kNoMem  ? ENOMEM
                                                  : EFAULT);
      }
    } else {
      result = EnsurePmasLocked(v, s, e);
      if (!result.ok()) backed = s;
    }
    // As a write fault would: writable private pages get their own copies now.
    if (!v.shared && (v.prot & linux::kProtWrite) != 0 && s < backed) {
      Result<void> r = BreakCowLocked(v, s, backed);
      if (!r.ok()) {
        backed = s;
        if (result.ok()) result = r;
      }
    }
    reached = backed;
    if (!result.ok()) break;
  }
  *resume = reached;
  // Map what got backed, also when stopping part-way.
  Result<void> synced = SyncPlatformLocked(from, reached, SyncMode::kMapUnmapped);
  RETURN_IF_ERROR(result);
  return synced;
}

}  // namespace kekkai::sentry::mm

// MemoryManager: fork(2) — copying an address space with copy-on-write.
#include <algorithm>

#include "abi/linux/mman.h"
#include "sentry/mm/memory_manager.h"

namespace kekkai::sentry::mm {

namespace linux = abi::linux;

Result<std::unique_ptr<MemoryManager>> MemoryManager::Fork(
    std::unique_ptr<platform::AddressSpace> child_as) {
  if (!child_as) return Errno(EINVAL);
  auto child = std::make_unique<MemoryManager>(mf_, std::move(child_as));
  OpLock lock(*this);
  // A file truncated meanwhile invalidates the child only after the copy, so no
  // page past the file's new end survives in it (see MappingSpaceSet).
  std::lock_guard<std::mutex> child_lock(child->mu_);
  if (!vmas_.empty() && std::prev(vmas_.end())->second.end > child->max_address_) {
    return Errno(ENOMEM);
  }
  child->max_address_ = std::min(max_address_, child->max_address_);
  child->mmap_base_ = std::min(mmap_base_, child->max_address_);
  child->brk_start_ = brk_start_;
  child->brk_ = brk_;
  child->stack_limit_ = stack_limit_;
  child->exec_info_ = exec_info_;

  // Parent ranges whose writable mappings must turn read-only.
  std::vector<AddrRange> to_protect;
  for (const auto& [start, v] : vmas_) {
    if (v.dont_fork) continue;
    // The child holds the file's pages too: truncation must reach it.
    if (v.file) child->RegisterFile(*v.file);
    child->vmas_.Insert(v);
    if (v.wipe_on_fork) continue;
    auto [pit, plast] = pmas_.Isolate(v.start, v.end);
    for (; pit != plast; ++pit) {
      Pma& p = pit->second;
      mf_.IncRef(p.file_range());
      Pma copy = p;
      copy.mapped = false;
      if (!v.shared) {
        // Both sides now read the same pages; the first to write copies.
        copy.needs_cow = true;
        if (!p.needs_cow) {
          p.needs_cow = true;
          if (p.mapped && (v.prot & linux::kProtWrite) != 0) {
            if (!to_protect.empty() && to_protect.back().end == p.start) {
              to_protect.back().end = p.end;
            } else {
              to_protect.push_back({p.start, p.end});
            }
          }
        }
      }
      child->pmas_.Insert(copy);
    }
  }
  child->vmas_.MergeRange(0, UINT64_MAX);
  child->pmas_.MergeRange(0, UINT64_MAX);
  for (const AddrRange& r : to_protect) {
    // kRefresh re-maps the parent's mapped pages without write and flushes
    // before the lock is released, so no parent thread keeps writing to pages
    // the child now shares.
    RETURN_IF_ERROR(SyncPlatformLocked(r.start, r.end, SyncMode::kRefresh));
  }
  pmas_.MergeRange(0, UINT64_MAX);
  return child;
}

}  // namespace kekkai::sentry::mm

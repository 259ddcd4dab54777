// MemoryManager core: construction, layout, the operation lock, the helpers that
// keep VMAs, PMAs and the platform's mappings consistent, and /proc/PID/maps.
// The syscalls are in memory_manager_mmap.cc, faults and population in
// memory_manager_fault.cc, CopyIn/CopyOut in memory_manager_io.cc, fork in
// memory_manager_fork.cc.
#include "sentry/mm/memory_manager.h"

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <utility>

#include "abi/linux/mman.h"
#include "base/logging.h"

namespace kekkai::sentry::mm {

namespace linux = abi::linux;
using platform::AccessType;

namespace {
std::atomic<uint64_t> g_next_mm_id{1};
}  // namespace

// Files hold this weakly; the manager detaches it when it goes, waiting for an
// invalidation in progress (which holds mu_ and so runs before the teardown).
class MemoryManager::FileSpace final : public memmap::MappingSpace {
 public:
  explicit FileSpace(MemoryManager* mm) : mm_(mm) {}

  void InvalidateFile(const memmap::Mappable& file, uint64_t start, uint64_t end) override {
    std::lock_guard<std::mutex> l(mu_);
    if (mm_ != nullptr) mm_->InvalidateFile(file, start, end);
  }

  bool MapsWritable(const memmap::Mappable& file) override {
    std::lock_guard<std::mutex> l(mu_);
    return mm_ != nullptr && mm_->MapsFileWritable(file);
  }

  void Detach() {
    std::lock_guard<std::mutex> l(mu_);
    mm_ = nullptr;
  }

 private:
  // Held while calling into the manager; taken before the manager's mu_.
  std::mutex mu_;
  MemoryManager* mm_;
};

MemoryManager::OpLock::OpLock(MemoryManager& mm) : mm_(mm) { mm_.mu_.lock(); }

MemoryManager::OpLock::~OpLock() {
  if (mm_.flush_needed_) {
    Result<void> r = mm_.as_->Flush();
    if (!r.ok()) {
      // The platform may still map the released pages: keep them (the next
      // operation flushes again, the destructor tears the address space down
      // first) rather than let the next owner's data show through.
      LOG(ERROR) << "AddressSpace::Flush failed: errno " << r.error().value();
      mm_.mu_.unlock();
      return;
    }
    mm_.flush_needed_ = false;
  }
  std::vector<FileRange> pages = std::exchange(mm_.pending_decref_, {});
  std::vector<std::shared_ptr<SharedAnonMemory>> backings =
      std::exchange(mm_.pending_backings_, {});
  std::vector<std::shared_ptr<memmap::Mappable>> files = std::exchange(mm_.pending_files_, {});
  mm_.mu_.unlock();
  for (const FileRange& fr : pages) mm_.mf_.DecRef(fr);
  // `backings` and `files` drop their references here, outside the lock.
}

MemoryManager::MemoryManager(MemoryFile& mf, std::unique_ptr<platform::AddressSpace> as)
    : mf_(mf),
      as_(std::move(as)),
      id_(g_next_mm_id.fetch_add(1)),
      file_space_(std::make_shared<FileSpace>(this)) {
  max_address_ = PageRoundDown(as_->max_user_address());
  mmap_base_ = max_address_;
}

MemoryManager::~MemoryManager() {
  // No file may call in once teardown starts.
  file_space_->Detach();
  // Tear the guest address space down before its pages can be reused.
  as_.reset();
  for (const auto& [start, pma] : pmas_) mf_.DecRef(pma.file_range());
  for (const FileRange& fr : pending_decref_) mf_.DecRef(fr);
}

void MemoryManager::SetLayout(uint64_t mmap_base, uint64_t max_address) {
  std::lock_guard<std::mutex> l(mu_);
  max_address_ = PageRoundDown(std::min(max_address, as_->max_user_address()));
  mmap_base_ = PageRoundDown(std::min(mmap_base, max_address_));
}

uint64_t MemoryManager::max_address() const {
  std::lock_guard<std::mutex> l(mu_);
  return max_address_;
}

void MemoryManager::SetStackLimit(uint64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  stack_limit_ = bytes;
}

size_t MemoryManager::vma_count() const {
  std::lock_guard<std::mutex> l(mu_);
  return vmas_.size();
}

size_t MemoryManager::pma_count() const {
  std::lock_guard<std::mutex> l(mu_);
  return pmas_.size();
}

uint64_t MemoryManager::virtual_bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t total = 0;
  for (const auto& [start, vma] : vmas_) total += vma.length();
  return total;
}

uint64_t MemoryManager::resident_bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return pmas_.TotalBytes();
}

void MemoryManager::RegisterFile(memmap::Mappable& file) {
  file.AddMappingSpace(std::weak_ptr<memmap::MappingSpace>(file_space_));
}

void MemoryManager::InvalidateFile(const memmap::Mappable& file, uint64_t start, uint64_t end) {
  if (start >= end) return;
  OpLock lock(*this);
  std::vector<AddrRange> drop;
  for (const auto& [vstart, v] : vmas_) {
    if (v.file.get() != &file) continue;
    // The VMA maps file offsets [v.offset, v.offset + length).
    const uint64_t lo = std::max(start, v.offset);
    const uint64_t hi = std::min(end, v.offset + v.length());
    if (lo >= hi) continue;
    drop.push_back({v.start + (lo - v.offset), v.start + (hi - v.offset)});
  }
  // Private copies go too: past the end of the file there is nothing to map.
  for (const AddrRange& r : drop) DropPmasLocked(r.start, r.end);
}

bool MemoryManager::MapsFileWritable(const memmap::Mappable& file) const {
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [start, v] : vmas_) {
    if (v.file.get() == &file && v.shared && (v.max_prot & linux::kProtWrite) != 0) return true;
  }
  return false;
}

bool MemoryManager::IsMapped(GuestAddr addr, uint64_t length) const {
  const uint64_t start = Raw(addr);
  if (length == 0) return true;
  if (start > UINT64_MAX - length) return false;
  std::lock_guard<std::mutex> l(mu_);
  return vmas_.Covers(start, start + length);
}

void MemoryManager::ReleaseLocked(Vma&& vma) {
  if (vma.backing) pending_backings_.push_back(std::move(vma.backing));
  ReleaseLocked(std::move(vma.file));
}

AccessType MemoryManager::AccessFor(const Vma& vma, const Pma& pma) {
  AccessType a = AccessType::FromProt(vma.prot);
  // x86 page tables cannot express write- or execute-only pages.
  a.read = vma.prot != linux::kProtNone;
  if (!vma.shared && pma.needs_cow) a.write = false;
  return a;
}

Result<void> MemoryManager::MapFileLocked(uint64_t addr, uint64_t offset, uint64_t len,
                                          AccessType access) {
  ++map_generation_;
  Result<void> r = as_->MapFile(GuestAddr(addr), offset, len, access);
  if (!r.ok()) {
    LOG(ERROR) << "AddressSpace::MapFile(0x" << std::hex << addr << ", 0x" << offset << ", 0x"
               << len << std::dec << ") failed: errno " << r.error().value();
  }
  return r;
}

void MemoryManager::InsertVmaLocked(Vma vma) {
  const uint64_t start = vma.start;
  const uint64_t end = vma.end;
  vmas_.Insert(std::move(vma));
  vmas_.MergeRange(start, end);
}

void MemoryManager::PlatformUnmapLocked(uint64_t start, uint64_t end) {
  AddrRange run;
  auto flush = [&] {
    if (run.start == run.end) return;
    ++map_generation_;
    flush_needed_ = true;
    Result<void> r = as_->Unmap(GuestAddr(run.start), run.length());
    if (!r.ok()) {
      LOG(ERROR) << "AddressSpace::Unmap(0x" << std::hex << run.start << ", 0x" << run.length()
                 << std::dec << ") failed: errno " << r.error().value();
    }
    run = {};
  };
  bool any = false;
  for (auto it = pmas_.LowerBound(start); it != pmas_.end() && it->second.start < end; ++it) {
    if (it->second.mapped) any = true;
  }
  if (!any) return;
  auto [it, last] = pmas_.Isolate(start, end);
  for (; it != last; ++it) {
    Pma& p = it->second;
    if (!p.mapped) continue;
    p.mapped = false;
    if (run.end != p.start) flush();
    if (run.start == run.end) run.start = p.start;
    run.end = p.end;
  }
  flush();
  pmas_.MergeRange(start, end);
}

void MemoryManager::DropPmasLocked(uint64_t start, uint64_t end) {
  PlatformUnmapLocked(start, end);
  for (const Pma& p : pmas_.RemoveRange(start, end)) ReleaseLocked(p.file_range());
}

void MemoryManager::UnmapLocked(uint64_t start, uint64_t end) {
  if (start >= end) return;
  DropPmasLocked(start, end);
  for (Vma& v : vmas_.RemoveRange(start, end)) ReleaseLocked(std::move(v));
}

Result<void> MemoryManager::SyncPlatformLocked(uint64_t start, uint64_t end, SyncMode mode,
                                               bool* changed) {
  struct Run {
    uint64_t addr = 0, offset = 0, len = 0;
    AccessType access;
  } run;
  auto flush = [&]() -> Result<void> {
    if (run.len == 0) return Ok();
    Run r = std::exchange(run, {});
    // Re-mapping may take write permission away or swap pages: a running
    // guest thread must not keep the old mapping.
    if (mode == SyncMode::kRefresh) flush_needed_ = true;
    return MapFileLocked(r.addr, r.offset, r.len, r.access);
  };
  for (auto vit = vmas_.LowerBound(start); vit != vmas_.end() && vit->second.start < end; ++vit) {
    const Vma& v = vit->second;
    const uint64_t s = std::max(start, v.start);
    const uint64_t e = std::min(end, v.end);
    if (v.prot == linux::kProtNone) {
      // PROT_NONE memory is never mapped: the guest faults and gets SEGV_ACCERR.
      const uint64_t gen = map_generation_;
      PlatformUnmapLocked(s, e);
      if (changed != nullptr && gen != map_generation_) *changed = true;
      continue;
    }
    auto [pit, plast] = pmas_.Isolate(s, e);
    for (; pit != plast; ++pit) {
      Pma& p = pit->second;
      if (p.mapped != (mode == SyncMode::kRefresh)) continue;
      const AccessType a = AccessFor(v, p);
      if (run.len != 0 && run.addr + run.len == p.start && run.offset + run.len == p.file_offset &&
          run.access == a) {
        run.len += p.length();
      } else {
        RETURN_IF_ERROR(flush());
        run = {p.start, p.file_offset, p.length(), a};
      }
      p.mapped = true;
      if (changed != nullptr) *changed = true;
    }
  }
  Result<void> r = flush();
  pmas_.MergeRange(start, end);
  return r;
}

Result<uint64_t> MemoryManager::FindUnmappedLocked(uint64_t length, uint64_t hint) const {
  if (max_address_ < kMinUserAddress || length > max_address_ - kMinUserAddress) {
    return Errno(ENOMEM);
  }
  if (hint != 0) {
    std::optional<uint64_t> h = PageRoundUp(hint);
    if (h && *h >= kMinUserAddress && *h <= max_address_ - length &&
        !vmas_.Intersects(*h, *h + length)) {
      return *h;
    }
  }
  if (auto a = vmas_.FindGapTopDown(length, kMinUserAddress, mmap_base_)) return *a;
  // Nothing below the mmap base: take what is above it.
  if (auto a = vmas_.FindGapTopDown(length, kMinUserAddress, max_address_)) return *a;
  return Errno(ENOMEM);
}

VmaSet::iterator MemoryManager::FindVmaLocked(uint64_t addr) {
  auto it = vmas_.Find(addr);
  if (it != vmas_.end()) return it;
  // A fault just below a MAP_GROWSDOWN VMA grows it, as Linux's expand_stack.
  auto next = vmas_.LowerBound(addr);
  if (next == vmas_.end() || !next->second.grows_down || next->second.backing ||
      next->second.file) {
    return vmas_.end();
  }
  const uint64_t page = PageRoundDown(addr);
  if (page < kMinUserAddress || next->second.end - page > stack_limit_) return vmas_.end();
  if (next != vmas_.begin()) {
    const Vma& prev = std::prev(next)->second;
    if (page - prev.end < kStackGuardGap) return vmas_.end();
  }
  return vmas_.ExtendStartDown(next, page);
}

std::string MemoryManager::MapsText() const {
  std::lock_guard<std::mutex> l(mu_);
  std::string out;
  for (const auto& [start, v] : vmas_) {
    uint64_t pgoff = 0;
    unsigned dev_major = 0, dev_minor = 0;
    uint64_t ino = 0;
    if (v.backing) pgoff = v.offset - v.backing->range().start;
    if (v.file) {
      pgoff = v.offset;
      // device() is a stat(2) st_dev; Linux prints MAJOR:MINOR in hex.
      const uint64_t dev = v.file->device();
      dev_major = static_cast<unsigned>(((dev >> 8) & 0xfff) | ((dev >> 32) & ~uint64_t{0xfff}));
      dev_minor = static_cast<unsigned>((dev & 0xff) | ((dev >> 12) & ~uint64_t{0xff}));
      ino = v.file->inode();
    }
    char line[160];
    int n = std::snprintf(
        line, sizeof(line),
        "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64 " %02x:%02x %" PRIu64 " ", v.start, v.end,
        (v.prot & linux::kProtRead) ? 'r' : '-', (v.prot & linux::kProtWrite) ? 'w' : '-',
        (v.prot & linux::kProtExec) ? 'x' : '-', v.shared ? 's' : 'p', pgoff, dev_major, dev_minor,
        ino);
    out.append(line, static_cast<size_t>(std::clamp(n, 0, static_cast<int>(sizeof(line) - 1))));
    std::string_view name = v.name;
    if (name.empty() && v.shared && !v.file) name = "/dev/zero (deleted)";
    if (!name.empty()) {
      // Linux pads the fixed fields to 72 columns before the name.
      const size_t width = static_cast<size_t>(std::max(n, 0));
      out.append(width < 73 ? 73 - width : 1, ' ');
      // As seq_path: a newline in a path would start a new line.
      for (char c : name) {
        if (c == '\n') {
          out.append("\\012");
        } else {
          out.push_back(c);
        }
      }
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace kekkai::sentry::mm

// MemoryManager: the read-only views /proc/PID/{smaps,status,statm} are made of.
#include <algorithm>

#include "sentry/mm/memory_manager.h"

namespace kekkai::sentry::mm {

std::vector<MemoryManager::VmaStats> MemoryManager::VmaStatsSnapshot() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<VmaStats> out;
  out.reserve(vmas_.size());
  for (const auto& [start, v] : vmas_) {
    VmaStats s;
    s.start = v.start;
    s.end = v.end;
    s.prot = v.prot;
    s.shared = v.shared;
    s.grows_down = v.grows_down;
    s.name = v.name;
    if (v.backing) {
      s.shared_anon = true;
      s.pgoff = v.offset - v.backing->range().start;
      if (s.name.empty()) s.name = "/dev/zero (deleted)";
    }
    if (v.file) {
      s.file = true;
      s.pgoff = v.offset;
      s.dev = v.file->device();
      s.ino = v.file->inode();
    }
    for (auto it = pmas_.LowerBound(v.start); it != pmas_.end() && it->second.start < v.end;
         ++it) {
      const uint64_t a = std::max(it->second.start, v.start);
      const uint64_t b = std::min(it->second.end, v.end);
      if (a < b) s.resident += b - a;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::pair<uint64_t, uint64_t> MemoryManager::BrkRange() const {
  std::lock_guard<std::mutex> l(mu_);
  return {brk_start_, brk_};
}

}  // namespace kekkai::sentry::mm

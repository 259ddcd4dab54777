#include "fs/vfs/fd_table.h"

#include <algorithm>
#include <climits>

namespace kekkai::fs::vfs {

FdTable::~FdTable() {
  for (const auto& [fd, slot] : fds_) ReleasePosixLocks(slot.file);
}

void FdTable::ReleasePosixLocks(const FileRef& file) const {
  if (!file) return;
  if (std::shared_ptr<FileLocks> locks = file->LockState(/*create=*/false)) {
    locks->ReleaseRecords(this);
  }
}

Result<FileRef> FdTable::Get(int32_t fd) const {
  std::lock_guard lock(mu_);
  auto it = fds_.find(fd);
  if (it == fds_.end()) return Errno(EBADF);
  return it->second.file;
}

Result<bool> FdTable::GetCloexec(int32_t fd) const {
  std::lock_guard lock(mu_);
  auto it = fds_.find(fd);
  if (it == fds_.end()) return Errno(EBADF);
  return it->second.cloexec;
}

Result<void> FdTable::SetCloexec(int32_t fd, bool cloexec) {
  std::lock_guard lock(mu_);
  auto it = fds_.find(fd);
  if (it == fds_.end()) return Errno(EBADF);
  it->second.cloexec = cloexec;
  return Ok();
}

Result<int32_t> FdTable::Install(FileRef file, int32_t min_fd, bool cloexec, int32_t limit) {
  if (min_fd < 0) return Errno(EINVAL);
  std::lock_guard lock(mu_);
  int32_t fd = min_fd;
  for (auto it = fds_.lower_bound(min_fd); it != fds_.end() && it->first == fd; ++it) ++fd;
  if (fd >= limit) return Errno(EMFILE);
  fds_[fd] = Slot{std::move(file), cloexec};
  return fd;
}

Result<void> FdTable::CheckRoom(int32_t limit) const {
  std::lock_guard lock(mu_);
  // Fewer fds than numbers below the limit: one of those is free. Only a table
  // that fills its limit (or after the limit was lowered) needs the scan.
  if (limit > 0 && fds_.size() < static_cast<size_t>(limit)) return Ok();
  int32_t fd = 0;
  for (auto it = fds_.begin(); it != fds_.end() && it->first == fd; ++it) ++fd;
  if (fd >= limit) return Errno(EMFILE);
  return Ok();
}

Result<FileRef> FdTable::InstallAt(int32_t fd, FileRef file, bool cloexec, int32_t limit) {
  if (fd < 0 || fd >= limit) return Errno(EBADF);
  FileRef old;
  {
    std::lock_guard lock(mu_);
    Slot& slot = fds_[fd];
    old = std::move(slot.file);
    slot = Slot{std::move(file), cloexec};
  }
  ReleasePosixLocks(old);
  return old;
}

Result<FileRef> FdTable::Remove(int32_t fd) {
  FileRef f;
  {
    std::lock_guard lock(mu_);
    auto it = fds_.find(fd);
    if (it == fds_.end()) return Errno(EBADF);
    f = std::move(it->second.file);
    fds_.erase(it);
  }
  ReleasePosixLocks(f);
  return f;
}

std::vector<FileRef> FdTable::RemoveRange(uint32_t first, uint32_t last, bool cloexec_only) {
  std::vector<FileRef> removed;
  if (first > static_cast<uint32_t>(INT32_MAX)) return removed;
  const int32_t lo = static_cast<int32_t>(first);
  const int32_t hi = static_cast<int32_t>(std::min<uint32_t>(last, INT32_MAX));
  {
    std::lock_guard lock(mu_);
    auto it = fds_.lower_bound(lo);
    while (it != fds_.end() && it->first <= hi) {
      if (cloexec_only) {
        it->second.cloexec = true;
        ++it;
      } else {
        removed.push_back(std::move(it->second.file));
        it = fds_.erase(it);
      }
    }
  }
  for (const FileRef& f : removed) ReleasePosixLocks(f);
  return removed;
}

void FdTable::RemoveCloexec() {
  std::vector<FileRef> removed;
  {
    std::lock_guard lock(mu_);
    for (auto it = fds_.begin(); it != fds_.end();) {
      if (it->second.cloexec) {
        removed.push_back(std::move(it->second.file));
        it = fds_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const FileRef& f : removed) ReleasePosixLocks(f);
}

std::unique_ptr<FdTable> FdTable::Fork() const {
  auto t = std::make_unique<FdTable>();
  std::lock_guard lock(mu_);
  t->fds_ = fds_;
  return t;
}

std::vector<int32_t> FdTable::Fds() const {
  std::lock_guard lock(mu_);
  std::vector<int32_t> out;
  out.reserve(fds_.size());
  for (const auto& [fd, slot] : fds_) out.push_back(fd);
  return out;
}

}  // namespace kekkai::fs::vfs

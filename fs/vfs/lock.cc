#include "fs/vfs/lock.h"

#include <algorithm>
#include <utility>

#include "fs/vfs/file_description.h"
#include "fs/vfs/inode.h"

namespace kekkai::fs::vfs {

namespace {

constexpr uint32_t kWakeEvents = sentry::waiter::kEventIn | sentry::waiter::kEventOut;

// Linux's MAX_DEADLK_ITERATIONS: how far a wait-for chain is followed.
constexpr int kMaxDeadlockIterations = 10;

bool Overlaps(const RecordLock& l, int64_t start, int64_t end) {
  return l.start <= end && start <= l.end;
}

// Whether [a.start, a.end] and [start, end] overlap or touch.
bool Touches(const RecordLock& l, int64_t start, int64_t end) {
  if (Overlaps(l, start, end)) return true;
  return (l.end != kLockOffsetMax && l.end + 1 == start) ||
         (end != kLockOffsetMax && end + 1 == l.start);
}

}  // namespace

Result<void> FileLocks::Flock(const void* owner, bool exclusive) {
  bool dropped = false;
  Result<void> result = Ok();
  {
    std::lock_guard lock(mu_);
    auto own = std::find_if(flocks_.begin(), flocks_.end(),
                            [&](const FlockEntry& e) { return e.owner == owner; });
    if (own != flocks_.end()) {
      if (own->exclusive == exclusive) return Ok();
      // A conversion is not atomic: the old lock goes first, as on Linux.
      flocks_.erase(own);
      dropped = true;
    }
    const bool conflict = std::any_of(flocks_.begin(), flocks_.end(), [&](const FlockEntry& e) {
      return e.exclusive || exclusive;
    });
    if (conflict) {
      result = Errno(EAGAIN);
    } else {
      flocks_.push_back({owner, exclusive});
    }
  }
  if (dropped) queue_.Notify(kWakeEvents);
  return result;
}

void FileLocks::FlockUnlock(const void* owner) {
  size_t erased;
  {
    std::lock_guard lock(mu_);
    erased = std::erase_if(flocks_, [&](const FlockEntry& e) { return e.owner == owner; });
  }
  if (erased > 0) queue_.Notify(kWakeEvents);
}

std::optional<RecordLock> FileLocks::TestRecord(const void* owner, int16_t type, int64_t start,
                                                int64_t end) const {
  std::lock_guard lock(mu_);
  for (const RecordLock& l : records_) {
    if (l.owner == owner || !Overlaps(l, start, end)) continue;
    if (l.type == kLockWrite || type == kLockWrite) return l;
  }
  return std::nullopt;
}

Result<void> FileLocks::SetRecord(const RecordLock& req, int16_t type, const void** blocker) {
  const int64_t start = req.start, end = req.end;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (type != kLockUnlock) {
      for (const RecordLock& l : records_) {
        if (l.owner == req.owner || !Overlaps(l, start, end)) continue;
        if (l.type == kLockWrite || type == kLockWrite) {
          if (blocker != nullptr) *blocker = l.owner;
          return Errno(EAGAIN);
        }
      }
    }
    // Build the owner's new set of locks, then put it where the owner's locks
    // were (at the end for a new owner), sorted by start: Linux keeps each
    // owner's locks together in that order, which decides the lock F_GETLK
    // reports first.
    std::vector<RecordLock> mine;
    RecordLock merged = req;
    merged.type = type;
    size_t first_mine = records_.size();
    for (size_t i = 0; i < records_.size(); ++i) {
      const RecordLock& l = records_[i];
      if (l.owner != req.owner) continue;
      first_mine = std::min(first_mine, i);
      if (type != kLockUnlock && l.type == type && Touches(l, merged.start, merged.end)) {
        // Same type, overlapping or adjacent: one lock covers both.
        merged.start = std::min(merged.start, l.start);
        merged.end = std::max(merged.end, l.end);
        continue;
      }
      if (!Overlaps(l, start, end)) {
        mine.push_back(l);
        continue;
      }
      // The request replaces the overlapped part; what sticks out on either side
      // stays with its old type.
      if (l.type == kLockWrite && type != kLockWrite) wake = true;
      if (l.start < start) {
        RecordLock left = l;
        left.end = start - 1;
        mine.push_back(left);
      }
      if (l.end > end) {
        RecordLock right = l;
        right.start = end + 1;
        mine.push_back(right);
      }
      if (type == kLockUnlock) wake = true;
    }
    // The owner's locks were sorted, and the pieces kept come out in order: only
    // the new lock needs its place.
    if (type != kLockUnlock) {
      auto at = std::lower_bound(
          mine.begin(), mine.end(), merged,
          [](const RecordLock& x, const RecordLock& y) { return x.start < y.start; });
      mine.insert(at, merged);
    }
    std::vector<RecordLock> next;
    next.reserve(records_.size() + 2);
    for (size_t i = 0; i < records_.size(); ++i) {
      if (i == first_mine) next.insert(next.end(), mine.begin(), mine.end());
      if (records_[i].owner != req.owner) next.push_back(records_[i]);
    }
    if (first_mine == records_.size()) next.insert(next.end(), mine.begin(), mine.end());
    if (next.size() > max_records_ && next.size() > records_.size()) return Errno(ENOLCK);
    records_ = std::move(next);
  }
  if (wake) queue_.Notify(kWakeEvents);
  return Ok();
}

bool FileLocks::ReleaseRecordsLocked(const void* owner) {
  return std::erase_if(records_, [&](const RecordLock& l) { return l.owner == owner; }) > 0;
}

void FileLocks::ReleaseRecords(const void* owner) {
  bool dropped;
  {
    std::lock_guard lock(mu_);
    dropped = ReleaseRecordsLocked(owner);
  }
  if (dropped) queue_.Notify(kWakeEvents);
}

void FileLocks::ReleaseDescription(const void* owner) {
  bool dropped;
  {
    std::lock_guard lock(mu_);
    dropped = ReleaseRecordsLocked(owner);
    dropped |= std::erase_if(flocks_, [&](const FlockEntry& e) { return e.owner == owner; }) > 0;
  }
  if (dropped) queue_.Notify(kWakeEvents);
}

std::vector<RecordLock> FileLocks::RecordLocks() const {
  std::lock_guard lock(mu_);
  return records_;
}

PosixLockWaits& PosixLockWaits::Get() {
  static PosixLockWaits* const waits = new PosixLockWaits();  // Never destroyed.
  return *waits;
}

Result<void> PosixLockWaits::Begin(const void* waiter, const void* holder) {
  std::lock_guard lock(mu_);
  const void* cur = holder;
  for (int i = 0; i <= kMaxDeadlockIterations; ++i) {
    if (cur == waiter) return Errno(EDEADLK);
    auto it =
        std::find_if(waits_.begin(), waits_.end(), [&](const auto& w) { return w.first == cur; });
    if (it == waits_.end()) break;
    cur = it->second;
  }
  auto it =
      std::find_if(waits_.begin(), waits_.end(), [&](const auto& w) { return w.first == waiter; });
  if (it != waits_.end()) {
    it->second = holder;
  } else {
    waits_.emplace_back(waiter, holder);
  }
  return Ok();
}

void PosixLockWaits::End(const void* waiter) {
  std::lock_guard lock(mu_);
  std::erase_if(waits_, [&](const auto& w) { return w.first == waiter; });
}

// ---- The hooks of Inode, FileDescription and FdTable that own lock state. ----

std::shared_ptr<FileLocks> Inode::locks(bool create) {
  std::lock_guard lock(locks_mu_);
  if (!locks_ && create) locks_ = std::make_shared<FileLocks>();
  return locks_;
}

std::shared_ptr<FileLocks> FileDescription::LockState(bool create) {
  Inode* i = inode();
  return i == nullptr ? nullptr : i->locks(create);
}

void FileDescription::HoldLocksIn(std::shared_ptr<FileLocks> locks) {
  std::lock_guard lock(held_locks_mu_);
  if (!held_locks_) held_locks_ = std::move(locks);
}

FileDescription::~FileDescription() {
  if (held_locks_) held_locks_->ReleaseDescription(this);
}

}  // namespace kekkai::fs::vfs

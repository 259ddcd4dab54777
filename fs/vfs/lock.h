// FileLocks: the advisory locks of one file (Linux's file_lock_context) — flock(2)
// locks, POSIX record locks (fcntl F_SETLK) and open-file-description record locks
// (F_OFD_SETLK) — plus the wait-for graph that turns a POSIX F_SETLKW deadlock into
// EDEADLK. Knows no Task: a caller that must wait registers on queue(), retries, and
// blocks between tries (see syscalls/sys_lock.cc).
//
// Owners are opaque keys, as Linux's fl_owner: the fd table for POSIX locks (so
// every thread sharing the table is one owner, and closing any fd of the file drops
// them), the open file description for OFD and flock locks. Thread-safe.
#ifndef KEKKAI_FS_VFS_LOCK_H_
#define KEKKAI_FS_VFS_LOCK_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "base/result.h"
#include "sentry/waiter/waiter.h"

namespace kekkai::fs::vfs {

// Lock types, equal to F_RDLCK, F_WRLCK and F_UNLCK.
inline constexpr int16_t kLockRead = 0, kLockWrite = 1, kLockUnlock = 2;
// The last offset a record lock can cover (Linux's OFFSET_MAX): a lock that
// ends here runs to the end of the file, wherever that is.
inline constexpr int64_t kLockOffsetMax = INT64_MAX;
// How many record locks one file keeps at most; a request that would need more
// fails with ENOLCK (Linux's bound is memory; ours keeps a guest from growing the
// sentry without limit).
inline constexpr size_t kMaxRecordLocks = 16384;

// A record lock: bytes [start, end] (inclusive) of the file.
struct RecordLock {
  int16_t type = kLockRead;  // kLockRead or kLockWrite.
  int64_t start = 0;
  int64_t end = kLockOffsetMax;
  const void* owner = nullptr;
  bool ofd = false;  // An OFD lock: F_GETLK reports l_pid -1.
  int32_t pid = 0;   // The locking process, for F_GETLK (POSIX locks).
};

class FileLocks {
 public:
  // `max_records`: how many record locks the file keeps at most.
  explicit FileLocks(size_t max_records = kMaxRecordLocks) : max_records_(max_records) {}
  FileLocks(const FileLocks&) = delete;
  FileLocks& operator=(const FileLocks&) = delete;

  // The queue every waiter for a lock of this file registers on; notified
  // (kEventIn | kEventOut) whenever a lock is released or downgraded.
  sentry::waiter::Queue& queue() { return queue_; }

  // ---- flock(2). ----
  // Takes (or converts to) a shared or exclusive lock for `owner` (a description).
  // A conversion drops the old lock first, as Linux does, so a failed conversion
  // leaves none. EAGAIN (EWOULDBLOCK) on conflict.
  Result<void> Flock(const void* owner, bool exclusive);
  // Drops `owner`'s flock lock, if any.
  void FlockUnlock(const void* owner);

  // ---- Record locks (POSIX and OFD). ----
  // Returns the first lock of another owner that conflicts with a `type` lock of
  // [start, end] by `owner` (F_GETLK), or nullopt.
  std::optional<RecordLock> TestRecord(const void* owner, int16_t type, int64_t start,
                                       int64_t end) const;
  // Locks (kLockRead, kLockWrite) or unlocks (kLockUnlock) [start, end] for
  // `req.owner`, merging and splitting that owner's locks as Linux does. On a
  // conflict returns EAGAIN and stores the conflicting lock's owner in `*blocker`
  // (if not null); ENOLCK past the most record locks. Nothing changes on failure.
  Result<void> SetRecord(const RecordLock& req, int16_t type, const void** blocker);
  // Drops every record lock of `owner` (a POSIX owner closing a file, or an OFD
  // owner going away).
  void ReleaseRecords(const void* owner);

  // Drops everything the description `owner` holds: its flock lock and its OFD
  // record locks (the last reference to it went).
  void ReleaseDescription(const void* owner);

  // Returns the record locks held now (for tests and /proc/locks later).
  std::vector<RecordLock> RecordLocks() const;

 private:
  struct FlockEntry {
    const void* owner;
    bool exclusive;
  };

  // Drops `owner`'s record locks; returns whether any was dropped. Requires mu_.
  bool ReleaseRecordsLocked(const void* owner);

  const size_t max_records_;
  mutable std::mutex mu_;  // A leaf lock; queue_ is notified after it is dropped.
  std::vector<FlockEntry> flocks_;
  std::vector<RecordLock> records_;
  sentry::waiter::Queue queue_;
};

// The wait-for graph of POSIX record-lock owners blocked in F_SETLKW, one per
// sentry (as Linux's blocked_hash is global: waits cross files). Thread-safe.
class PosixLockWaits {
 public:
  // Returns the sandbox's graph. A singleton because a wait on one file and a
  // wait on another form one cycle; the sentry serves one sandbox.
  static PosixLockWaits& Get();

  // Records that `waiter` waits for a lock held by `holder`, unless `holder`
  // already waits (directly or through others) for `waiter`: then EDEADLK and
  // nothing is recorded. Replaces what `waiter` waited for before.
  Result<void> Begin(const void* waiter, const void* holder);
  // Records that `waiter` waits no more.
  void End(const void* waiter);

 private:
  std::mutex mu_;
  // Waiter -> holder. Small: one entry per blocked owner.
  std::vector<std::pair<const void*, const void*>> waits_;
};

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_LOCK_H_

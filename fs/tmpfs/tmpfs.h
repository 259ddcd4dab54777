// Tmpfs: a filesystem held in sandbox memory (Linux's tmpfs/shmem). Directories,
// symlinks and device nodes are sentry objects; regular files keep their data in
// pages of the MemoryFile, so mappings of them are the same memory (see
// regular_file.h). The inode classes are in node.h, directory.h and
// regular_file.h.
#ifndef KEKKAI_FS_TMPFS_TMPFS_H_
#define KEKKAI_FS_TMPFS_TMPFS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

#include "abi/linux/types.h"
#include "base/result.h"
#include "fs/vfs/inode.h"
#include "sentry/mm/memory_file.h"

namespace kekkai::fs::tmpfs {

// Returns the current time, for the times tmpfs keeps (CLOCK_REALTIME, as
// vfs::Vfs::Now).
abi::linux::Timespec Now();

class Tmpfs final : public vfs::Filesystem, public std::enable_shared_from_this<Tmpfs> {
 public:
  // Creates a tmpfs whose file data lives in `mf`, with st_dev `device`, holding
  // at most `size_limit` bytes of file data (0: as much as `mf` holds). `mf` must
  // outlive the tmpfs, its inodes and every mapping of its files.
  static std::shared_ptr<Tmpfs> Create(sentry::mm::MemoryFile& mf, uint64_t device,
                                       uint64_t size_limit = 0);

  std::string_view type_name() const override { return "tmpfs"; }
  // Reports TMPFS_MAGIC, 4 KiB blocks of the size limit and of what is free.
  Result<abi::linux::Statfs> Statfs() override;

  // Returns a new directory that roots a tree of this filesystem (a mount's
  // root): `mode` holds its permission bits (07777), `uid`/`gid` its owner.
  Result<vfs::InodeRef> NewRoot(uint32_t mode, uint32_t uid, uint32_t gid);

  sentry::mm::MemoryFile& memory_file() const { return mf_; }
  uint64_t device() const { return device_; }
  // Returns the most bytes of file data the filesystem holds.
  uint64_t size_limit() const { return limit_pages_ * kPageSize; }
  // Returns the bytes of file data held now (whole pages).
  uint64_t used_bytes() const { return used_pages_.load(std::memory_order_relaxed) * kPageSize; }

  // For this filesystem's inodes: returns a fresh inode number.
  uint64_t NextIno() { return next_ino_.fetch_add(1, std::memory_order_relaxed); }
  // Counts `pages` more pages of file data: ENOSPC, counting nothing, when they
  // would pass the limit. Thread-safe.
  Result<void> Charge(uint64_t pages);
  // Counts `pages` pages fewer. Thread-safe.
  void Uncharge(uint64_t pages);

 private:
  struct Passkey {};

 public:
  // Use Create: inodes hold the filesystem by shared_ptr.
  Tmpfs(Passkey, sentry::mm::MemoryFile& mf, uint64_t device, uint64_t size_limit);

 private:
  sentry::mm::MemoryFile& mf_;
  const uint64_t device_;
  const uint64_t limit_pages_;
  std::atomic<uint64_t> used_pages_{0};
  // Linux numbers a tmpfs root 1.
  std::atomic<uint64_t> next_ino_{1};
};

}  // namespace kekkai::fs::tmpfs

#endif  // KEKKAI_FS_TMPFS_TMPFS_H_

// FileDescription: an open file (Linux's struct file) — status flags, offset and the
// operations a filesystem implements. A file sees the caller only through small
// interfaces (guest I/O, credentials), never the Task: the VFS sits below the kernel.
#ifndef KEKKAI_FS_VFS_FILE_DESCRIPTION_H_
#define KEKKAI_FS_VFS_FILE_DESCRIPTION_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "abi/linux/types.h"
#include "base/result.h"
#include "fs/vfs/lock.h"
#include "fs/vfs/virtual_dentry.h"
#include "sentry/memmap/mappable.h"
#include "sentry/usermem/guest_memory.h"
#include "sentry/waiter/waiter.h"

namespace kekkai::fs::vfs {

class Inode;

// Status flags a description may change with fcntl(F_SETFL).
inline constexpr uint32_t kSettableStatusFlags =
    02000 /*O_APPEND*/ | 04000 /*O_NONBLOCK*/ | 020000 /*O_ASYNC*/ | 040000 /*O_DIRECT*/ |
    01000000 /*O_NOATIME*/;

// File seals (fcntl(F_ADD_SEALS)): F_SEAL_SEAL forbids adding more; SHRINK and
// GROW forbid size changes that way; WRITE forbids changing the data (and is
// refused while writable shared mappings exist); FUTURE_WRITE forbids new ways
// to change it (writes, new writable shared mappings) but leaves existing
// mappings writable.
inline constexpr uint32_t kSealSeal = 0x1, kSealShrink = 0x2, kSealGrow = 0x4, kSealWrite = 0x8,
                          kSealFutureWrite = 0x10;
inline constexpr uint32_t kAllSeals =
    kSealSeal | kSealShrink | kSealGrow | kSealWrite | kSealFutureWrite;

class FileDescription {
 public:
  // `flags` are the open(2) flags (access mode and status flags).
  explicit FileDescription(uint32_t flags) : flags_(flags) {}
  // Drops the flock and OFD locks this description holds (lock.cc).
  virtual ~FileDescription();
  FileDescription(const FileDescription&) = delete;
  FileDescription& operator=(const FileDescription&) = delete;

  // Reads into `dst` at `offset`, or at the file offset when nullopt (advancing it).
  // EAGAIN means "would block": the caller waits for kEventIn on the queue and retries
  // unless the description is non-blocking.
  virtual Result<size_t> Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset);
  // Writes from `src`; EAGAIN as Read, with kEventOut.
  virtual Result<size_t> Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset);
  // lseek(2). ESPIPE by default.
  virtual Result<uint64_t> Seek(int64_t offset, int whence);
  // ioctl(2) for commands the VFS layer did not handle. ENOTTY by default.
  virtual Result<uint64_t> Ioctl(sentry::usermem::GuestMemory& mem, uint32_t cmd, uint64_t arg);
  // fstat(2). By default, the attributes of the inode at location().
  virtual Result<abi::linux::Stat> Stat();
  // Returns the subset of `mask` that is ready now.
  virtual uint32_t Readiness(uint32_t mask);
  // Registers for readiness events (see sentry/waiter).
  virtual void EventRegister(sentry::waiter::Entry* e);
  virtual void EventUnregister(sentry::waiter::Entry* e);
  // Returns a name for --strace and /proc/PID/fd ("pipe:[3]", a path).
  virtual std::string Name() const { return "anon_inode:[unknown]"; }

  // Reads into sentry memory at `offset` without moving the file offset (the loader
  // and mmap use it). EINVAL for files that can't be read this way.
  virtual Result<size_t> PRead(std::span<std::byte> dst, uint64_t offset);
  // getdents64(2): writes linux_dirent64 records into guest `buf` (at most `len`
  // bytes) from the directory offset, advancing it. ENOTDIR for non-directories;
  // EINVAL when not even one record fits.
  virtual Result<size_t> Getdents(sentry::usermem::GuestMemory& mem, GuestAddr buf, size_t len);
  // Returns what mmap(2) maps for this file, or nullptr (mmap fails with ENODEV).
  virtual std::shared_ptr<sentry::memmap::Mappable> GetMappable() { return nullptr; }
  // Returns the canonical guest path the file was opened at (symlinks resolved;
  // " (deleted)" appended once unlinked), or "" for files with no path (pipes,
  // sockets, the caller's stdio).
  virtual std::string path() const;
  // Flushes written data to where the filesystem keeps it (fsync(2)); a no-op by
  // default.
  virtual Result<void> Sync() { return Ok(); }
  // fallocate(2) with `mode` 0, FALLOC_FL_KEEP_SIZE or FALLOC_FL_PUNCH_HOLE |
  // FALLOC_FL_KEEP_SIZE: EOPNOTSUPP by default (ENODEV for files that aren't
  // regular, which the VFS answers).
  virtual Result<void> Allocate(uint32_t mode, uint64_t offset, uint64_t len);
  // fcntl(F_GET_SEALS): returns the file's seals (kSeal*). EINVAL by default:
  // only files that can be sealed (tmpfs, so memfd) have seals.
  virtual Result<uint32_t> GetSeals() { return Errno(EINVAL); }
  // fcntl(F_ADD_SEALS): adds `seals` (EINVAL for bits outside kAllSeals; EPERM
  // when the description is not writable or the file has kSealSeal; EBUSY for
  // kSealWrite while the file has writable shared mappings). EINVAL by default.
  virtual Result<void> AddSeals(uint32_t seals) {
    (void)seals;
    return Errno(EINVAL);
  }
  // memfd_create(2) with MFD_ALLOW_SEALING: lifts kSealSeal, which a tmpfs file
  // starts with (as Linux's), from the new file this describes. EINVAL by default.
  virtual Result<void> AllowSealing() { return Errno(EINVAL); }

  // Returns the advisory-lock state of the file (its inode's by default), made on
  // first use when `create`; nullptr if the file has none (or none yet and not
  // `create`).
  virtual std::shared_ptr<FileLocks> LockState(bool create);
  // Remembers that this description may hold flock or OFD locks in `locks`, so
  // they are dropped when the last reference to it goes. Thread-safe.
  void HoldLocksIn(std::shared_ptr<FileLocks> locks);
  // For an open that completes only once a peer appears (a FIFO opened for
  // reading or writing alone, fifo(7)): whether it still waits. The opener
  // blocks on EventRegister (kEventIn | kEventOut) until this turns false, and
  // drops the description if interrupted. False by default.
  virtual bool OpenPending() { return false; }

  // Where the file was opened: set by the VFS for files of the tree, empty for
  // pipes, sockets and the caller's stdio.
  const VirtualDentry& location() const { return location_; }
  void set_location(VirtualDentry vd) { location_ = std::move(vd); }
  // The inode at location(), or nullptr.
  Inode* inode() const;

  uint32_t flags() const { return flags_.load(std::memory_order_relaxed); }
  // Replaces the settable status flags (F_SETFL). Files that hand their I/O to
  // another description (the overlay's) pass the change on.
  virtual void SetStatusFlags(uint32_t flags);
  // O_RDONLY or O_RDWR; access mode 3 (ioctl-only opens) reads and writes nothing.
  bool readable() const { return (flags() & 3) == 0 || (flags() & 3) == 2; }
  bool writable() const { return (flags() & 3) == 1 || (flags() & 3) == 2; }
  bool nonblocking() const { return (flags() & 04000) != 0; }

 protected:
  // lseek(2) of a file whose end is at `size` (SEEK_SET, SEEK_CUR, SEEK_END, and
  // SEEK_DATA/SEEK_HOLE treating the whole file as data). For Seek overrides.
  Result<uint64_t> SeekWithSize(int64_t offset, int whence, uint64_t size);

  // Serializes offset updates for seekable files.
  std::mutex offset_mu_;
  uint64_t offset_ = 0;

 private:
  std::atomic<uint32_t> flags_;
  VirtualDentry location_;
  std::mutex held_locks_mu_;
  std::shared_ptr<FileLocks> held_locks_;
};

using FileRef = std::shared_ptr<FileDescription>;

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_FILE_DESCRIPTION_H_

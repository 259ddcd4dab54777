// FileCache: the page cache of one host file of a gofer-served tree, in the
// MemoryFile, and what mmap(2) maps for it (memmap::Mappable, sharing its pages
// as tmpfs files do). In the spirit of gVisor's gofer filesystem:
//
// - Pages come in when a mapping touches them (SharedPage reads an aligned
//   window of the host file at once) and stay while anything maps the file.
//   MAP_SHARED mappings map them directly, MAP_PRIVATE ones copy-on-write, so
//   both see read(2)/write(2) made inside the sandbox (a private one until it
//   writes the page, as Linux).
// - read(2) and write(2) of every description of the file go through the pages
//   that exist: reads copy them, writes go to the host file (write-through: the
//   host keeps the size and the data of pages nobody maps) and into them. With
//   no page cached they are plain pread/pwrite of the description's host fd.
// - Pages a writable shared mapping holds may change behind the cache's back
//   (MayDirty): they are written back to the host file, never past its end (a
//   mapping never changes a file's size), on msync (WriteBack), fsync, when the
//   last mapping of the file goes, when the last description closes, and when
//   the cache goes (sandbox exit). A page written back stays dirty while some
//   mapping may still hold it.
// - Truncation drops the pages past the new end and makes every address space
//   drop its mappings of them (SIGBUS past the end, as Linux), zeroing the tail
//   of the new last page.
//
// One cache per host file (device and inode number) per filesystem
// (FileCacheTable), shared by all descriptions and names (hard links) of it.
// Changes made to the host file from outside the sandbox while pages are
// cached are seen only where no page is (or after MS_INVALIDATE).
//
// Locks: mu_ is held for host I/O on the file's behalf (exclusive for writes,
// truncation, fills and write-back, shared for reads) and never while touching
// guest memory, so SharedPage and MayDirty may take it under a memory manager's
// lock. It is never held while calling an address space (MappingSpaceSet).
#ifndef KEKKAI_FS_GOFER_FILE_CACHE_H_
#define KEKKAI_FS_GOFER_FILE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <utility>

#include "abi/linux/guest_addr.h"
#include "base/file_descriptor.h"
#include "base/result.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/memory_file.h"

namespace kekkai::fs::gofer {

// Reads up to dst.size() bytes of host fd `fd` at `offset` (pread, retried on
// EINTR); short at the end of the file.
Result<size_t> HostPRead(int fd, std::span<std::byte> dst, uint64_t offset);
// Writes all of `src` to host fd `fd` at `offset` (pwrite), or at its end when
// `offset` is nullopt (write on an O_APPEND fd). Returns the bytes written:
// short only when an error stopped it after some were (the error otherwise).
Result<size_t> HostWrite(int fd, std::span<const std::byte> src, std::optional<uint64_t> offset);

class FileCache;

// The caches of one filesystem, by host device and inode number. Thread-safe.
class FileCacheTable : public std::enable_shared_from_this<FileCacheTable> {
 public:
  // Pages come from `mf`, which must outlive every cache.
  explicit FileCacheTable(sentry::mm::MemoryFile& mf) : mf_(mf) {}

  // Returns the cache of the host file open at `fd` (borrowed), making it if
  // there is none; `device` is the st_dev the sandbox shows for it.
  Result<std::shared_ptr<FileCache>> Get(int fd, uint64_t device);
  // Returns the cache of the host file `fd` (borrowed, may be O_PATH) is, or
  // nullptr when there is none.
  std::shared_ptr<FileCache> Find(int fd);

  sentry::mm::MemoryFile& memory_file() const { return mf_; }

 private:
  friend class FileCache;
  using Key = std::pair<uint64_t, uint64_t>;  // Host st_dev, st_ino.
  // Forgets `cache` (called by its destructor).
  void Forget(const Key& key, const FileCache* cache);

  sentry::mm::MemoryFile& mf_;
  std::mutex mu_;
  std::map<Key, std::weak_ptr<FileCache>> caches_;
};

class FileCache final : public sentry::memmap::Mappable,
                        public std::enable_shared_from_this<FileCache> {
 public:
  // Pages read (and allocated) at once when a mapping touches one not cached:
  // the aligned window around it, as the memory manager's fault-around.
  static constexpr uint64_t kFillBytes = 16 * kPageSize;

  FileCache(std::shared_ptr<FileCacheTable> table, FileCacheTable::Key key, uint64_t device);
  // Writes back what is dirty (logging failures) and gives the pages back.
  ~FileCache() override;
  FileCache(const FileCache&) = delete;
  FileCache& operator=(const FileCache&) = delete;

  // ---- For descriptions (GoferFile). `fd` is the description's host fd. ----
  // Counts a description open on the file; the last one to go writes back.
  void AddDescription();
  void RemoveDescription();
  // Gives the cache a host fd to fill pages from (a dup of `fd`, which must be
  // readable) and, when `writable`, one to write back through (`fd` must then
  // be open for writing without O_APPEND). Keeps those it has.
  void AttachFd(int fd, bool writable);
  // Whether the file this cache holds has no name left on the host (its inode
  // number may then be reused by another file).
  bool Unlinked();
  // Returns whether dirty pages could be written back (a writable fd attached).
  bool can_write_back();
  // Returns what a new mapping holds: this cache, through a reference shared by
  // every mapping of the file, whose last release writes back and drops the
  // pages (see the file comment).
  std::shared_ptr<sentry::memmap::Mappable> NewMapping();
  // Reads file bytes at `offset` into `dst` (sentry memory): the cached pages,
  // and the host file through `fd` elsewhere; short at the end of the file.
  Result<size_t> Read(int fd, std::span<std::byte> dst, uint64_t offset);
  // Writes `src` through `fd` at `offset` (at the end of the file when nullopt:
  // `fd` is O_APPEND) and into the cached pages it covers. Returns the bytes
  // written and sets *at to where they went.
  Result<size_t> Write(int fd, std::span<const std::byte> src, std::optional<uint64_t> offset,
                       uint64_t* at);
  // fallocate(2) through `fd`, keeping the cached pages in line (a punched hole
  // reads as zeros through mappings too).
  Result<void> Allocate(int fd, uint32_t mode, uint64_t offset, uint64_t len);
  // Runs `host_truncate`, which changes the host file's size to `size`, and
  // brings the cache and every mapping in line (see the file comment).
  Result<void> Truncate(uint64_t size, const std::function<Result<void>()>& host_truncate);
  // Writes back every dirty page (fsync(2)); with `sync`, durably.
  Result<void> WriteBackAll(bool sync) { return WriteBack(0, UINT64_MAX, sync); }

  // Returns the number of cached pages and of dirty ones (for tests).
  size_t page_count();
  size_t dirty_count();

  // ---- memmap::Mappable. ----
  Result<size_t> ReadAt(std::span<std::byte> dst, uint64_t offset) override;
  Result<uint64_t> Size() override;
  uint64_t device() const override { return device_; }
  uint64_t inode() const override { return key_.second; }
  // "": a mapping is named by the description it was made from.
  std::string path() const override { return ""; }
  bool shares_pages() const override { return true; }
  // Returns the cached page at `offset`, reading it (and the uncached pages of
  // its aligned kFillBytes window) from the host file if needed, whatever
  // `allocate` says: a page not cached is no hole. EFAULT past the end of the
  // file, EIO when it can't be read, ENOMEM.
  Result<uint64_t> SharedPage(uint64_t offset, bool allocate) override;
  void AddMappingSpace(std::weak_ptr<sentry::memmap::MappingSpace> space) override {
    spaces_.Add(std::move(space));
  }
  void MayDirty(uint64_t start, uint64_t end) override;
  Result<void> WriteBack(uint64_t start, uint64_t end, bool sync) override;
  void DropClean(uint64_t start, uint64_t end) override;

 private:
  struct Page {
    uint64_t mf = 0;     // MemoryFile offset (one reference held).
    bool dirty = false;  // A writable shared mapping may have changed it.
  };
  // Called when the last mapping of the file lets go.
  class MappingRef;
  void LastMappingGone();
  // Returns the host size through `fd` (the read fd when -1). Requires mu_.
  Result<uint64_t> HostSizeLocked(int fd);
  // Returns the fd to read the host file with (-1 if none). Requires mu_.
  int ReadFdLocked() const { return write_fd_.valid() ? write_fd_.get() : read_fd_.get(); }
  // Zeroes the cached bytes of [from, to) (any range). Requires mu_.
  void ZeroLocked(uint64_t from, uint64_t to);
  // Copies `src` into the cached pages of [offset, offset + src.size()). Requires mu_.
  void CopyInLocked(std::span<const std::byte> src, uint64_t offset);
  // Writes back the dirty pages of [start, end) within the host size. Requires
  // mu_ held exclusively.
  Result<void> WriteBackLocked(uint64_t start, uint64_t end);
  // Removes the clean pages of [start, end) that nobody else holds and returns
  // their MemoryFile offsets. Requires mu_ held exclusively.
  std::vector<uint64_t> TakeCleanLocked(uint64_t start, uint64_t end);
  // Drops one reference on each MemoryFile page in `offsets`.
  void Release(std::vector<uint64_t> offsets);

  const std::shared_ptr<FileCacheTable> table_;
  sentry::mm::MemoryFile& mf_;
  const FileCacheTable::Key key_;
  const uint64_t device_;

  std::shared_mutex mu_;
  // Page index -> page. Guarded by mu_.
  std::map<uint64_t, Page> pages_;
  size_t dirty_ = 0;  // Dirty pages in pages_. Guarded by mu_.
  // The host size as last seen (SharedPage looks again before saying EFAULT).
  // Guarded by mu_.
  uint64_t size_ = 0;
  FileDescriptor read_fd_;   // Guarded by mu_.
  FileDescriptor write_fd_;  // Readable too. Guarded by mu_.

  std::mutex ref_mu_;
  std::weak_ptr<MappingRef> mapping_ref_;  // Guarded by ref_mu_.
  size_t descriptions_ = 0;                // Guarded by ref_mu_.

  sentry::memmap::MappingSpaceSet spaces_;
};

}  // namespace kekkai::fs::gofer

#endif  // KEKKAI_FS_GOFER_FILE_CACHE_H_

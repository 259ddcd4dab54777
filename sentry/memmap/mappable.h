// Mappable: what a file offers to mmap(2). The memory manager copies a private
// file page into the MemoryFile on first touch by reading it through ReadAt.
// Files whose pages already live in the MemoryFile (tmpfs, memfd) can instead
// hand out those pages (SharedPage), so a MAP_SHARED mapping is the file's own
// memory; such files tell the address spaces that map them to let go of pages
// the file drops (MappingSpace, MappingSpaceSet).
// Knows no Task, file description, kernel or MemoryFile: pages are named by their
// MemoryFile offset.
#ifndef KEKKAI_SENTRY_MEMMAP_MAPPABLE_H_
#define KEKKAI_SENTRY_MEMMAP_MAPPABLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace kekkai::sentry::memmap {

class Mappable;

// An address space that may hold pages of files that implement SharedPage (the
// memory manager), as those files see it.
class MappingSpace {
 public:
  virtual ~MappingSpace() = default;
  // Drops every page this space holds for file offsets [start, end) of `file` —
  // the file's own pages and private copies of them alike — and unmaps them from
  // the guest, so the next access faults again (SIGBUS past the file's end, as
  // Linux's truncate_pagecache). `end` may be UINT64_MAX. Called with no lock of
  // `file` held; takes the space's own locks.
  virtual void InvalidateFile(const Mappable& file, uint64_t start, uint64_t end) = 0;
  // Returns whether this space has a shared mapping of `file` that is or may
  // become writable (PROT_WRITE now or allowed by mprotect), as Linux counts
  // them for F_SEAL_WRITE. Called with no lock of `file`'s but the one
  // serializing its seals held; takes the space's own locks.
  virtual bool MapsWritable(const Mappable& file) {
    (void)file;
    return false;
  }
};

class Mappable {
 public:
  virtual ~Mappable() = default;
  // Reads up to dst.size() bytes at `offset` into sentry memory; short at EOF
  // (0 past it). Thread-safe.
  virtual Result<size_t> ReadAt(std::span<std::byte> dst, uint64_t offset) = 0;
  // Returns the file's size now (a fault past the last page is SIGBUS).
  virtual Result<uint64_t> Size() = 0;
  // Identity for /proc/PID/maps: device, inode and the path.
  virtual uint64_t device() const = 0;
  virtual uint64_t inode() const = 0;
  virtual std::string path() const = 0;

  // ---- Files whose pages live in the MemoryFile. ----
  // Returns whether SharedPage works: mappings then use the file's own pages
  // (MAP_SHARED ones directly, writable when the file was opened for writing;
  // MAP_PRIVATE ones copy-on-write, so they see the file change until they write)
  // instead of copies read through ReadAt.
  virtual bool shares_pages() const { return false; }
  // Returns the MemoryFile offset of the file's page at page-aligned `offset`,
  // allocating it (zeroed) where the file has a hole if `allocate` (ENOENT for a
  // hole otherwise). The page comes with one new MemoryFile reference that the
  // caller owns and drops with MemoryFile::DecRef of that one page when it stops
  // using it; the file keeps its own reference for as long as the page is part
  // of it. Errors: EFAULT when the page lies wholly past the end of the file,
  // ENOSPC when the filesystem is full (both SIGBUS for a fault), ENOMEM when
  // memory is. Must not block on guest memory or take locks held while copying
  // to or from it: the memory manager calls it with its lock held. Thread-safe.
  virtual Result<uint64_t> SharedPage(uint64_t offset, bool allocate) {
    (void)offset;
    (void)allocate;
    return Errno(ENODEV);
  }
  // Records that `space` may hold pages from SharedPage: until `space` expires,
  // the file calls space->InvalidateFile for pages it drops (truncation), after it
  // stopped handing them out and before it drops its own references. Registering
  // twice is registering once. A no-op for files that don't share pages.
  // Thread-safe; takes no lock the memory manager's callers hold.
  virtual void AddMappingSpace(std::weak_ptr<MappingSpace> space) { (void)space; }
  // Returns whether new shared mappings of the file must not be writable (a
  // memfd write seal): mmap(MAP_SHARED, PROT_WRITE) then fails with EPERM, and
  // read-only shared mappings may not become writable. The memory manager asks
  // with its lock held while it creates the mapping, so a file that then asks
  // its spaces MapsWritable sees every mapping made before it said yes.
  // Thread-safe; must not take locks held while copying guest memory.
  virtual bool DeniesWritableSharing() { return false; }

  // ---- Files whose pages cache data kept elsewhere (a host file). ----
  // Records that the file's pages at offsets [start, end) are mapped into a
  // shared mapping that is writable now, so their memory may change without the
  // file seeing it: such pages are written back (WriteBack) until no mapping
  // holds them. The memory manager calls it with its lock held, after taking
  // the pages with SharedPage (or when mprotect makes the mapping writable);
  // the same rules as SharedPage's apply. A no-op by default.
  virtual void MayDirty(uint64_t start, uint64_t end) {
    (void)start;
    (void)end;
  }
  // Writes the pages of [start, end) that mappings may have changed back to
  // where the file keeps its data (msync(2) MS_ASYNC/MS_SYNC), never past the
  // file's end; with `sync`, also makes them durable there (MS_SYNC). `end` may
  // be UINT64_MAX. Called with no memory manager lock held (it does I/O).
  // Ok by default: files whose pages are their data have nothing to write.
  virtual Result<void> WriteBack(uint64_t start, uint64_t end, bool sync) {
    (void)start;
    (void)end;
    (void)sync;
    return Ok();
  }
  // Forgets the clean pages of [start, end) that no mapping holds, so the next
  // access reads the data afresh (msync(2) MS_INVALIDATE). Called with no
  // memory manager lock held. A no-op by default.
  virtual void DropClean(uint64_t start, uint64_t end) {
    (void)start;
    (void)end;
  }
};

// The spaces that may map one file's shared pages (weak references: a space
// that is gone is forgotten). Thread-safe; its lock is never held while calling
// a space.
class MappingSpaceSet {
 public:
  void Add(std::weak_ptr<MappingSpace> space) {
    std::lock_guard<std::mutex> l(mu_);
    std::erase_if(spaces_, [](const Entry& e) { return e.space.expired(); });
    for (const Entry& e : spaces_) {
      if (!e.space.owner_before(space) && !space.owner_before(e.space)) return;
    }
    spaces_.push_back({std::move(space), ++last_seq_});
  }

  // Calls InvalidateFile(file, start, end) on every live space, then on those
  // added meanwhile, until none was: a space forked from one being invalidated
  // registers while its parent holds its lock, and may have copied pages the
  // parent had not dropped yet.
  void Invalidate(const Mappable& file, uint64_t start, uint64_t end) {
    uint64_t done = 0;
    for (;;) {
      std::vector<std::shared_ptr<MappingSpace>> live;
      {
        std::lock_guard<std::mutex> l(mu_);
        std::erase_if(spaces_, [&](const Entry& e) {
          std::shared_ptr<MappingSpace> p = e.space.lock();
          if (p == nullptr) return true;
          if (e.seq > done) live.push_back(std::move(p));
          return false;
        });
        done = last_seq_;
      }
      if (live.empty()) return;
      for (const std::shared_ptr<MappingSpace>& s : live) s->InvalidateFile(file, start, end);
    }
  }

  // Returns whether a live space MapsWritable(file). Asks in the order the
  // spaces registered, so a parent before the children forked from it (a
  // mapping the parent lets go of after a fork is found in the child), then
  // those added meanwhile (as Invalidate).
  bool AnyMapsWritable(const Mappable& file) {
    uint64_t done = 0;
    for (;;) {
      std::vector<std::shared_ptr<MappingSpace>> live;
      {
        std::lock_guard<std::mutex> l(mu_);
        for (const Entry& e : spaces_) {
          if (e.seq <= done) continue;
          if (std::shared_ptr<MappingSpace> p = e.space.lock()) live.push_back(std::move(p));
        }
        done = last_seq_;
      }
      if (live.empty()) return false;
      for (const std::shared_ptr<MappingSpace>& s : live) {
        if (s->MapsWritable(file)) return true;
      }
    }
  }

  // Returns the number of spaces registered and alive (for tests).
  size_t size() {
    std::lock_guard<std::mutex> l(mu_);
    std::erase_if(spaces_, [](const Entry& e) { return e.space.expired(); });
    return spaces_.size();
  }

 private:
  struct Entry {
    std::weak_ptr<MappingSpace> space;
    uint64_t seq;  // Order of registration.
  };
  std::mutex mu_;
  std::vector<Entry> spaces_;
  uint64_t last_seq_ = 0;
};

}  // namespace kekkai::sentry::memmap

#endif  // KEKKAI_SENTRY_MEMMAP_MAPPABLE_H_

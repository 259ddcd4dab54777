// MemoryManager: one guest address space with Linux semantics. It keeps the VMAs
// (what the guest asked for) apart from the PMAs (the MemoryFile ranges that back
// them, reference-counted so fork can share them copy-on-write) and tells the
// platform AddressSpace which ranges to map. Faults are resolved lazily with
// fault-around; CopyIn/CopyOut reach guest memory through the sentry's own mapping
// of the MemoryFile.
//
// File mappings: a VMA keeps the file (memmap::Mappable) and its offset. A page
// is read from the file into a fresh MemoryFile page on first touch (fault,
// CopyIn/CopyOut, populate) and is an ordinary private page from then on: writes
// never reach the file, and later changes to the file are not seen through
// pages already read (nor, for MAP_SHARED mappings, through any page: only
// read-only sharing is supported, as private copies that can never become
// writable). A page wholly past the file's end faults with SIGBUS, as does one
// the file cannot be read for. The file is read with the lock dropped (see
// WithFileReads): ReadAt may do slow host I/O and may take file locks that a
// thread copying to guest memory holds while waiting for this lock.
//
// Files whose pages live in the MemoryFile (Mappable::shares_pages: tmpfs,
// memfd, the page cache of host files) are mapped with their own pages instead,
// taken with SharedPage under the lock (each PMA holding its own reference, as
// for any page): MAP_SHARED mappings are the file's memory (writable when the
// file was opened for writing), MAP_PRIVATE ones map them copy-on-write, so they
// see the file change until they write a page, as Linux. Such a file calls
// InvalidateFile (through the MappingSpace this manager registers with it at
// mmap and fork) when it drops pages, and the next touch of them faults again.
// Pages a writable shared mapping holds are reported with Mappable::MayDirty
// (a cache writes them back: MSync, or on its own).
#ifndef KEKKAI_SENTRY_MM_MEMORY_MANAGER_H_
#define KEKKAI_SENTRY_MM_MEMORY_MANAGER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "abi/linux/guest_addr.h"
#include "base/result.h"
#include "platform/platform.h"
#include "sentry/memmap/mappable.h"
#include "sentry/mm/memory_file.h"
#include "sentry/mm/pma_set.h"
#include "sentry/mm/vma_set.h"
#include "sentry/usermem/guest_memory.h"

namespace kekkai::sentry::mm {

// Arguments of MMap, decoded from mmap(2)'s flags by the syscall layer.
struct MMapOpts {
  uint64_t addr = 0;        // Hint, or the exact address when `fixed`.
  uint64_t length = 0;      // Bytes; rounded up to pages.
  int prot = 0;             // PROT_* (PROT_READ|PROT_WRITE|PROT_EXEC).
  bool shared = false;      // MAP_SHARED vs MAP_PRIVATE.
  bool fixed = false;       // MAP_FIXED: replace whatever is at addr.
  bool noreplace = false;   // MAP_FIXED_NOREPLACE: EEXIST if anything is at addr.
  bool grows_down = false;  // MAP_GROWSDOWN (anonymous memory only grows).
  bool populate = false;    // MAP_POPULATE: fault in now.
  // For /proc/PID/maps ("[stack]", ""); a file mapping without one shows the
  // file's path (taken at mmap time).
  std::string name;
  // The file to map; null for anonymous memory.
  std::shared_ptr<memmap::Mappable> file;
  // File offset mapped at the start (page-aligned; file mappings only).
  uint64_t offset = 0;
  // The file was opened for writing. MAP_SHARED|PROT_WRITE (at mmap or later by
  // mprotect) needs it (EACCES otherwise, as Linux); writable shared mappings of
  // files that don't share their pages (Mappable::shares_pages) are not
  // supported (ENODEV at mmap, EACCES at mprotect), nor of files that deny
  // them (Mappable::DeniesWritableSharing: EPERM at mmap, EACCES at mprotect).
  // MAP_PRIVATE file mappings may always be made writable.
  bool file_writable = false;
};

class MemoryManager final : public usermem::GuestMemory {
 public:
  // Lowest address mmap hands out without MAP_FIXED (vm.mmap_min_addr).
  static constexpr uint64_t kMinUserAddress = 0x10000;
  // Pages mapped around a faulting page, in bytes.
  static constexpr uint64_t kFaultAroundBytes = 16 * kPageSize;
  // Most VMAs one address space may have (vm.max_map_count); more is ENOMEM.
  static constexpr size_t kMaxMapCount = 65530;
  // Free space kept below a MAP_GROWSDOWN VMA that it may not grow into
  // (Linux's stack_guard_gap).
  static constexpr uint64_t kStackGuardGap = 256 * kPageSize;
  // Default bound on a MAP_GROWSDOWN VMA's size (RLIMIT_STACK's default).
  static constexpr uint64_t kDefaultStackLimit = uint64_t{8} << 20;

  // Creates an empty address space over `as`. The layout defaults to the whole
  // range the platform allows, with mmap searching down from its top.
  MemoryManager(MemoryFile& mf, std::unique_ptr<platform::AddressSpace> as);
  ~MemoryManager() override;
  MemoryManager(const MemoryManager&) = delete;
  MemoryManager& operator=(const MemoryManager&) = delete;

  platform::AddressSpace& address_space() { return *as_; }
  MemoryFile& memory_file() { return mf_; }

  // Sets the top-down mmap base and the highest usable address (clipped to what
  // the platform allows); the loader calls this once per exec.
  void SetLayout(uint64_t mmap_base, uint64_t max_address);
  uint64_t max_address() const;
  // Bounds how far a MAP_GROWSDOWN VMA may grow (RLIMIT_STACK).
  void SetStackLimit(uint64_t bytes);

  // mmap(2). Returns the address of the new mapping.
  Result<GuestAddr> MMap(const MMapOpts& opts);
  // munmap(2).
  Result<void> MUnmap(GuestAddr addr, uint64_t length);
  // mprotect(2).
  Result<void> MProtect(GuestAddr addr, uint64_t length, int prot);
  // mremap(2); `flags` are MREMAP_*; `new_addr` is used with MREMAP_FIXED (and as
  // a hint with MREMAP_DONTUNMAP). old_size 0 (duplicating a shared mapping) is
  // EINVAL for now.
  Result<GuestAddr> MRemap(GuestAddr old_addr, uint64_t old_size, uint64_t new_size, int flags,
                           GuestAddr new_addr);
  // madvise(2). MADV_DONTNEED/MADV_FREE drop pages (private ones read as zero
  // afterwards), MADV_REMOVE zeroes shared ones, MADV_DONTFORK/WIPEONFORK shape
  // Fork, MADV_POPULATE_* populate; the other hints are accepted and ignored.
  Result<void> MAdvise(GuestAddr addr, uint64_t length, int advice);

  // Sets the start of the heap (the end of the loaded program); resets brk to it.
  void SetBrkStart(GuestAddr start);
  // brk(2): returns the new break, or the current one when `addr` can't be used.
  GuestAddr Brk(GuestAddr addr);

  // Resolves a guest fault at `addr` for `access`: allocates or copies backing
  // pages and maps them (fault-around included). kMapErr: no VMA there (SIGSEGV,
  // SEGV_MAPERR). kAccErr: the VMA forbids the access, or the same thread faulted
  // twice on the same page with nothing to change in between (SEGV_ACCERR).
  // kBusErr: past the end of a shared mapping's pages or of a mapped file, or
  // the file could not be read (SIGBUS). kNoMem: out of memory. Thread-safe.
  enum class FaultError { kNone, kMapErr, kAccErr, kNoMem, kBusErr };
  FaultError HandleFault(uint64_t addr, platform::AccessType access);

  // Maps and backs all of [addr, addr+len) now (MAP_POPULATE, the initial stack):
  // writable private pages get their own copies. ENOMEM when part of the range is
  // unmapped or memory runs out, EFAULT when a file page can't be had (past the
  // file's end, or unreadable); PROT_NONE parts are skipped.
  Result<void> Populate(GuestAddr addr, uint64_t length);

  // Returns a copy of this address space over `child_as` (fork(2)): private pages
  // become copy-on-write in both (the parent's writable mappings of them turn
  // read-only), shared mappings keep sharing their pages, MADV_DONTFORK VMAs are
  // left out and MADV_WIPEONFORK ones start empty. File pages not read yet are
  // read from the file by whichever side touches them first. Thread-safe.
  Result<std::unique_ptr<MemoryManager>> Fork(std::unique_ptr<platform::AddressSpace> child_as);

  // GuestMemory.
  Result<size_t> CopyOut(GuestAddr dst, std::span<const std::byte> src) override;
  Result<size_t> CopyIn(GuestAddr src, std::span<std::byte> dst) override;
  uint64_t WritablePrefix(GuestAddr addr, uint64_t len) override;

  // Returns whether every byte of [addr, addr+length) lies in a mapping (msync(2)
  // asks); true for an empty range.
  bool IsMapped(GuestAddr addr, uint64_t length) const;

  // msync(2) of [addr, addr+length) (length rounded up to pages): with
  // `write_back`, asks the file of every shared file mapping in the range to
  // write its pages there back (Mappable::WriteBack, durably with `sync`); with
  // `invalidate`, lets go of those mappings' pages and asks their files to drop
  // the clean ones (Mappable::DropClean). EINVAL for an unaligned `addr`;
  // the first write-back error; else ENOMEM when part of the range is not
  // mapped, reported after the mapped parts were done (as Linux).
  Result<void> MSync(GuestAddr addr, uint64_t length, bool write_back, bool sync, bool invalidate);

  // Returns the text of /proc/PID/maps for this address space.
  std::string MapsText() const;

  // Exec-time ranges of the initial stack (for /proc/PID/{cmdline,environ,auxv}).
  struct ExecInfo {
    uint64_t argv_start = 0, argv_end = 0, envp_start = 0, envp_end = 0;
    uint64_t auxv_start = 0, auxv_end = 0;
    uint64_t stack_top = 0;
  };
  void set_exec_info(const ExecInfo& e) { exec_info_ = e; }
  const ExecInfo& exec_info() const { return exec_info_; }

  // One VMA as /proc/PID/{smaps,status} describe it (memory_manager_proc.cc).
  struct VmaStats {
    uint64_t start = 0, end = 0;
    int prot = 0;
    bool shared = false;
    bool grows_down = false;
    bool file = false;            // A file mapping (dev, ino, pgoff are the file's).
    bool shared_anon = false;     // Shared anonymous memory.
    uint64_t pgoff = 0;           // As maps shows it (bytes).
    uint64_t dev = 0, ino = 0;    // stat(2) st_dev and st_ino of a mapped file.
    std::string name;             // As maps shows it ("" for none).
    uint64_t resident = 0;        // Bytes backed by pages now.
  };
  // Returns every VMA with its resident bytes, in address order.
  std::vector<VmaStats> VmaStatsSnapshot() const;
  // Returns the heap: [start of the heap, current break).
  std::pair<uint64_t, uint64_t> BrkRange() const;

  // Returns the number of VMAs (for tests and limits).
  size_t vma_count() const;
  // Returns the number of PMAs (for tests).
  size_t pma_count() const;
  // Returns the bytes of guest memory mapped (VmSize) and backed by pages (VmRSS).
  uint64_t virtual_bytes() const;
  uint64_t resident_bytes() const;

 private:
  // What files that share their pages see of this manager (the MappingSpace
  // registered with them); outlives it, forgetting it at destruction.
  class FileSpace;

  // Holds mu_ for one operation. On release it flushes the platform if mappings
  // were removed or replaced (so no page is freed while a running guest thread
  // could still reach it through a queued mapping), unlocks, and only then drops
  // the MemoryFile references the operation gave up (punching holes is slow).
  class OpLock {
   public:
    explicit OpLock(MemoryManager& mm);
    ~OpLock();
    OpLock(const OpLock&) = delete;
    OpLock& operator=(const OpLock&) = delete;

   private:
    MemoryManager& mm_;
  };
  enum class SyncMode {
    kMapUnmapped,  // Map PMAs the platform does not map yet.
    kRefresh,      // Re-map PMAs the platform maps, with the protections they have now.
  };

  // Pages past a file-backed range's start that one read brings in at most
  // (requests are cut there; bigger ranges take several passes).
  static constexpr uint64_t kMaxFileReadBytes = 256 * kPageSize;
  static_assert(kMaxFileReadBytes >= kFaultAroundBytes);
  // Passes in a row that may ask for a file read without using the previous one
  // before an operation gives up on it (see WithFileReads).
  static constexpr int kMaxFileReadMisses = 8;

  // File data a pass asked for: [offset, offset+length) of `file`, of which the
  // page at `must` is the one the operation can't do without (read alone if the
  // whole range can't be).
  struct FileReadRequest {
    std::shared_ptr<memmap::Mappable> file;
    uint64_t offset = 0;
    uint64_t length = 0;
    uint64_t must = 0;
  };
  // File data read for the next pass: [offset, offset+length) of `file` was
  // attempted; `pages` holds [offset, offset + pages.length()) with one
  // MemoryFile reference (bytes past the file's end zeroed). Pages of the range
  // past `pages` are past the end of the file, or could not be read (`error`)
  // or allocated (`nomem`).
  struct StagedRead {
    std::shared_ptr<memmap::Mappable> file;
    uint64_t offset = 0;
    uint64_t length = 0;
    FileRange pages;
    bool error = false;
    bool nomem = false;
    // Per page of `pages`: a PMA took it over (and its reference).
    std::vector<bool> taken;
  };
  // What backing the pages of a file VMA came to: [want_start, backed_end) of
  // the wanted range is backed; `stop` says why the page at backed_end is not.
  struct FileBacking {
    enum class Stop { kNone, kNeedRead, kBusErr, kNoMem };
    uint64_t backed_end = 0;
    Stop stop = Stop::kNone;
  };

  // Runs `pass` (which takes mu_'s place as a locked function) under an OpLock
  // until it no longer asks for file data. A pass that needs file pages nobody
  // read yet records a FileReadRequest in need_ and returns early (its result
  // must make sense as the operation's when the driver gives up); the driver
  // then drops the lock, reads the data (ReadFilePages) and runs the pass again
  // with it in staged_. Pages the pass did not take are released, so a pass
  // only ever uses data read since its previous pass for the same file offsets
  // (whatever the VMAs became in between). Passes are resumable: callers keep
  // their progress in the closure. After kMaxFileReadMisses passes in a row that
  // asked for data without using what the previous read brought (other threads
  // kept replacing the mappings concerned), the last pass's result is returned.
  template <typename Pass>
  auto WithFileReads(Pass&& pass);
  // Reads `req` into fresh MemoryFile pages, without mu_ (host I/O). When the
  // whole range can't be read or allocated, reads the `must` page alone.
  StagedRead ReadFilePages(const FileReadRequest& req);
  StagedRead ReadFileOnce(const std::shared_ptr<memmap::Mappable>& file, uint64_t offset,
                          uint64_t length);

  // Places and inserts the VMA of MMap (takes mu_).
  Result<GuestAddr> PlaceMapping(const MMapOpts& opts, uint64_t len, int prot, int max_prot,
                                 std::string name, std::shared_ptr<SharedAnonMemory> backing);

  // All below require mu_.
  // Backs the unbacked pages of [start, end) (at most kMaxFileReadBytes) of the
  // file VMA `vma` with staged_ pages for the same file offsets. When a page of
  // [want_start, want_end) (within [start, end)) stays unbacked for want of
  // data, sets need_ to a read of the unbacked pages of [start, end) from the
  // first one on. Sets *changed when it created PMAs.
  FileBacking BackFilePagesLocked(const Vma& vma, uint64_t start, uint64_t end, uint64_t want_start,
                                  uint64_t want_end, bool* changed);
  // BackFilePagesLocked for a file that shares its pages: takes them from the
  // file (no read to ask for). A page the file can't give stops the backing
  // where it falls in [want_start, want_end).
  FileBacking BackSharedFilePagesLocked(const Vma& vma, uint64_t start, uint64_t end,
                                        uint64_t want_start, uint64_t want_end, bool* changed);
  // Drops the pages of file offsets [start, end) of `file` from every VMA that
  // maps it (MappingSpace::InvalidateFile). Takes mu_.
  void InvalidateFile(const memmap::Mappable& file, uint64_t start, uint64_t end);
  // Returns whether a shared VMA of `file` is or may become writable
  // (MappingSpace::MapsWritable). Takes mu_.
  bool MapsFileWritable(const memmap::Mappable& file) const;
  // Registers this manager with `file` (Mappable::AddMappingSpace) before a VMA
  // of it is made; a no-op for files that don't share pages. Any lock.
  void RegisterFile(memmap::Mappable& file);
  // Releases the staged_ pages no PMA took (after the lock is dropped).
  void DropStagedLocked();
  Result<uint64_t> FindUnmappedLocked(uint64_t length, uint64_t hint) const;
  // Returns the VMA containing `addr`, first growing a MAP_GROWSDOWN VMA just
  // above it down over it when the stack limit and guard gap allow.
  VmaSet::iterator FindVmaLocked(uint64_t addr);
  // Removes VMAs and PMAs in [start, end) (munmap).
  void UnmapLocked(uint64_t start, uint64_t end);
  // Removes the PMAs in [start, end) (their pages are released when the lock
  // is dropped) and unmaps them from the platform.
  void DropPmasLocked(uint64_t start, uint64_t end);
  // Unmaps mapped PMAs in [start, end) from the platform and marks them unmapped.
  void PlatformUnmapLocked(uint64_t start, uint64_t end);
  // Brings the platform's mappings of PMAs in [start, end) in line with the
  // mapping policy (see SyncMode). Sets *changed when it mapped or unmapped anything.
  Result<void> SyncPlatformLocked(uint64_t start, uint64_t end, SyncMode mode,
                                  bool* changed = nullptr);
  // Creates PMAs for the unbacked pages of [start, end) within the anonymous
  // `vma`: fresh zeroed pages for private memory, the backing's pages for shared
  // memory (clipped to the backing). Sets *changed when it created any. File
  // VMAs use BackFilePagesLocked.
  Result<void> EnsurePmasLocked(const Vma& vma, uint64_t start, uint64_t end,
                                bool* changed = nullptr);
  // Gives the private VMA `vma` its own copy of every copy-on-write page in
  // [start, end), reusing pages nobody else references; remaps mapped ones.
  Result<void> BreakCowLocked(const Vma& vma, uint64_t start, uint64_t end);
  // Populates [max(start, *resume), end) (see Populate) and sets *resume to
  // where it got (a pass of WithFileReads; EAGAIN when it stopped for file data).
  Result<void> PopulateLocked(uint64_t start, uint64_t end, uint64_t* resume);
  // Runs Populate's passes.
  Result<void> PopulateRange(uint64_t start, uint64_t end);
  FaultError FaultLocked(uint64_t addr, platform::AccessType access);
  // Returns the bytes copied (a pass of WithFileReads: it stops where it needs
  // file data).
  template <typename Fn>
  size_t CopyLocked(uint64_t addr, size_t len, bool write, Fn&& fn);
  // Moves [old_start, old_start+old_len) (within one VMA) to new_start as a VMA
  // of new_len bytes, taking its pages along.
  void MoveLocked(uint64_t old_start, uint64_t old_len, uint64_t new_start, uint64_t new_len,
                  bool dont_unmap);
  // Inserts `vma` and merges it with compatible neighbours.
  void InsertVmaLocked(Vma vma);
  // Returns the platform access a PMA under `vma` is mapped with.
  static platform::AccessType AccessFor(const Vma& vma, const Pma& pma);
  Result<void> MapFileLocked(uint64_t addr, uint64_t offset, uint64_t len,
                             platform::AccessType access);
  // Defers dropping references until the operation's lock is released.
  void ReleaseLocked(FileRange fr) { pending_decref_.push_back(fr); }
  void ReleaseLocked(Vma&& vma);
  void ReleaseLocked(std::shared_ptr<memmap::Mappable>&& file) {
    if (file) pending_files_.push_back(std::move(file));
  }

  MemoryFile& mf_;
  std::unique_ptr<platform::AddressSpace> as_;
  mutable std::mutex mu_;
  VmaSet vmas_;
  PmaSet pmas_;
  uint64_t mmap_base_ = 0;
  uint64_t max_address_ = 0;
  uint64_t brk_start_ = 0;
  uint64_t brk_ = 0;
  uint64_t stack_limit_ = kDefaultStackLimit;
  // Unique per MemoryManager (fault-loop detection keys on it, not on `this`).
  const uint64_t id_;
  // Bumped whenever the platform's mappings change.
  uint64_t map_generation_ = 0;
  // Mappings were removed or replaced since the last AddressSpace::Flush.
  bool flush_needed_ = false;
  std::vector<FileRange> pending_decref_;
  std::vector<std::shared_ptr<SharedAnonMemory>> pending_backings_;
  // Files let go of, dropped after the lock (a Mappable's destructor may close
  // host files or take file locks).
  std::vector<std::shared_ptr<memmap::Mappable>> pending_files_;
  // During a WithFileReads pass: the data read for it, whether it took any of
  // it, and the read it asks for.
  std::optional<StagedRead> staged_;
  bool staged_used_ = false;
  std::optional<FileReadRequest> need_;
  ExecInfo exec_info_;
  // Registered with every mapped file (see FileSpace).
  std::shared_ptr<FileSpace> file_space_;
};

template <typename Pass>
auto MemoryManager::WithFileReads(Pass&& pass) {
  std::optional<StagedRead> read;
  int misses = 0;
  for (;;) {
    // Declared before the lock so the file references drop after it.
    std::optional<FileReadRequest> need;
    {
      OpLock lock(*this);
      const bool had_read = read.has_value();
      staged_ = std::exchange(read, std::nullopt);
      staged_used_ = false;
      need_.reset();
      auto result = pass();
      const bool used = staged_used_;
      DropStagedLocked();
      need = std::exchange(need_, std::nullopt);
      if (!need) return result;
      if (used) {
        misses = 0;
      } else if (had_read && ++misses >= kMaxFileReadMisses) {
        return result;
      }
    }
    read = ReadFilePages(*need);
  }
}

}  // namespace kekkai::sentry::mm

#endif  // KEKKAI_SENTRY_MM_MEMORY_MANAGER_H_

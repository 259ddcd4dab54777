// RegularFile: a tmpfs regular file, whose data lives in MemoryFile pages
// allocated when first written (or mapped, or fallocated); holes read as zeros.
// It is also what mmap(2) maps (memmap::Mappable): MAP_SHARED mappings map the
// file's own pages, so writes through them are writes to the file and read(2)
// sees them, and the other way round. RegularFileDescription is an open file.
//
// Pages and references. The file holds one MemoryFile reference on each of its
// pages. SharedPage hands a page out with one more reference, which the mapping
// (a memory manager's PMA) owns and drops when it lets the page go. Truncation
// first takes the pages past the new end out of the file (SharedPage then says
// EFAULT there: SIGBUS), then tells every memory manager that registered for the
// file to drop its mappings of them (MappingSpaceSet::Invalidate: they unmap
// them from the guest and drop their references), then drops the file's own
// references. A page is freed only when nobody holds it, so a mapping never
// points at a page reused for something else. Punching a hole (fallocate)
// drops the whole pages of the hole the same way.
//
// Seals (memfd's F_ADD_SEALS): every file starts with kSealSeal, as Linux's
// tmpfs files; memfd_create(MFD_ALLOW_SEALING) lifts it (AllowSealing). They
// are kept under mu_ and change under io_mu_ held exclusively, so a write,
// truncation or fallocate sees the same seals from start to end.
//
// Locks, outermost first: io_mu_ (shared for reads, exclusive for writes,
// truncation, fallocate and adding seals: keeps pages from going away while they are copied
// to or from guest memory, and makes O_APPEND writes atomic), then the memory
// managers' locks (guest memory copies; invalidation), then mu_ (the page map
// and attributes; never held while touching guest memory, as SharedPage runs
// under a memory manager's lock).
#ifndef KEKKAI_FS_TMPFS_REGULAR_FILE_H_
#define KEKKAI_FS_TMPFS_REGULAR_FILE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>

#include "fs/tmpfs/node.h"
#include "fs/vfs/file_description.h"
#include "sentry/memmap/mappable.h"
#include "sentry/usermem/guest_memory.h"

namespace kekkai::fs::tmpfs {

// The largest file size (Linux's MAX_LFS_FILESIZE).
inline constexpr uint64_t kMaxFileSize = static_cast<uint64_t>(INT64_MAX);
// fallocate(2) mode bits.
inline constexpr uint32_t kFallocKeepSize = 1, kFallocPunchHole = 2;

class RegularFile final : public Node, public sentry::memmap::Mappable {
 public:
  // An empty file with `node`'s attributes and `nlink` names.
  RegularFile(std::shared_ptr<Tmpfs> fs, const vfs::NewNode& node, uint64_t nlink);
  // Gives the file's pages back (mappings keep theirs until they let go).
  ~RegularFile() override;

  // Opens a RegularFileDescription.
  Result<vfs::FileRef> Open(uint32_t flags) override;

  // ---- File I/O (for RegularFileDescription). ----
  // Copies file bytes at `offset` into `dst`, up to the end of the file.
  Result<size_t> Read(sentry::usermem::IoSequence& dst, uint64_t offset);
  // Copies `src` into the file at `offset`, or at its end when `append` (the
  // size read and the write are one step). Sets *end to the offset after the
  // last byte written. EFBIG at the largest file size; ENOSPC when the
  // filesystem is full (short if some bytes were written); EPERM when sealed
  // against writes, or against growth past the end (short when some bytes lie
  // before it: Linux stops at the page or folio holding the end instead).
  Result<size_t> Write(sentry::usermem::IoSequence& src, uint64_t offset, bool append,
                       uint64_t* end);
  // Copies file bytes at `offset` into sentry memory.
  Result<size_t> PRead(std::span<std::byte> dst, uint64_t offset);
  // Returns where SEEK_DATA (`data`) or SEEK_HOLE finds data or a hole from
  // `offset`: allocated pages are data, anything else a hole, and the end of the
  // file is one. ENXIO at or past the end.
  Result<uint64_t> SeekHoleOrData(uint64_t offset, bool data);
  // fallocate(2) with `mode` 0 or FALLOC_FL_KEEP_SIZE: allocates the pages of
  // [offset, offset+len) (all or none: ENOSPC) and, without KEEP_SIZE, grows the
  // file to cover them (EPERM past the end under kSealGrow). With
  // FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE: frees the whole pages of the range
  // (mappings drop them, as for truncation) and zeroes the rest of it (EPERM
  // under kSealWrite or kSealFutureWrite).
  Result<void> Allocate(uint32_t mode, uint64_t offset, uint64_t len);
  // Returns the seals (kSeal*).
  uint32_t seals() const;
  // Adds `seals` (see vfs::FileDescription::AddSeals; the description checks
  // it is writable).
  Result<void> AddSeals(uint32_t seals);
  // Lifts kSealSeal (memfd_create with MFD_ALLOW_SEALING).
  void AllowSealing();
  // Returns the file's size now.
  uint64_t size() const;
  // Returns the number of pages allocated (for tests and st_blocks).
  uint64_t page_count() const;

  // ---- memmap::Mappable. ----
  Result<size_t> ReadAt(std::span<std::byte> dst, uint64_t offset) override;
  Result<uint64_t> Size() override { return size(); }
  uint64_t device() const override { return fs().device(); }
  uint64_t inode() const override { return ino(); }
  // "": a mapping is named by the description it was made from (mmap(2) sets
  // the name), as a file may have many names or none.
  std::string path() const override { return ""; }
  bool shares_pages() const override { return true; }
  Result<uint64_t> SharedPage(uint64_t offset, bool allocate) override;
  void AddMappingSpace(std::weak_ptr<sentry::memmap::MappingSpace> space) override;
  // True under kSealWrite or kSealFutureWrite.
  bool DeniesWritableSharing() override;

 protected:
  void FillStatLocked(abi::linux::Stat& st) const override;
  // Changes the size: pages past the new end go (see the file comment), the
  // bytes past it in the last page are zeroed, and growing reads as zeros.
  // EPERM under kSealShrink (smaller) or kSealGrow (larger).
  Result<void> Truncate(uint64_t size) override;

 private:
  // Returns the MemoryFile offset of page `index`, allocating and charging it if
  // the file has none (*fresh then says so). Requires mu_.
  Result<uint64_t> PageLocked(uint64_t index, bool* fresh);
  // Drops page `index` (which the file has) and its charge. Requires mu_.
  void DropPageLocked(uint64_t index);
  // Zeroes [from, to) of the file's data, within one page. Requires mu_.
  void ZeroLocked(uint64_t from, uint64_t to);
  // Punches a hole over [offset, end) (see Allocate). Requires io_mu_.
  Result<void> PunchHole(uint64_t offset, uint64_t end);

  std::shared_mutex io_mu_;
  // Page index -> MemoryFile offset of the page (one reference held). Guarded by
  // mu_. Bytes of the last page past the end of the file are always zero.
  std::map<uint64_t, uint64_t> pages_;
  uint64_t size_ = 0;  // Guarded by mu_.
  // Guarded by mu_; changed with io_mu_ held exclusively too.
  uint32_t seals_ = vfs::kSealSeal;
  sentry::memmap::MappingSpaceSet spaces_;
};

// An open tmpfs regular file.
class RegularFileDescription final : public vfs::FileDescription {
 public:
  RegularFileDescription(uint32_t flags, std::shared_ptr<RegularFile> file)
      : FileDescription(flags), file_(std::move(file)) {}

  // EBADF unless open for reading. Updates atime (relatime) unless O_NOATIME.
  Result<size_t> Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) override;
  // EBADF unless open for writing. With O_APPEND every write goes to the end of
  // the file, pwrite(2) included (as Linux); the syscall layer handles
  // RWF_APPEND/RWF_NOAPPEND and RLIMIT_FSIZE.
  Result<size_t> Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) override;
  Result<uint64_t> Seek(int64_t offset, int whence) override;
  Result<abi::linux::Stat> Stat() override { return file_->Stat(); }
  Result<size_t> PRead(std::span<std::byte> dst, uint64_t offset) override;
  std::shared_ptr<sentry::memmap::Mappable> GetMappable() override { return file_; }
  // The data is already where tmpfs keeps it.
  Result<void> Sync() override { return Ok(); }
  // EBADF unless open for writing.
  Result<void> Allocate(uint32_t mode, uint64_t offset, uint64_t len) override;
  Result<uint32_t> GetSeals() override { return file_->seals(); }
  // EPERM unless open for writing.
  Result<void> AddSeals(uint32_t seals) override;
  Result<void> AllowSealing() override {
    file_->AllowSealing();
    return Ok();
  }
  std::string Name() const override { return path(); }

  const std::shared_ptr<RegularFile>& file() const { return file_; }

 private:
  const std::shared_ptr<RegularFile> file_;
};

}  // namespace kekkai::fs::tmpfs

#endif  // KEKKAI_FS_TMPFS_REGULAR_FILE_H_

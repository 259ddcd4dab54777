#include "fs/tmpfs/regular_file.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

namespace kekkai::fs::tmpfs {

namespace linux = abi::linux;
using sentry::mm::FileRange;

namespace {

constexpr uint64_t kP = kPageSize;
// Bounds the bytes one step of a read or write covers (pages looked up, or
// allocated, under the lock at once).
constexpr uint64_t kMaxStep = 64 * kP;
// Holes are copied from here.
constexpr size_t kZerosSize = 16 * kP;
const std::byte kZeros[kZerosSize] = {};

uint64_t PageUp(uint64_t v) { return *PageRoundUp(v); }  // v <= kMaxFileSize

// Drops one reference on each page at `offsets` (MemoryFile offsets), a run of
// contiguous pages at a time.
void ReleasePages(sentry::mm::MemoryFile& mf, std::vector<uint64_t> offsets) {
  std::sort(offsets.begin(), offsets.end());
  size_t i = 0;
  while (i < offsets.size()) {
    size_t j = i + 1;
    while (j < offsets.size() && offsets[j] == offsets[j - 1] + kP) ++j;
    mf.DecRef({offsets[i], offsets[j - 1] + kP});
    i = j;
  }
}

// One step of file data from a position: `len` bytes at MemoryFile offset `mf`,
// or a hole (no `mf`).
struct Run {
  std::optional<uint64_t> mf;
  uint64_t len = 0;
};

}  // namespace

RegularFile::RegularFile(std::shared_ptr<Tmpfs> fs, const vfs::NewNode& node, uint64_t nlink)
    : Node(std::move(fs), node) {
  nlink_ = nlink;
}

RegularFile::~RegularFile() {
  std::vector<uint64_t> offsets;
  offsets.reserve(pages_.size());
  for (const auto& [index, off] : pages_) offsets.push_back(off);
  fs().Uncharge(pages_.size());
  ReleasePages(fs().memory_file(), std::move(offsets));
}

Result<vfs::FileRef> RegularFile::Open(uint32_t flags) {
  auto self = std::static_pointer_cast<RegularFile>(shared_from_this());
  return vfs::FileRef(std::make_shared<RegularFileDescription>(flags, std::move(self)));
}

void RegularFile::FillStatLocked(linux::Stat& st) const {
  st.size = static_cast<int64_t>(size_);
  st.blocks = static_cast<int64_t>(pages_.size() * (kP / 512));
}

uint64_t RegularFile::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return size_;
}

uint64_t RegularFile::page_count() const {
  std::lock_guard<std::mutex> l(mu_);
  return pages_.size();
}

uint32_t RegularFile::seals() const {
  std::lock_guard<std::mutex> l(mu_);
  return seals_;
}

Result<uint64_t> RegularFile::PageLocked(uint64_t index, bool* fresh) {
  *fresh = false;
  auto it = pages_.find(index);
  if (it != pages_.end()) return it->second;
  RETURN_IF_ERROR(fs().Charge(1));
  Result<FileRange> fr = fs().memory_file().Allocate(kP);
  if (!fr.ok()) {
    fs().Uncharge(1);
    return fr.error();
  }
  pages_.emplace(index, fr->start);
  *fresh = true;
  return fr->start;
}

void RegularFile::ZeroLocked(uint64_t from, uint64_t to) {
  if (from >= to) return;
  auto it = pages_.find(from / kP);
  if (it == pages_.end()) return;  // A hole reads as zeros already.
  std::span<std::byte> page = fs().memory_file().View({it->second, it->second + kP});
  std::memset(page.data() + from % kP, 0, to - from);
}

// ---- Reading. ----

Result<size_t> RegularFile::Read(sentry::usermem::IoSequence& dst, uint64_t offset) {
  // Shared: truncation can't take the pages away while they are copied.
  std::shared_lock<std::shared_mutex> io(io_mu_);
  size_t done = 0;
  uint64_t pos = offset;
  auto& mf = fs().memory_file();
  while (dst.remaining() > 0) {
    Run run;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (pos >= size_) break;
      const uint64_t limit = std::min({size_ - pos, dst.remaining(), kMaxStep});
      // The pages from pos that follow each other in the MemoryFile too.
      auto it = pages_.find(pos / kP);
      if (it == pages_.end()) {
        auto next = pages_.upper_bound(pos / kP);
        const uint64_t hole_end = next == pages_.end() ? UINT64_MAX : next->first * kP;
        run.len = std::min({limit, hole_end - pos, static_cast<uint64_t>(kZerosSize)});
      } else {
        run.mf = it->second + pos % kP;
        uint64_t end = (it->first + 1) * kP;
        for (auto n = std::next(it); n != pages_.end() && end - pos < limit; ++n) {
          if (n->first * kP != end || n->second != it->second + (end - it->first * kP)) break;
          end += kP;
        }
        run.len = std::min(limit, end - pos);
      }
    }
    std::span<const std::byte> src =
        run.mf ? std::span<const std::byte>(
                     mf.View({PageRoundDown(*run.mf), PageUp(*run.mf + run.len)})
                         .subspan(*run.mf % kP, run.len))
               : std::span<const std::byte>(kZeros, run.len);
    Result<size_t> copied = dst.CopyOut(src);
    if (!copied.ok()) {
      if (done > 0) break;
      return copied.error();
    }
    done += *copied;
    pos += *copied;
    if (*copied < run.len) break;  // The guest's buffer ended in a fault.
  }
  return done;
}

Result<size_t> RegularFile::PRead(std::span<std::byte> dst, uint64_t offset) {
  std::shared_lock<std::shared_mutex> io(io_mu_);
  std::lock_guard<std::mutex> l(mu_);
  if (offset >= size_) return size_t{0};
  const size_t n = static_cast<size_t>(std::min<uint64_t>(dst.size(), size_ - offset));
  auto& mf = fs().memory_file();
  size_t done = 0;
  while (done < n) {
    const uint64_t pos = offset + done;
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(kP - pos % kP, n - done));
    auto it = pages_.find(pos / kP);
    if (it == pages_.end()) {
      std::memset(dst.data() + done, 0, chunk);
    } else {
      std::memcpy(dst.data() + done, mf.View({it->second, it->second + kP}).data() + pos % kP,
                  chunk);
    }
    done += chunk;
  }
  return done;
}

Result<size_t> RegularFile::ReadAt(std::span<std::byte> dst, uint64_t offset) {
  return PRead(dst, offset);
}

Result<uint64_t> RegularFile::SeekHoleOrData(uint64_t offset, bool data) {
  std::lock_guard<std::mutex> l(mu_);
  if (offset >= size_) return Errno(ENXIO);
  uint64_t index = offset / kP;
  if (data) {
    auto it = pages_.lower_bound(index);
    // Pages past the end (fallocate KEEP_SIZE) hold no data of the file.
    if (it == pages_.end() || it->first * kP >= size_) return Errno(ENXIO);
    return std::max(offset, it->first * kP);
  }
  for (auto it = pages_.find(index); it != pages_.end() && it->first == index; ++it) ++index;
  return std::min(std::max(offset, index * kP), size_);
}

// ---- Writing. ----

Result<size_t> RegularFile::Write(sentry::usermem::IoSequence& src, uint64_t offset, bool append,
                                  uint64_t* end) {
  // Exclusive: one write at a time, so O_APPEND's end stays the end, and no
  // truncation takes pages away while they are copied into.
  std::unique_lock<std::shared_mutex> io(io_mu_);
  *end = offset;
  if (src.remaining() == 0) return size_t{0};
  uint64_t pos;
  uint64_t size;
  uint32_t seals;
  {
    std::lock_guard<std::mutex> l(mu_);
    pos = append ? size_ : offset;
    size = size_;
    seals = seals_;
  }
  if (pos >= kMaxFileSize) return Errno(EFBIG);
  uint64_t want = std::min(src.remaining(), kMaxFileSize - pos);
  if (seals & (vfs::kSealWrite | vfs::kSealFutureWrite)) return Errno(EPERM);
  if ((seals & vfs::kSealGrow) && want > size - std::min(pos, size)) {
    if (pos >= size) return Errno(EPERM);
    want = size - pos;
  }
  auto& mf = fs().memory_file();
  {
    std::lock_guard<std::mutex> l(mu_);
    // Bytes a shared mapping wrote past the end must not show up in the file.
    if (pos > size_) ZeroLocked(size_, std::min(pos, PageUp(size_)));
    mtime_ = ctime_ = Now();
  }
  size_t done = 0;
  Result<void> error = Ok();
  while (done < want) {
    const uint64_t step = std::min(want - done, kMaxStep - pos % kP);
    const uint64_t first = pos / kP;
    const uint64_t last = (pos + step - 1) / kP;
    // MemoryFile offsets of pages first.., and which of them are new.
    std::vector<uint64_t> offs;
    std::vector<uint64_t> fresh;
    {
      std::lock_guard<std::mutex> l(mu_);
      for (uint64_t i = first; i <= last; ++i) {
        bool is_fresh = false;
        Result<uint64_t> off = PageLocked(i, &is_fresh);
        if (!off.ok()) {
          error = off.error();
          break;
        }
        offs.push_back(*off);
        if (is_fresh) fresh.push_back(i);
      }
    }
    // Bytes whose pages are there.
    const uint64_t have = offs.empty() ? 0 : std::min(step, (first + offs.size()) * kP - pos);
    uint64_t copied_here = 0;
    bool short_copy = false;
    for (size_t i = 0; copied_here < have && !short_copy;) {
      // A run of pages that follow each other in the MemoryFile.
      size_t j = i + 1;
      while (j < offs.size() && offs[j] == offs[j - 1] + kP) ++j;
      const uint64_t in_page = (pos + copied_here) % kP;
      const uint64_t len = std::min(have - copied_here, (j - i) * kP - in_page);
      std::span<std::byte> dst = mf.View({offs[i], offs[j - 1] + kP}).subspan(in_page, len);
      Result<size_t> c = src.CopyIn(dst);
      if (!c.ok()) {
        if (done + copied_here == 0) error = c.error();
        short_copy = true;
        break;
      }
      copied_here += *c;
      if (*c < len) short_copy = true;
      i = j;
    }
    std::vector<uint64_t> unused;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (pos + copied_here > size_) size_ = pos + copied_here;
      // Pages made for bytes that never came: nobody saw them (they lie past
      // the end, where SharedPage hands out nothing).
      for (uint64_t i : fresh) {
        if (i * kP < size_) continue;
        auto it = pages_.find(i);
        unused.push_back(it->second);
        pages_.erase(it);
        fs().Uncharge(1);
      }
    }
    ReleasePages(mf, std::move(unused));
    done += copied_here;
    pos += copied_here;
    if (short_copy || !error.ok() || copied_here < step) break;
  }
  if (done == 0 && !error.ok()) return error.error();
  *end = pos;
  return done;
}

Result<void> RegularFile::Truncate(uint64_t size) {
  if (size > kMaxFileSize) return Errno(EFBIG);
  std::unique_lock<std::shared_mutex> io(io_mu_);
  std::vector<uint64_t> dropped;
  {
    std::lock_guard<std::mutex> l(mu_);
    const uint64_t old = size_;
    if (size == old) return Ok();
    if (seals_ & (size > old ? vfs::kSealGrow : vfs::kSealShrink)) return Errno(EPERM);
    if (size > old) {
      // Growing reads as zeros, also where a shared mapping wrote past the end.
      ZeroLocked(old, std::min(size, PageUp(old)));
      size_ = size;
      return Ok();
    }
    for (auto it = pages_.lower_bound(PageUp(size) / kP); it != pages_.end();
         it = pages_.erase(it)) {
      dropped.push_back(it->second);
    }
    fs().Uncharge(dropped.size());
    // The new last page's tail reads as zero, through mappings too.
    ZeroLocked(size, PageUp(size));
    size_ = size;
  }
  // SharedPage hands out nothing past the end now; make the mappings drop what
  // they hold there (faults then give SIGBUS), then let the pages go.
  spaces_.Invalidate(*this, PageUp(size), UINT64_MAX);
  ReleasePages(fs().memory_file(), std::move(dropped));
  return Ok();
}

Result<void> RegularFile::Allocate(uint32_t mode, uint64_t offset, uint64_t len) {
  if (mode & ~(kFallocKeepSize | kFallocPunchHole)) return Errno(EOPNOTSUPP);
  // As Linux: a hole never changes the size.
  if ((mode & kFallocPunchHole) && !(mode & kFallocKeepSize)) return Errno(EOPNOTSUPP);
  if (len == 0) return Errno(EINVAL);
  if (offset > kMaxFileSize || len > kMaxFileSize - offset) return Errno(EFBIG);
  const uint64_t end = offset + len;
  if (mode & kFallocPunchHole) {
    std::unique_lock<std::shared_mutex> io(io_mu_);
    return PunchHole(offset, end);
  }
  // More than the filesystem can ever hold fails at once (as Linux's
  // shmem_fallocate), not after allocating all it can.
  if (PageUp(end) / kP - offset / kP > fs().size_limit() / kP) return Errno(ENOSPC);
  std::unique_lock<std::shared_mutex> io(io_mu_);
  std::vector<uint64_t> made;  // Page indexes allocated here.
  Result<void> error = Ok();
  {
    std::lock_guard<std::mutex> l(mu_);
    // Even with KEEP_SIZE, as Linux's shmem_fallocate.
    if ((seals_ & vfs::kSealGrow) && end > size_) return Errno(EPERM);
    for (uint64_t i = offset / kP; i < PageUp(end) / kP; ++i) {
      bool fresh = false;
      Result<uint64_t> off = PageLocked(i, &fresh);
      if (!off.ok()) {
        error = off.error();
        break;
      }
      if (fresh) made.push_back(i);
    }
    if (error.ok()) {
      if (!(mode & kFallocKeepSize) && end > size_) {
        ZeroLocked(size_, std::min(end, PageUp(size_)));
        size_ = end;
      }
      mtime_ = ctime_ = Now();
      return Ok();
    }
  }
  // As Linux's shmem_fallocate: a failed call leaves no pages behind.
  std::vector<uint64_t> undo;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (uint64_t i : made) {
      auto it = pages_.find(i);
      undo.push_back(it->second);
      pages_.erase(it);
    }
    fs().Uncharge(made.size());
  }
  ReleasePages(fs().memory_file(), std::move(undo));
  return error;
}

Result<void> RegularFile::PunchHole(uint64_t offset, uint64_t end) {
  // The whole pages of the hole are [first, last) (empty when it lies within
  // one page: then first == last + 1).
  const uint64_t first = PageUp(offset) / kP;
  const uint64_t last = end / kP;
  std::vector<uint64_t> dropped;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (seals_ & (vfs::kSealWrite | vfs::kSealFutureWrite)) return Errno(EPERM);
    for (auto it = pages_.lower_bound(first); it != pages_.end() && it->first < last;
         it = pages_.erase(it)) {
      dropped.push_back(it->second);
    }
    fs().Uncharge(dropped.size());
    // The partial pages at the ends are zeroed in place, through mappings too.
    if (first > last) {
      ZeroLocked(offset, end);
    } else {
      ZeroLocked(offset, first * kP);
      ZeroLocked(last * kP, end);
    }
    mtime_ = ctime_ = Now();
  }
  // As truncation: SharedPage no longer hands the pages out (a fault in the
  // hole gets a fresh zeroed page); mappings drop theirs, then the file does.
  // Unlike Linux, private copies of the pages that a MAP_PRIVATE mapping wrote
  // go too (MappingSpace drops all it holds for the range) and read the hole.
  if (first < last) spaces_.Invalidate(*this, first * kP, last * kP);
  ReleasePages(fs().memory_file(), std::move(dropped));
  return Ok();
}

Result<void> RegularFile::AddSeals(uint32_t seals) {
  if (seals & ~vfs::kAllSeals) return Errno(EINVAL);
  // Exclusive: no write is under way, and no other AddSeals can see the
  // tentative kSealWrite below.
  std::unique_lock<std::shared_mutex> io(io_mu_);
  bool new_write;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (seals_ & vfs::kSealSeal) return Errno(EPERM);
    new_write = (seals & vfs::kSealWrite) && !(seals_ & vfs::kSealWrite);
    // Set first, so mmap refuses new writable shared mappings (see
    // DeniesWritableSharing) while the spaces are asked for existing ones.
    if (new_write) seals_ |= vfs::kSealWrite;
  }
  if (new_write && spaces_.AnyMapsWritable(*this)) {
    std::lock_guard<std::mutex> l(mu_);
    seals_ &= ~vfs::kSealWrite;
    return Errno(EBUSY);
  }
  std::lock_guard<std::mutex> l(mu_);
  seals_ |= seals;
  return Ok();
}

void RegularFile::AllowSealing() {
  std::lock_guard<std::mutex> l(mu_);
  seals_ &= ~vfs::kSealSeal;
}

// ---- Mappings. ----

Result<uint64_t> RegularFile::SharedPage(uint64_t offset, bool allocate) {
  if (!IsPageAligned(offset)) return Errno(EINVAL);
  std::lock_guard<std::mutex> l(mu_);
  if (offset >= PageUp(size_)) return Errno(EFAULT);
  uint64_t off;
  auto it = pages_.find(offset / kP);
  if (it != pages_.end()) {
    off = it->second;
  } else {
    if (!allocate) return Errno(ENOENT);
    bool fresh = false;
    ASSIGN_OR_RETURN(off, PageLocked(offset / kP, &fresh));
  }
  fs().memory_file().IncRef({off, off + kP});
  return off;
}

void RegularFile::AddMappingSpace(std::weak_ptr<sentry::memmap::MappingSpace> space) {
  spaces_.Add(std::move(space));
}

bool RegularFile::DeniesWritableSharing() {
  std::lock_guard<std::mutex> l(mu_);
  return (seals_ & (vfs::kSealWrite | vfs::kSealFutureWrite)) != 0;
}

// ---- RegularFileDescription. ----

Result<size_t> RegularFileDescription::Read(sentry::usermem::IoSequence& dst,
                                            std::optional<uint64_t> offset) {
  if (!readable()) return Errno(EBADF);
  std::unique_lock<std::mutex> lock(offset_mu_, std::defer_lock);
  if (!offset) lock.lock();
  const uint64_t pos = offset.value_or(offset_);
  ASSIGN_OR_RETURN(size_t n, file_->Read(dst, pos));
  if (!offset) offset_ = pos + n;
  if (!(flags() & linux::kONoatime)) file_->TouchAtime(Now());
  return n;
}

Result<size_t> RegularFileDescription::Write(sentry::usermem::IoSequence& src,
                                             std::optional<uint64_t> offset) {
  if (!writable()) return Errno(EBADF);
  std::unique_lock<std::mutex> lock(offset_mu_, std::defer_lock);
  if (!offset) lock.lock();
  const bool append = (flags() & linux::kOAppend) != 0;
  uint64_t end = 0;
  ASSIGN_OR_RETURN(size_t n, file_->Write(src, offset.value_or(offset_), append, &end));
  if (!offset) offset_ = end;
  return n;
}

Result<uint64_t> RegularFileDescription::Seek(int64_t offset, int whence) {
  if (whence == linux::kSeekData || whence == linux::kSeekHole) {
    if (offset < 0) return Errno(ENXIO);
    std::lock_guard<std::mutex> lock(offset_mu_);
    ASSIGN_OR_RETURN(uint64_t pos, file_->SeekHoleOrData(static_cast<uint64_t>(offset),
                                                         whence == linux::kSeekData));
    offset_ = pos;
    return pos;
  }
  return SeekWithSize(offset, whence, file_->size());
}

Result<size_t> RegularFileDescription::PRead(std::span<std::byte> dst, uint64_t offset) {
  return file_->PRead(dst, offset);
}

Result<void> RegularFileDescription::Allocate(uint32_t mode, uint64_t offset, uint64_t len) {
  if (!writable()) return Errno(EBADF);
  return file_->Allocate(mode, offset, len);
}

Result<void> RegularFileDescription::AddSeals(uint32_t seals) {
  if (!writable()) return Errno(EPERM);
  return file_->AddSeals(seals);
}

}  // namespace kekkai::fs::tmpfs

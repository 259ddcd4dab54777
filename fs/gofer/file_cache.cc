#include "fs/gofer/file_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "abi/linux/guest_addr.h"
#include "base/logging.h"
#include "gofer/host_stat.h"

namespace kekkai::fs::gofer {

namespace {

constexpr uint64_t kP = kPageSize;

uint64_t PageUp(uint64_t v) { return PageRoundUp(v).value_or(PageRoundDown(UINT64_MAX)); }

Result<abi::linux::Stat> FdStat(int fd) { return kekkai::gofer::StatFd(fd); }

FileDescriptor DupFd(int fd) { return FileDescriptor(fcntl(fd, F_DUPFD_CLOEXEC, 0)); }

}  // namespace

Result<size_t> HostPRead(int fd, std::span<std::byte> dst, uint64_t offset) {
  size_t done = 0;
  while (done < dst.size()) {
    const ssize_t n =
        pread(fd, dst.data() + done, dst.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (done > 0) break;
      return Errno(errno);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Result<size_t> HostWrite(int fd, std::span<const std::byte> src, std::optional<uint64_t> offset) {
  size_t done = 0;
  while (done < src.size()) {
    const ssize_t n = offset ? pwrite(fd, src.data() + done, src.size() - done,
                                      static_cast<off_t>(*offset + done))
                             : write(fd, src.data() + done, src.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (done > 0) break;
      return Errno(errno);
    }
    if (n == 0) {
      if (done > 0) break;
      return Errno(EIO);
    }
    done += static_cast<size_t>(n);
  }
  return done;
}

// ---- FileCacheTable. ----

Result<std::shared_ptr<FileCache>> FileCacheTable::Get(int fd, uint64_t device) {
  ASSIGN_OR_RETURN(abi::linux::Stat st, FdStat(fd));
  const Key key{st.dev, st.ino};
  std::lock_guard<std::mutex> l(mu_);
  auto it = caches_.find(key);
  if (it != caches_.end()) {
    // A live file with the number of a removed one that a mapping still holds
    // is another file: it gets a cache of its own.
    std::shared_ptr<FileCache> c = it->second.lock();
    if (c != nullptr && !(st.nlink > 0 && c->Unlinked())) return c;
  }
  auto cache = std::make_shared<FileCache>(shared_from_this(), key, device);
  caches_[key] = cache;
  return cache;
}

std::shared_ptr<FileCache> FileCacheTable::Find(int fd) {
  Result<abi::linux::Stat> st = FdStat(fd);
  if (!st.ok()) return nullptr;
  std::lock_guard<std::mutex> l(mu_);
  auto it = caches_.find(Key{st->dev, st->ino});
  return it == caches_.end() ? nullptr : it->second.lock();
}

void FileCacheTable::Forget(const Key& key, const FileCache* cache) {
  // Released after the lock: it may be the last reference to another cache.
  std::shared_ptr<FileCache> c;
  std::lock_guard<std::mutex> l(mu_);
  auto it = caches_.find(key);
  // A new cache for the same file may have taken the slot already.
  if (it == caches_.end()) return;
  c = it->second.lock();
  if (c == nullptr || c.get() == cache) caches_.erase(it);
}

// ---- FileCache. ----

bool FileCache::Unlinked() {
  std::shared_lock l(mu_);
  const int fd = ReadFdLocked();
  if (fd < 0) return false;
  Result<abi::linux::Stat> st = FdStat(fd);
  return st.ok() && st->nlink == 0;
}

// The reference every mapping of the file shares (through aliasing pointers to
// the cache): its release is the last mapping going.
class FileCache::MappingRef {
 public:
  explicit MappingRef(std::shared_ptr<FileCache> cache) : cache_(std::move(cache)) {}
  ~MappingRef() { cache_->LastMappingGone(); }

 private:
  const std::shared_ptr<FileCache> cache_;
};

FileCache::FileCache(std::shared_ptr<FileCacheTable> table, FileCacheTable::Key key,
                     uint64_t device)
    : table_(std::move(table)), mf_(table_->memory_file()), key_(key), device_(device) {}

FileCache::~FileCache() {
  std::vector<uint64_t> offsets;
  {
    std::unique_lock<std::shared_mutex> l(mu_);
    if (dirty_ > 0) {
      Result<void> r = WriteBackLocked(0, UINT64_MAX);
      if (!r.ok()) {
        LOG(WARNING) << "writing back host file (inode " << key_.second << ") failed: errno "
                     << r.error().value() << "; changes lost";
      }
    }
    for (const auto& [index, page] : pages_) offsets.push_back(page.mf);
    pages_.clear();
  }
  Release(std::move(offsets));
  table_->Forget(key_, this);
}

void FileCache::Release(std::vector<uint64_t> offsets) {
  std::sort(offsets.begin(), offsets.end());
  size_t i = 0;
  while (i < offsets.size()) {
    size_t j = i + 1;
    while (j < offsets.size() && offsets[j] == offsets[j - 1] + kP) ++j;
    mf_.DecRef({offsets[i], offsets[j - 1] + kP});
    i = j;
  }
}

void FileCache::AddDescription() {
  std::lock_guard<std::mutex> l(ref_mu_);
  ++descriptions_;
}

void FileCache::RemoveDescription() {
  {
    std::lock_guard<std::mutex> l(ref_mu_);
    if (--descriptions_ > 0) return;
  }
  // The last description closed: the host file gets what mappings wrote.
  std::unique_lock<std::shared_mutex> l(mu_);
  if (dirty_ == 0) return;
  Result<void> r = WriteBackLocked(0, UINT64_MAX);
  if (!r.ok()) {
    LOG(WARNING) << "writing back host file (inode " << key_.second << ") failed: errno "
                 << r.error().value();
  }
}

void FileCache::AttachFd(int fd, bool writable) {
  std::unique_lock<std::shared_mutex> l(mu_);
  if (writable && !write_fd_.valid()) {
    write_fd_ = DupFd(fd);
    if (!write_fd_.valid()) PLOG(ERROR) << "fcntl(F_DUPFD_CLOEXEC)";
  }
  if (!write_fd_.valid() && !read_fd_.valid()) {
    read_fd_ = DupFd(fd);
    if (!read_fd_.valid()) PLOG(ERROR) << "fcntl(F_DUPFD_CLOEXEC)";
  }
  if (pages_.empty()) {
    if (Result<uint64_t> s = HostSizeLocked(fd); s.ok()) size_ = *s;
  }
}

bool FileCache::can_write_back() {
  std::shared_lock<std::shared_mutex> l(mu_);
  return write_fd_.valid();
}

std::shared_ptr<sentry::memmap::Mappable> FileCache::NewMapping() {
  std::lock_guard<std::mutex> l(ref_mu_);
  std::shared_ptr<MappingRef> ref = mapping_ref_.lock();
  if (ref == nullptr) {
    ref = std::make_shared<MappingRef>(shared_from_this());
    mapping_ref_ = ref;
  }
  // Owns `ref`, points at the cache: every mapping is the same Mappable.
  return std::shared_ptr<sentry::memmap::Mappable>(ref, this);
}

void FileCache::LastMappingGone() {
  std::vector<uint64_t> dropped;
  {
    std::unique_lock<std::shared_mutex> l(mu_);
    if (dirty_ > 0) {
      Result<void> r = WriteBackLocked(0, UINT64_MAX);
      if (!r.ok()) {
        LOG(WARNING) << "writing back host file (inode " << key_.second << ") failed: errno "
                     << r.error().value();
      }
    }
    // Unmapped, the pages would only cost memory: reads and writes go to the
    // host file. Pages a new mapping took meanwhile stay.
    dropped = TakeCleanLocked(0, UINT64_MAX);
  }
  Release(std::move(dropped));
}

size_t FileCache::page_count() {
  std::shared_lock<std::shared_mutex> l(mu_);
  return pages_.size();
}

size_t FileCache::dirty_count() {
  std::shared_lock<std::shared_mutex> l(mu_);
  return dirty_;
}

Result<uint64_t> FileCache::HostSizeLocked(int fd) {
  if (fd < 0) fd = ReadFdLocked();
  if (fd < 0) return Errno(EIO);
  ASSIGN_OR_RETURN(abi::linux::Stat st, FdStat(fd));
  return static_cast<uint64_t>(st.size);
}

void FileCache::ZeroLocked(uint64_t from, uint64_t to) {
  if (from >= to) return;
  for (auto it = pages_.lower_bound(from / kP); it != pages_.end() && it->first * kP < to; ++it) {
    const uint64_t ps = it->first * kP;
    const uint64_t s = std::max(from, ps);
    const uint64_t e = std::min(to, ps + kP);
    std::memset(mf_.View({it->second.mf, it->second.mf + kP}).data() + (s - ps), 0, e - s);
  }
}

void FileCache::CopyInLocked(std::span<const std::byte> src, uint64_t offset) {
  if (src.empty()) return;
  const uint64_t end = offset + src.size();
  for (auto it = pages_.lower_bound(offset / kP); it != pages_.end() && it->first * kP < end;
       ++it) {
    const uint64_t ps = it->first * kP;
    const uint64_t s = std::max(offset, ps);
    const uint64_t e = std::min(end, ps + kP);
    std::memcpy(mf_.View({it->second.mf, it->second.mf + kP}).data() + (s - ps),
                src.data() + (s - offset), e - s);
  }
}

// ---- I/O of descriptions. ----

Result<size_t> FileCache::Read(int fd, std::span<std::byte> dst, uint64_t offset) {
  std::shared_lock<std::shared_mutex> l(mu_);
  if (pages_.empty()) return HostPRead(fd, dst, offset);
  ASSIGN_OR_RETURN(uint64_t size, HostSizeLocked(fd));
  if (offset >= size) return size_t{0};
  const size_t n = static_cast<size_t>(std::min<uint64_t>(dst.size(), size - offset));
  size_t done = 0;
  while (done < n) {
    const uint64_t pos = offset + done;
    auto it = pages_.lower_bound(pos / kP);
    if (it != pages_.end() && it->first == pos / kP) {
      const size_t chunk = static_cast<size_t>(std::min<uint64_t>(kP - pos % kP, n - done));
      std::memcpy(dst.data() + done,
                  mf_.View({it->second.mf, it->second.mf + kP}).data() + pos % kP, chunk);
      done += chunk;
      continue;
    }
    // Up to the next cached page, from the host file.
    const uint64_t next = it == pages_.end() ? UINT64_MAX : it->first * kP;
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(next - pos, n - done));
    Result<size_t> got = HostPRead(fd, dst.subspan(done, chunk), pos);
    if (!got.ok()) {
      if (done > 0) break;
      return got.error();
    }
    done += *got;
    if (*got < chunk) break;  // The file shrank meanwhile.
  }
  return done;
}

Result<size_t> FileCache::Write(int fd, std::span<const std::byte> src,
                                std::optional<uint64_t> offset, uint64_t* at) {
  std::unique_lock<std::shared_mutex> l(mu_);
  if (pages_.empty()) {
    ASSIGN_OR_RETURN(size_t n, HostWrite(fd, src, offset));
    if (offset) {
      *at = *offset;
      size_ = std::max(size_, *offset + n);
    } else {
      const off_t end = lseek(fd, 0, SEEK_CUR);
      *at = end >= 0 ? static_cast<uint64_t>(end) - n : 0;
      if (end >= 0) size_ = std::max(size_, static_cast<uint64_t>(end));
    }
    return n;
  }
  ASSIGN_OR_RETURN(uint64_t old_size, HostSizeLocked(fd));
  const uint64_t pos = offset.value_or(old_size);
  ASSIGN_OR_RETURN(size_t n, HostWrite(fd, src, offset));
  *at = pos;
  // Bytes a shared mapping wrote past the old end must not show up in the file
  // (the host has zeros there).
  if (pos > old_size) ZeroLocked(old_size, std::min(pos, PageUp(old_size)));
  CopyInLocked(src.first(n), pos);
  size_ = std::max(old_size, pos + n);
  return n;
}

Result<void> FileCache::Allocate(int fd, uint32_t mode, uint64_t offset, uint64_t len) {
  constexpr uint32_t kPunchHole = 2;
  std::unique_lock<std::shared_mutex> l(mu_);
  const bool cached = !pages_.empty();
  uint64_t old_size = 0;
  if (cached) {
    ASSIGN_OR_RETURN(old_size, HostSizeLocked(fd));
  }
  if (fallocate(fd, static_cast<int>(mode), static_cast<off_t>(offset), static_cast<off_t>(len)) !=
      0) {
    return Errno(errno);
  }
  if (!cached) return Ok();
  ASSIGN_OR_RETURN(uint64_t size, HostSizeLocked(fd));
  if (size > old_size) ZeroLocked(old_size, std::min(size, PageUp(old_size)));
  // The hole reads as zeros through every mapping, as the host file now does.
  if (mode & kPunchHole) ZeroLocked(offset, offset + len);
  size_ = size;
  return Ok();
}

Result<void> FileCache::Truncate(uint64_t size,
                                 const std::function<Result<void>()>& host_truncate) {
  std::vector<uint64_t> dropped;
  {
    std::unique_lock<std::shared_mutex> l(mu_);
    if (pages_.empty()) {
      RETURN_IF_ERROR(host_truncate());
      size_ = size;
    } else {
      ASSIGN_OR_RETURN(uint64_t old_size, HostSizeLocked(-1));
      RETURN_IF_ERROR(host_truncate());
      if (size < old_size) {
        for (auto it = pages_.lower_bound(PageUp(size) / kP); it != pages_.end();
             it = pages_.erase(it)) {
          if (it->second.dirty) --dirty_;
          dropped.push_back(it->second.mf);
        }
        // The new last page's tail reads as zero, through mappings too.
        ZeroLocked(size, PageUp(size));
      } else {
        ZeroLocked(old_size, std::min(size, PageUp(old_size)));
      }
      size_ = size;
    }
  }
  // SharedPage hands out nothing past the end now; make the mappings drop what
  // they hold there (private copies too: faults there are SIGBUS), then let the
  // pages go.
  spaces_.Invalidate(*this, PageUp(size), UINT64_MAX);
  Release(std::move(dropped));
  return Ok();
}

// ---- Mappable. ----

Result<size_t> FileCache::ReadAt(std::span<std::byte> dst, uint64_t offset) {
  int fd;
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    fd = ReadFdLocked();
  }
  if (fd < 0) return Errno(EIO);
  // Read takes the lock again; the fd stays open as long as the cache.
  return Read(fd, dst, offset);
}

Result<uint64_t> FileCache::Size() {
  std::unique_lock<std::shared_mutex> l(mu_);
  ASSIGN_OR_RETURN(uint64_t size, HostSizeLocked(-1));
  size_ = size;
  return size;
}

Result<uint64_t> FileCache::SharedPage(uint64_t offset, bool allocate) {
  (void)allocate;
  if (!IsPageAligned(offset)) return Errno(EINVAL);
  const uint64_t index = offset / kP;
  std::unique_lock<std::shared_mutex> l(mu_);
  if (offset >= PageUp(size_)) {
    // The file may have grown outside the sandbox since last seen.
    ASSIGN_OR_RETURN(size_, HostSizeLocked(-1));
    if (offset >= PageUp(size_)) return Errno(EFAULT);
  }
  auto it = pages_.find(index);
  if (it == pages_.end()) {
    // Read the uncached pages of the aligned window around it, within the file.
    const uint64_t win = kFillBytes / kP;
    uint64_t first = index - index % win;
    uint64_t last = std::min(first + win, PageUp(size_) / kP);  // Exclusive.
    auto next = pages_.upper_bound(index);
    if (next != pages_.end()) last = std::min(last, next->first);
    if (next != pages_.begin()) {
      auto prev = std::prev(next);
      first = std::max(first, prev->first + 1);
    }
    const int fd = ReadFdLocked();
    if (fd < 0) return Errno(EIO);
    Result<sentry::mm::FileRange> fr = mf_.Allocate((last - first) * kP);
    if (!fr.ok() && last - first > 1) {
      // Short of memory: the page asked for is all that matters.
      first = index;
      last = index + 1;
      fr = mf_.Allocate(kP);
    }
    if (!fr.ok()) return Errno(ENOMEM);
    const std::span<std::byte> view = mf_.View(*fr);
    Result<size_t> got = HostPRead(fd, view, first * kP);
    if (!got.ok()) {
      mf_.DecRef(*fr);
      LOG(WARNING) << "reading host file (inode " << key_.second << ") for a mapping failed: errno "
                   << got.error().value();
      return Errno(EIO);
    }
    // Past the end of the file (it may have shrunk) the pages read as zero.
    std::memset(view.data() + *got, 0, view.size() - *got);
    for (uint64_t i = first; i < last; ++i) {
      pages_.emplace(i, Page{fr->start + (i - first) * kP, false});
    }
    it = pages_.find(index);
  }
  const uint64_t mf = it->second.mf;
  mf_.IncRef({mf, mf + kP});
  return mf;
}

void FileCache::MayDirty(uint64_t start, uint64_t end) {
  if (start >= end) return;
  std::unique_lock<std::shared_mutex> l(mu_);
  const uint64_t last = PageUp(end) / kP;
  for (auto it = pages_.lower_bound(start / kP); it != pages_.end() && it->first < last; ++it) {
    if (!it->second.dirty) {
      it->second.dirty = true;
      ++dirty_;
    }
  }
}

Result<void> FileCache::WriteBack(uint64_t start, uint64_t end, bool sync) {
  std::unique_lock<std::shared_mutex> l(mu_);
  RETURN_IF_ERROR(WriteBackLocked(start, end));
  if (sync && write_fd_.valid() && fdatasync(write_fd_.get()) != 0) return Errno(errno);
  return Ok();
}

Result<void> FileCache::WriteBackLocked(uint64_t start, uint64_t end) {
  if (dirty_ == 0 || start >= end) return Ok();
  if (!write_fd_.valid()) {
    // Pages are only marked dirty under writable shared mappings, which need a
    // writable description (that attached its fd).
    LOG(ERROR) << "dirty pages of host file (inode " << key_.second << ") and no fd to write them";
    return Errno(EIO);
  }
  ASSIGN_OR_RETURN(uint64_t size, HostSizeLocked(write_fd_.get()));
  const uint64_t last = PageUp(end) / kP;  // Exclusive (end may be UINT64_MAX).
  Result<void> result = Ok();
  auto it = pages_.lower_bound(start / kP);
  while (it != pages_.end() && it->first < last && it->first * kP < size) {
    if (!it->second.dirty) {
      ++it;
      continue;
    }
    // A run of dirty pages that follow each other in the file and the MemoryFile.
    auto run_end = std::next(it);
    uint64_t n = 1;
    while (run_end != pages_.end() && run_end->first == it->first + n && run_end->second.dirty &&
           run_end->second.mf == it->second.mf + n * kP && run_end->first < last) {
      ++run_end;
      ++n;
    }
    const uint64_t pos = it->first * kP;
    // Never past the end: writing through a mapping doesn't change the size.
    const uint64_t len = std::min(n * kP, size - pos);
    const std::span<const std::byte> data = mf_.View({it->second.mf, it->second.mf + n * kP});
    Result<size_t> w = HostWrite(write_fd_.get(), data.first(len), pos);
    const bool ok = w.ok() && *w == len;
    if (!ok && result.ok()) result = w.ok() ? Errno(EIO) : w.error();
    for (; it != run_end; ++it) {
      // Clean once written and mapped nowhere (a mapping may write it again).
      if (ok && mf_.RefCount(it->second.mf) == 1) {
        it->second.dirty = false;
        --dirty_;
      }
    }
  }
  // Dirty pages wholly past the end hold nothing of the file.
  for (; it != pages_.end() && it->first < last; ++it) {
    if (it->second.dirty && it->first * kP >= size && mf_.RefCount(it->second.mf) == 1) {
      it->second.dirty = false;
      --dirty_;
    }
  }
  return result;
}

std::vector<uint64_t> FileCache::TakeCleanLocked(uint64_t start, uint64_t end) {
  std::vector<uint64_t> taken;
  const uint64_t last = PageUp(end) / kP;
  for (auto it = pages_.lower_bound(start / kP); it != pages_.end() && it->first < last;) {
    if (!it->second.dirty && mf_.RefCount(it->second.mf) == 1) {
      taken.push_back(it->second.mf);
      it = pages_.erase(it);
    } else {
      ++it;
    }
  }
  return taken;
}

void FileCache::DropClean(uint64_t start, uint64_t end) {
  std::vector<uint64_t> dropped;
  {
    std::unique_lock<std::shared_mutex> l(mu_);
    dropped = TakeCleanLocked(start, end);
  }
  Release(std::move(dropped));
}

}  // namespace kekkai::fs::gofer

#include "sentry/mm/memory_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <iterator>
#include <vector>

#include "abi/linux/guest_addr.h"
#include "base/logging.h"

namespace kekkai::sentry::mm {

Result<std::unique_ptr<MemoryFile>> MemoryFile::Create(uint64_t size) {
  std::optional<uint64_t> rounded = PageRoundUp(size);
  if (size == 0 || !rounded || *rounded > static_cast<uint64_t>(INT64_MAX)) return Errno(EINVAL);
  size = *rounded;
  ASSIGN_OR_RETURN(FileDescriptor fd, CreateMemFd("kekkai-memory"));
  if (ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
    PLOG(ERROR) << "ftruncate(memory file, " << size << ")";
    return LastErrno();
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd.get(), 0);
  if (p == MAP_FAILED) {
    PLOG(ERROR) << "mmap(memory file, " << size << ")";
    return LastErrno();
  }
  // The constructor is private so every MemoryFile is built here, fully mapped.
  return std::unique_ptr<MemoryFile>(
      new MemoryFile(std::move(fd), size, static_cast<std::byte*>(p)));
}

MemoryFile::MemoryFile(FileDescriptor fd, uint64_t size, std::byte* base)
    : fd_(std::move(fd)), size_(size), base_(base) {
  free_.emplace(0, size_);
}

MemoryFile::~MemoryFile() {
  if (munmap(base_, size_) != 0) PLOG(ERROR) << "munmap(memory file)";
}

Result<FileRange> MemoryFile::Allocate(uint64_t len) {
  std::optional<uint64_t> rounded = PageRoundUp(len);
  if (len == 0) return Errno(EINVAL);
  if (!rounded || *rounded > size_) return Errno(ENOMEM);
  len = *rounded;
  std::lock_guard<std::mutex> l(mu_);
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    const uint64_t start = it->first;
    const uint64_t end = it->second;
    if (end - start < len) continue;
    free_.erase(it);
    if (end - start > len) free_.emplace(start + len, end);
    used_.emplace(start, Usage{start + len, 1});
    MergeUsedLocked(start, start + len);
    usage_ += len;
    return FileRange{start, start + len};
  }
  return Errno(ENOMEM);
}

void MemoryFile::SplitUsedLocked(uint64_t offset) {
  auto it = used_.upper_bound(offset);
  if (it == used_.begin()) return;
  --it;
  if (it->first == offset || it->second.end <= offset) return;
  Usage right{it->second.end, it->second.refs};
  it->second.end = offset;
  used_.emplace_hint(std::next(it), offset, right);
}

void MemoryFile::MergeUsedLocked(uint64_t start, uint64_t end) {
  auto it = used_.lower_bound(start);
  if (it != used_.begin()) --it;
  while (it != used_.end() && it->first <= end) {
    auto next = std::next(it);
    if (next != used_.end() && next->first == it->second.end &&
        next->second.refs == it->second.refs) {
      it->second.end = next->second.end;
      used_.erase(next);
      continue;
    }
    it = next;
  }
}

void MemoryFile::IncRef(FileRange fr) {
  if (fr.start >= fr.end) return;
  std::lock_guard<std::mutex> l(mu_);
  SplitUsedLocked(fr.start);
  SplitUsedLocked(fr.end);
  uint64_t cur = fr.start;
  for (auto it = used_.find(fr.start); cur < fr.end; ++it) {
    if (it == used_.end() || it->first != cur) {
      LOG(FATAL) << "MemoryFile::IncRef of unallocated page " << cur;
    }
    ++it->second.refs;
    cur = it->second.end;
  }
  MergeUsedLocked(fr.start, fr.end);
}

void MemoryFile::DecRef(FileRange fr) {
  if (fr.start >= fr.end) return;
  std::vector<FileRange> freed;
  {
    std::lock_guard<std::mutex> l(mu_);
    SplitUsedLocked(fr.start);
    SplitUsedLocked(fr.end);
    uint64_t cur = fr.start;
    auto it = used_.find(fr.start);
    while (cur < fr.end) {
      if (it == used_.end() || it->first != cur || it->second.refs == 0) {
        LOG(FATAL) << "MemoryFile::DecRef of unallocated page " << cur;
      }
      cur = it->second.end;
      if (--it->second.refs == 0) {
        // Out of used_ but not yet in free_: nobody can allocate these pages
        // until their contents are gone.
        if (!freed.empty() && freed.back().end == it->first) {
          freed.back().end = it->second.end;
        } else {
          freed.push_back({it->first, it->second.end});
        }
        usage_ -= it->second.end - it->first;
        it = used_.erase(it);
      } else {
        ++it;
      }
    }
    MergeUsedLocked(fr.start, fr.end);
  }
  if (freed.empty()) return;
  // Punching can take a while for big ranges; do it without the lock.
  for (const FileRange& r : freed) Punch(r);
  std::lock_guard<std::mutex> l(mu_);
  for (const FileRange& r : freed) FreeLocked(r);
}

void MemoryFile::FreeLocked(FileRange fr) {
  uint64_t start = fr.start;
  uint64_t end = fr.end;
  auto next = free_.lower_bound(start);
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->second == start) {
      start = prev->first;
      free_.erase(prev);
    }
  }
  if (next != free_.end() && next->first == end) {
    end = next->second;
    free_.erase(next);
  }
  free_.emplace(start, end);
}

void MemoryFile::Punch(FileRange fr) {
  if (fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(fr.start),
                static_cast<off_t>(fr.length())) == 0) {
    return;
  }
  // Contents must never leak into the next owner of these pages.
  PLOG(WARNING) << "fallocate(PUNCH_HOLE, " << fr.start << ", " << fr.length()
                << "); zeroing instead";
  std::memset(base_ + fr.start, 0, fr.length());
}

void MemoryFile::Zero(FileRange fr) {
  if (fr.start >= fr.end) return;
  Punch(fr);
}

uint64_t MemoryFile::RefCount(uint64_t offset) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = used_.upper_bound(offset);
  if (it == used_.begin()) return 0;
  --it;
  return offset < it->second.end ? it->second.refs : 0;
}

std::span<std::byte> MemoryFile::View(FileRange fr) const {
  if (fr.start > fr.end || fr.end > size_) LOG(FATAL) << "MemoryFile::View out of range";
  return std::span<std::byte>(base_ + fr.start, fr.length());
}

uint64_t MemoryFile::usage() const {
  std::lock_guard<std::mutex> l(mu_);
  return usage_;
}

}  // namespace kekkai::sentry::mm

// MemoryManager: file mappings — reading file pages into the MemoryFile with the
// lock dropped, and backing a file VMA's pages with what was read.
#include <algorithm>
#include <cstring>

#include "abi/linux/mman.h"
#include "base/logging.h"
#include "sentry/mm/memory_manager.h"

namespace kekkai::sentry::mm {

MemoryManager::StagedRead MemoryManager::ReadFileOnce(const std::shared_ptr<memmap::Mappable>& file,
                                                      uint64_t offset, uint64_t length) {
  StagedRead s;
  s.file = file;
  s.offset = offset;
  s.length = length;
  s.pages = {0, 0};
  // Clip to the file's end first: freeing pages again (punching holes) costs
  // more than asking for the size.
  const Result<uint64_t> size = file->Size();
  if (!size.ok()) {
    s.error = true;
    return s;
  }
  if (*size <= offset) return s;
  const uint64_t data = std::min(*size - offset, length);
  // `length` is whole pages, so this does not overflow past it.
  const uint64_t alloc = *PageRoundUp(data);
  Result<FileRange> fr = mf_.Allocate(alloc);
  if (!fr.ok()) {
    s.nomem = true;
    return s;
  }
  const std::span<std::byte> view = mf_.View(*fr);
  uint64_t got = 0;
  while (got < data) {
    const Result<size_t> n = file->ReadAt(view.subspan(got, data - got), offset + got);
    if (!n.ok() || *n > data - got) {
      // An error (or a file that claims more than it was asked for): nothing of
      // this read may reach the guest.
      mf_.DecRef(*fr);
      s.error = true;
      return s;
    }
    if (*n == 0) break;  // The file shrank since Size().
    got += *n;
  }
  const uint64_t keep = *PageRoundUp(got);
  // Bytes past the end of the file read as zero, whatever the read left there.
  std::memset(view.data() + got, 0, keep - got);
  if (keep < alloc) mf_.DecRef({fr->start + keep, fr->end});
  s.pages = {fr->start, fr->start + keep};
  s.taken.assign(keep / kPageSize, false);
  return s;
}

MemoryManager::StagedRead MemoryManager::ReadFilePages(const FileReadRequest& req) {
  StagedRead s = ReadFileOnce(req.file, req.offset, req.length);
  if ((s.error || s.nomem) && req.length > kPageSize) {
    // Maybe only another page of the range is unreadable, or memory is short:
    // the page the operation needs may still be had alone.
    StagedRead one = ReadFileOnce(req.file, req.must, kPageSize);
    if (s.pages.length() != 0) mf_.DecRef(s.pages);
    return one;
  }
  return s;
}

void MemoryManager::DropStagedLocked() {
  if (!staged_) return;
  StagedRead& s = *staged_;
  // Release the pages no PMA took, in runs.
  uint64_t run_start = 0, run_end = 0;
  for (size_t i = 0; i <= s.taken.size(); ++i) {
    const bool free = i < s.taken.size() && !s.taken[i];
    if (free) {
      const uint64_t page = s.pages.start + i * kPageSize;
      if (run_end != page) {
        if (run_start != run_end) ReleaseLocked(FileRange{run_start, run_end});
        run_start = page;
      }
      run_end = page + kPageSize;
    }
  }
  if (run_start != run_end) ReleaseLocked(FileRange{run_start, run_end});
  ReleaseLocked(std::move(s.file));
  staged_.reset();
}

MemoryManager::FileBacking MemoryManager::BackFilePagesLocked(const Vma& vma, uint64_t start,
                                                              uint64_t end, uint64_t want_start,
                                                              uint64_t want_end, bool* changed) {
  if (vma.file->shares_pages()) {
    return BackSharedFilePagesLocked(vma, start, end, want_start, want_end, changed);
  }
  using Stop = FileBacking::Stop;
  FileBacking result{want_end, Stop::kNone};
  // The unbacked pages that no staged data covers: the read to ask for.
  uint64_t missing_start = 0, missing_end = 0;
  Pma run;  // Staged pages taken, not inserted yet.
  auto flush = [&] {
    if (run.start == run.end) return;
    pmas_.Insert(run);
    if (changed != nullptr) *changed = true;
    run = {};
  };
  StagedRead* s = (staged_ && staged_->file == vma.file) ? &*staged_ : nullptr;
  for (const AddrRange& gap : pmas_.Gaps(start, end)) {
    for (uint64_t a = gap.start; a < gap.end; a += kPageSize) {
      const uint64_t fo = vma.OffsetOf(a);
      Stop why = Stop::kNeedRead;
      if (s != nullptr && fo >= s->offset && fo - s->offset < s->length) {
        const uint64_t i = (fo - s->offset) / kPageSize;
        if (fo - s->offset < s->pages.length() && !s->taken[i]) {
          // Read for this file offset since the last pass: this page takes it.
          s->taken[i] = true;
          staged_used_ = true;
          const uint64_t mf_off = s->pages.start + i * kPageSize;
          if (run.end == a && run.OffsetOf(a) == mf_off) {
            run.end = a + kPageSize;
          } else {
            flush();
            run = Pma{.start = a, .end = a + kPageSize, .file_offset = mf_off};
          }
          continue;
        }
        // Past the end of the file, unreadable, or out of memory; a page already
        // taken (another VMA mapping the same offset in this pass) needs its own
        // read.
        if (fo - s->offset >= s->pages.length()) {
          why = s->nomem ? Stop::kNoMem : Stop::kBusErr;
        }
      }
      flush();
      if (why == Stop::kNeedRead) {
        if (missing_start == missing_end) missing_start = a;
        missing_end = a + kPageSize;
      }
      if (a >= want_start && a < result.backed_end) {
        result.backed_end = a;
        result.stop = why;
      }
    }
  }
  flush();
  pmas_.MergeRange(start, end);
  if (result.stop == Stop::kNeedRead) {
    const uint64_t len = std::min(missing_end - missing_start, kMaxFileReadBytes);
    need_ = FileReadRequest{.file = vma.file,
                            .offset = vma.OffsetOf(missing_start),
                            .length = len,
                            .must = vma.OffsetOf(result.backed_end)};
    if (result.backed_end - missing_start >= len) {
      // Defensive: the request must contain the page it is for.
      need_->offset = vma.OffsetOf(result.backed_end);
      need_->length = kPageSize;
    }
  }
  return result;
}

MemoryManager::FileBacking MemoryManager::BackSharedFilePagesLocked(const Vma& vma, uint64_t start,
                                                                    uint64_t end,
                                                                    uint64_t want_start,
                                                                    uint64_t want_end,
                                                                    bool* changed) {
  using Stop = FileBacking::Stop;
  FileBacking result{want_end, Stop::kNone};
  // Private mappings see the file's pages until they write (then BreakCowLocked
  // copies them: the file holds its own reference, so never in place).
  const bool cow = !vma.shared;
  Pma run;  // Pages taken, not inserted yet.
  auto flush = [&] {
    if (run.start == run.end) return;
    pmas_.Insert(run);
    if (changed != nullptr) *changed = true;
    run = {};
  };
  bool stopped = false;
  bool took_any = false;
  for (const AddrRange& gap : pmas_.Gaps(start, end)) {
    for (uint64_t a = gap.start; a < gap.end && !stopped; a += kPageSize) {
      // Fault-around maps what the file has, as Linux's filemap_map_pages: it
      // never fills holes the guest did not touch.
      const bool wanted = a >= want_start && a < want_end;
      const Result<uint64_t> page = vma.file->SharedPage(vma.OffsetOf(a), /*allocate=*/wanted);
      if (!page.ok() && !wanted && page.error() == Errno(ENOENT)) {
        flush();
        continue;
      }
      if (!page.ok()) {
        flush();
        // Past the end of the file, or out of space (SIGBUS, as Linux's
        // shmem_fault), or memory.
        if (a >= want_start && a < result.backed_end) {
          result.backed_end = a;
          result.stop = page.error() == Errno(ENOMEM) ? Stop::kNoMem : Stop::kBusErr;
        }
        // The wanted range is decided once a page in or after it fails.
        if (a >= want_start) stopped = true;
        continue;
      }
      took_any = true;
      if (run.end == a && run.OffsetOf(a) == *page) {
        run.end = a + kPageSize;
      } else {
        flush();
        run = Pma{.start = a, .end = a + kPageSize, .file_offset = *page, .needs_cow = cow};
      }
    }
    if (stopped) break;
  }
  flush();
  pmas_.MergeRange(start, end);
  // Pages of a writable shared mapping may change under the file's feet from
  // now on (the guest writes them directly).
  if (took_any && vma.shared && (vma.prot & abi::linux::kProtWrite) != 0) {
    vma.file->MayDirty(vma.OffsetOf(start), vma.OffsetOf(end));
  }
  return result;
}

Result<void> MemoryManager::MSync(GuestAddr addr, uint64_t length, bool write_back, bool sync,
                                  bool invalidate) {
  const uint64_t start = Raw(addr);
  if (!IsPageAligned(start)) return Errno(EINVAL);
  const std::optional<uint64_t> len = PageRoundUp(length);
  if (!len || start > UINT64_MAX - *len) return Errno(ENOMEM);
  if (*len == 0) return Ok();
  struct Work {
    std::shared_ptr<memmap::Mappable> file;
    uint64_t start = 0, end = 0;  // File offsets.
  };
  std::vector<Work> work;
  bool holes = false;
  {
    OpLock lock(*this);
    const bool beyond = start + *len > max_address_;
    const uint64_t end = beyond ? std::max(start, max_address_) : start + *len;
    holes = beyond || !vmas_.Covers(start, end);
    for (auto it = vmas_.LowerBound(start); it != vmas_.end() && it->second.start < end; ++it) {
      const Vma& v = it->second;
      if (!v.file || !v.shared) continue;
      const uint64_t s = std::max(start, v.start);
      const uint64_t e = std::min(end, v.end);
      if (!work.empty() && work.back().file == v.file && work.back().end == v.OffsetOf(s)) {
        work.back().end = v.OffsetOf(e);
      } else {
        work.push_back({v.file, v.OffsetOf(s), v.OffsetOf(e)});
      }
      // This space lets go of the file's pages (the next touch takes them
      // again), so the file may drop the clean ones.
      if (invalidate) DropPmasLocked(s, e);
    }
  }
  // Host I/O, without the lock; as Linux, what is mapped is done before a hole
  // is reported.
  Result<void> result = Ok();
  for (const Work& w : work) {
    if (write_back) {
      Result<void> r = w.file->WriteBack(w.start, w.end, sync);
      if (!r.ok() && result.ok()) result = r;
    }
    if (invalidate) w.file->DropClean(w.start, w.end);
  }
  // The files go after the lock, as ReleaseLocked would do.
  work.clear();
  RETURN_IF_ERROR(result);
  if (holes) return Errno(ENOMEM);
  return Ok();
}

}  // namespace kekkai::sentry::mm

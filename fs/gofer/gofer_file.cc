#include "fs/gofer/gofer_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "base/logging.h"
#include "fs/gofer/gofer_inode.h"
#include "gofer/host_stat.h"

namespace kekkai::fs::gofer {

namespace {

// How much one host read or write moves through the sentry's bounce buffer.
constexpr size_t kChunk = 256 << 10;

Errno HostErrno() { return Errno(errno); }

}  // namespace

GoferFile::GoferFile(uint32_t flags, FileDescriptor fd, uint64_t device,
                     std::shared_ptr<FileCache> cache)
    : FileDescription(flags), fd_(std::move(fd)), device_(device), cache_(std::move(cache)) {
  cache_->AddDescription();
}

GoferFile::~GoferFile() { cache_->RemoveDescription(); }

Result<size_t> GoferFile::ReadAt(sentry::usermem::IoSequence& dst, uint64_t offset) {
  std::vector<std::byte> buf(std::min<uint64_t>(dst.remaining(), kChunk));
  size_t done = 0;
  while (dst.remaining() > 0) {
    const size_t want = std::min<uint64_t>(dst.remaining(), buf.size());
    const std::span<std::byte> chunk(buf.data(), want);
    Result<size_t> n = cache_->Read(fd_.get(), chunk, offset + done);
    if (!n.ok()) {
      if (done > 0) break;
      return n.error();
    }
    if (*n == 0) break;
    Result<size_t> c = dst.CopyOut(std::span(buf.data(), *n));
    if (!c.ok()) {
      if (done > 0) break;
      return c.error();
    }
    done += *c;
    if (*c < *n || *n < want) break;
  }
  return done;
}

Result<size_t> GoferFile::Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) {
  // Cached pages would answer without the host fd's own check.
  if (!readable()) return Errno(EBADF);
  if (offset) return ReadAt(dst, *offset);
  std::lock_guard<std::mutex> lock(offset_mu_);
  ASSIGN_OR_RETURN(size_t n, ReadAt(dst, offset_));
  offset_ += n;
  return n;
}

Result<size_t> GoferFile::WriteAt(sentry::usermem::IoSequence& src,
                                  std::optional<uint64_t> offset) {
  const bool append = (flags() & abi::linux::kOAppend) != 0;
  std::vector<std::byte> buf(std::min<uint64_t>(src.remaining(), kChunk));
  size_t done = 0;
  while (src.remaining() > 0) {
    const size_t want = std::min<uint64_t>(src.remaining(), buf.size());
    Result<size_t> c = src.CopyIn(std::span(buf.data(), want));
    if (!c.ok()) {
      if (done > 0) break;
      return c.error();
    }
    const std::span<const std::byte> data(buf.data(), *c);
    // An O_APPEND host fd appends whatever offset pwrite names.
    const std::optional<uint64_t> at =
        append ? std::nullopt : std::optional<uint64_t>(*offset + done);
    uint64_t where = 0;
    Result<size_t> n = cache_->Write(fd_.get(), data, at, &where);
    if (!n.ok()) {
      if (done > 0) break;
      return n.error();
    }
    done += *n;
    if (*n < *c || *c < want) break;
  }
  return done;
}
Result<size_t> GoferFile::Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) {
  if (!writable()) return Errno(EBADF);
  if (offset) return WriteAt(src, offset);
  std::lock_guard<std::mutex> lock(offset_mu_);
  ASSIGN_OR_RETURN(size_t n, WriteAt(src, offset_));
  if (flags() & abi::linux::kOAppend) {
    const off_t end = lseek(fd_.get(), 0, SEEK_CUR);
    offset_ = end >= 0 ? static_cast<uint64_t>(end) : offset_ + n;
  } else {
    offset_ += n;
  }
  return n;
}

Result<uint64_t> GoferFile::Seek(int64_t offset, int whence) {
  ASSIGN_OR_RETURN(abi::linux::Stat st, kekkai::gofer::StatFd(fd_.get()));
  return SeekWithSize(offset, whence, static_cast<uint64_t>(st.size));
}

Result<abi::linux::Stat> GoferFile::Stat() {
  ASSIGN_OR_RETURN(abi::linux::Stat st, kekkai::gofer::StatFd(fd_.get()));
  st.dev = device_;
  return st;
}

Result<size_t> GoferFile::PRead(std::span<std::byte> dst, uint64_t offset) {
  return cache_->Read(fd_.get(), dst, offset);
}

Result<void> GoferFile::Sync() {
  // What mappings wrote reaches the host file first.
  Result<void> r = cache_->WriteBackAll(/*sync=*/false);
  if (fsync(fd_.get()) != 0) return HostErrno();
  return r;
}

Result<void> GoferFile::Allocate(uint32_t mode, uint64_t offset, uint64_t len) {
  return cache_->Allocate(fd_.get(), mode, offset, len);
}

std::shared_ptr<sentry::memmap::Mappable> GoferFile::GetMappable() {
  if (!writable()) {
    cache_->AttachFd(fd_.get(), /*writable=*/false);
  } else if ((flags() & abi::linux::kOAppend) == 0) {
    cache_->AttachFd(fd_.get(), /*writable=*/true);
  } else if (!cache_->can_write_back()) {
    // pwrite on an O_APPEND fd appends: write back through a fd of our own.
    auto* inode = dynamic_cast<GoferInode*>(this->inode());
    if (inode == nullptr) return nullptr;
    auto& fs = static_cast<GoferFs&>(inode->filesystem());
    Result<FileDescriptor> fd = fs.client().Open(inode->fid(), abi::linux::kORdwr);
    if (!fd.ok()) return nullptr;
    cache_->AttachFd(fd->get(), /*writable=*/true);
  }
  return cache_->NewMapping();
}

}  // namespace kekkai::fs::gofer

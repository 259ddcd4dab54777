#include "fs/gofer/gofer_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "base/logging.h"
#include "gofer/host_stat.h"

namespace kekkai::fs::gofer {

namespace {

// How much one host read or write moves through the sentry's bounce buffer.
constexpr size_t kChunk = 256 << 10;

Errno HostErrno() { return Errno(errno); }

// What mmap(2) maps for a gofer file: pages copied in on first touch (private),
// read with pread.
class GoferMappable final : public sentry::memmap::Mappable {
 public:
  GoferMappable(int fd, uint64_t device, std::string path)
      : fd_(Dup(fd)), device_(device), path_(std::move(path)) {
    abi::linux::Stat st{};
    if (auto s = kekkai::gofer::StatFd(fd); s.ok()) st = *s;
    ino_ = st.ino;
  }
  Result<size_t> ReadAt(std::span<std::byte> dst, uint64_t offset) override {
    for (;;) {
      const ssize_t n = pread(fd_.get(), dst.data(), dst.size(), static_cast<off_t>(offset));
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return HostErrno();
    }
  }
  Result<uint64_t> Size() override {
    ASSIGN_OR_RETURN(abi::linux::Stat st, kekkai::gofer::StatFd(fd_.get()));
    return static_cast<uint64_t>(st.size);
  }
  uint64_t device() const override { return device_; }
  uint64_t inode() const override { return ino_; }
  std::string path() const override { return path_; }

 private:
  static FileDescriptor Dup(int fd) { return FileDescriptor(fcntl(fd, F_DUPFD_CLOEXEC, 0)); }
  const FileDescriptor fd_;
  const uint64_t device_;
  const std::string path_;
  uint64_t ino_ = 0;
};

}  // namespace

Result<size_t> GoferFile::ReadAt(sentry::usermem::IoSequence& dst, uint64_t offset) {
  std::vector<std::byte> buf(std::min<uint64_t>(dst.remaining(), kChunk));
  size_t done = 0;
  while (dst.remaining() > 0) {
    const size_t want = std::min<uint64_t>(dst.remaining(), buf.size());
    ssize_t n = pread(fd_.get(), buf.data(), want, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (done > 0) break;
      return HostErrno();
    }
    if (n == 0) break;
    Result<size_t> c = dst.CopyOut(std::span(buf.data(), static_cast<size_t>(n)));
    if (!c.ok()) {
      if (done > 0) break;
      return c.error();
    }
    done += *c;
    if (*c < static_cast<size_t>(n) || static_cast<size_t>(n) < want) break;
  }
  return done;
}

Result<size_t> GoferFile::Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) {
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
    size_t written = 0;
    while (written < *c) {
      // An O_APPEND host fd appends whatever offset pwrite names.
      ssize_t n = append ? write(fd_.get(), buf.data() + written, *c - written)
                         : pwrite(fd_.get(), buf.data() + written, *c - written,
                                  static_cast<off_t>(*offset + done + written));
      if (n < 0) {
        if (errno == EINTR) continue;
        if (done + written > 0) return done + written;
        return HostErrno();
      }
      written += static_cast<size_t>(n);
    }
    done += written;
    if (*c < want) break;
  }
  return done;
}

Result<size_t> GoferFile::Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) {
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
  for (;;) {
    const ssize_t n = pread(fd_.get(), dst.data(), dst.size(), static_cast<off_t>(offset));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return HostErrno();
  }
}

Result<void> GoferFile::Sync() {
  if (fsync(fd_.get()) != 0) return HostErrno();
  return Ok();
}

Result<void> GoferFile::Allocate(uint32_t mode, uint64_t offset, uint64_t len) {
  if (fallocate(fd_.get(), static_cast<int>(mode), static_cast<off_t>(offset),
                static_cast<off_t>(len)) != 0) {
    return HostErrno();
  }
  return Ok();
}

std::shared_ptr<sentry::memmap::Mappable> GoferFile::GetMappable() {
  return std::make_shared<GoferMappable>(fd_.get(), device_, path());
}

}  // namespace kekkai::fs::gofer

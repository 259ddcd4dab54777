#include "fs/hostview/host_regular_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "abi/linux/types.h"
#include "fs/hostview/host_stat.h"

namespace kekkai::fs::hostview {

namespace {

// Bounds the sentry buffer one read goes through (the guest's count can be anything).
constexpr size_t kChunk = 128 << 10;
constexpr uint64_t kMaxOffset = std::numeric_limits<int64_t>::max();

// Reads up to dst.size() bytes at `offset`, retrying short reads until EOF.
Result<size_t> PReadFull(int fd, std::span<std::byte> dst, uint64_t offset) {
  if (offset > kMaxOffset) return Errno(EINVAL);
  size_t done = 0;
  while (done < dst.size()) {
    ssize_t n = pread(fd, dst.data() + done, dst.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (done > 0) break;
      return LastErrno();
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace

HostMappable::HostMappable(FileDescriptor fd, uint64_t device, uint64_t inode, std::string path)
    : fd_(std::move(fd)), device_(device), inode_(inode), path_(std::move(path)) {}

Result<size_t> HostMappable::ReadAt(std::span<std::byte> dst, uint64_t offset) {
  return PReadFull(fd_.get(), dst, offset);
}

Result<uint64_t> HostMappable::Size() {
  struct stat st;
  if (fstat(fd_.get(), &st) != 0) return LastErrno();
  return static_cast<uint64_t>(st.st_size);
}

HostRegularFile::HostRegularFile(uint32_t flags, std::shared_ptr<HostMappable> file)
    : FileDescription(flags), file_(std::move(file)) {}

Result<size_t> HostRegularFile::Read(sentry::usermem::IoSequence& dst,
                                     std::optional<uint64_t> offset) {
  if (!readable()) return Errno(EBADF);
  std::unique_lock<std::mutex> lock(offset_mu_, std::defer_lock);
  if (!offset) lock.lock();
  uint64_t pos = offset.value_or(offset_);
  if (pos > kMaxOffset) return Errno(EINVAL);
  if (dst.remaining() == 0) return size_t{0};
  std::vector<std::byte> buf(std::min<uint64_t>(dst.remaining(), kChunk));
  size_t done = 0;
  while (dst.remaining() > 0) {
    const size_t want = std::min<uint64_t>(dst.remaining(), buf.size());
    Result<size_t> got = PReadFull(file_->fd(), std::span(buf.data(), want), pos);
    if (!got.ok()) {
      if (done > 0) break;
      return got.error();
    }
    if (*got == 0) break;
    Result<size_t> copied = dst.CopyOut(std::span(buf.data(), *got));
    if (!copied.ok()) {
      if (done > 0) break;
      return copied.error();
    }
    done += *copied;
    pos += *copied;
    if (*copied < *got || *got < want) break;  // the guest's buffer faulted, or EOF
  }
  if (!offset) offset_ = pos;
  return done;
}

Result<size_t> HostRegularFile::Write(sentry::usermem::IoSequence&, std::optional<uint64_t>) {
  return Errno(EBADF);
}

Result<uint64_t> HostRegularFile::Seek(int64_t offset, int whence) {
  std::lock_guard<std::mutex> lock(offset_mu_);
  int64_t base;
  switch (whence) {
    case abi::linux::kSeekSet:
      base = 0;
      break;
    case abi::linux::kSeekCur:
      base = static_cast<int64_t>(offset_);
      break;
    case abi::linux::kSeekEnd: {
      ASSIGN_OR_RETURN(uint64_t size, file_->Size());
      base = static_cast<int64_t>(size);
      break;
    }
    case abi::linux::kSeekData:
    case abi::linux::kSeekHole: {
      // The host knows where the data is; its own fd offset is unused (reads pread).
      off_t r = lseek(file_->fd(), offset, whence);
      if (r < 0) return LastErrno();
      offset_ = static_cast<uint64_t>(r);
      return offset_;
    }
    default:
      return Errno(EINVAL);
  }
  int64_t target;
  if (__builtin_add_overflow(base, offset, &target) || target < 0) return Errno(EINVAL);
  offset_ = static_cast<uint64_t>(target);
  return offset_;
}

Result<abi::linux::Stat> HostRegularFile::Stat() {
  struct stat st;
  if (fstat(file_->fd(), &st) != 0) return LastErrno();
  return ToLinuxStat(st);
}

Result<size_t> HostRegularFile::PRead(std::span<std::byte> dst, uint64_t offset) {
  return file_->ReadAt(dst, offset);
}

}  // namespace kekkai::fs::hostview

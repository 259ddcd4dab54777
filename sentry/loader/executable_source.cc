#include "sentry/loader/executable_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "base/logging.h"

namespace kekkai::sentry::loader {

Result<void> ReadFullAt(ExecutableSource& src, std::span<std::byte> dst, uint64_t offset) {
  size_t done = 0;
  while (done < dst.size()) {
    if (offset > std::numeric_limits<uint64_t>::max() - done) return Errno(ENOEXEC);
    ASSIGN_OR_RETURN(size_t n, src.ReadAt(dst.subspan(done), offset + done));
    if (n == 0) return Errno(ENOEXEC);
    done += std::min(n, dst.size() - done);
  }
  return Ok();
}

Result<HostFileSource> HostFileSource::Open(const char* path) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return LastErrno();
  return HostFileSource(FileDescriptor(fd));
}

Result<size_t> HostFileSource::ReadAt(std::span<std::byte> dst, uint64_t offset) {
  if (offset > static_cast<uint64_t>(std::numeric_limits<off_t>::max())) return size_t{0};
  for (;;) {
    const ssize_t n = pread(fd_.get(), dst.data(), dst.size(), static_cast<off_t>(offset));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    const Errno e = LastErrno();
    PLOG(ERROR) << "pread(fd=" << fd_.get() << ", offset=" << offset << ")";
    return e;
  }
}

Result<uint64_t> HostFileSource::Size() {
  struct stat st;
  if (fstat(fd_.get(), &st) != 0) {
    const Errno e = LastErrno();
    PLOG(ERROR) << "fstat(fd=" << fd_.get() << ")";
    return e;
  }
  if (st.st_size < 0) return Errno(EINVAL);
  return static_cast<uint64_t>(st.st_size);
}

Result<size_t> ByteSource::ReadAt(std::span<std::byte> dst, uint64_t offset) {
  if (offset >= bytes_.size()) return size_t{0};
  const size_t n = std::min<uint64_t>(dst.size(), bytes_.size() - offset);
  std::memcpy(dst.data(), bytes_.data() + offset, n);
  return n;
}

}  // namespace kekkai::sentry::loader

#include "fs/dev/mem_device.h"

#include <sys/random.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "base/logging.h"

namespace kekkai::fs::dev {

namespace {

// Bounds the sentry buffer one copy to or from the guest goes through.
constexpr size_t kChunk = 64 << 10;

}  // namespace

MemDevice::MemDevice(MemDeviceKind kind, uint32_t flags, std::string path,
                     const abi::linux::Stat& stat)
    : FileDescription(flags), kind_(kind), path_(std::move(path)), stat_(stat) {}

Result<void> MemDevice::Fill(std::span<std::byte> buf) {
  switch (kind_) {
    case MemDeviceKind::kNull:
      return Ok();
    case MemDeviceKind::kZero:
    case MemDeviceKind::kFull:
      std::memset(buf.data(), 0, buf.size());
      return Ok();
    case MemDeviceKind::kRandom:
    case MemDeviceKind::kUrandom: {
      size_t done = 0;
      while (done < buf.size()) {
        ssize_t n = getrandom(buf.data() + done, buf.size() - done, 0);
        if (n < 0) {
          if (errno == EINTR) continue;
          PLOG(ERROR) << "getrandom(" << buf.size() - done << ")";
          return LastErrno();
        }
        done += static_cast<size_t>(n);
      }
      return Ok();
    }
  }
  return Ok();
}

Result<size_t> MemDevice::Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t>) {
  if (!readable()) return Errno(EBADF);
  if (kind_ == MemDeviceKind::kNull) return size_t{0};
  const size_t want = std::min<uint64_t>(dst.remaining(), kMaxDeviceRead);
  std::vector<std::byte> buf(std::min(want, kChunk));
  size_t done = 0;
  while (done < want) {
    const size_t n = std::min(buf.size(), want - done);
    RETURN_IF_ERROR(Fill(std::span(buf.data(), n)));
    Result<size_t> copied = dst.CopyOut(std::span(buf.data(), n));
    if (!copied.ok()) {
      if (done > 0) break;
      return copied.error();
    }
    done += *copied;
    if (*copied < n) break;
  }
  return done;
}

Result<size_t> MemDevice::Write(sentry::usermem::IoSequence& src, std::optional<uint64_t>) {
  if (!writable()) return Errno(EBADF);
  switch (kind_) {
    case MemDeviceKind::kNull:
    case MemDeviceKind::kZero: {
      const uint64_t n = src.remaining();
      src.Advance(n);
      return static_cast<size_t>(n);
    }
    case MemDeviceKind::kFull:
      return Errno(ENOSPC);
    case MemDeviceKind::kRandom:
    case MemDeviceKind::kUrandom:
      break;
  }
  std::vector<std::byte> buf(std::min<uint64_t>(src.remaining(), kChunk));
  size_t done = 0;
  while (src.remaining() > 0) {
    const size_t n = std::min<uint64_t>(buf.size(), src.remaining());
    Result<size_t> copied = src.CopyIn(std::span(buf.data(), n));
    if (!copied.ok()) {
      if (done > 0) break;
      return copied.error();
    }
    done += *copied;
    if (*copied < n) break;
  }
  return done;
}

Result<uint64_t> MemDevice::Seek(int64_t, int) { return uint64_t{0}; }

Result<size_t> MemDevice::PRead(std::span<std::byte> dst, uint64_t) {
  if (kind_ == MemDeviceKind::kNull) return size_t{0};
  const size_t n = std::min(dst.size(), kMaxDeviceRead);
  RETURN_IF_ERROR(Fill(dst.first(n)));
  return n;
}

}  // namespace kekkai::fs::dev

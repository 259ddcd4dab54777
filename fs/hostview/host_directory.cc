#include "fs/hostview/host_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "base/logging.h"
#include "fs/hostview/dirent_buffer.h"
#include "fs/hostview/host_stat.h"

namespace kekkai::fs::hostview {

namespace {

// Bytes of host records read at a time: far more than one record (at most 280 bytes).
constexpr size_t kHostBatch = 32 << 10;

// One record of the host's getdents64 output.
struct HostDirent {
  uint64_t ino;
  int64_t off;
  uint16_t reclen;
  uint8_t type;
  std::string_view name;
};

// Parses the record at `p` (`avail` bytes left); false if it is malformed.
bool ParseDirent(const std::byte* p, size_t avail, HostDirent* out) {
  if (avail < kDirentHeaderSize) return false;
  std::memcpy(&out->ino, p, 8);
  std::memcpy(&out->off, p + 8, 8);
  std::memcpy(&out->reclen, p + 16, 2);
  std::memcpy(&out->type, p + 18, 1);
  if (out->reclen < kDirentHeaderSize + 1 || out->reclen > avail) return false;
  const char* name = reinterpret_cast<const char*>(p + kDirentHeaderSize);
  out->name = std::string_view(name, strnlen(name, out->reclen - kDirentHeaderSize));
  return true;
}

}  // namespace

HostDirectory::HostDirectory(uint32_t flags, FileDescriptor fd, std::string path,
                             std::shared_ptr<const Policy> policy, std::vector<Override> overrides)
    : FileDescription(flags),
      fd_(std::move(fd)),
      path_(std::move(path)),
      policy_(std::move(policy)),
      overrides_(std::move(overrides)) {}

Result<size_t> HostDirectory::Read(sentry::usermem::IoSequence&, std::optional<uint64_t>) {
  return Errno(EISDIR);
}

Result<size_t> HostDirectory::PRead(std::span<std::byte>, uint64_t) { return Errno(EISDIR); }

Result<size_t> HostDirectory::Write(sentry::usermem::IoSequence&, std::optional<uint64_t>) {
  return Errno(EBADF);
}

Result<uint64_t> HostDirectory::Seek(int64_t offset, int whence) {
  std::lock_guard<std::mutex> lock(offset_mu_);
  off_t r = lseek(fd_.get(), offset, whence);
  if (r < 0) return LastErrno();
  return static_cast<uint64_t>(r);
}

Result<abi::linux::Stat> HostDirectory::Stat() {
  struct stat st;
  if (fstat(fd_.get(), &st) != 0) return LastErrno();
  return ToLinuxStat(st);
}

bool HostDirectory::Hidden(std::string_view name, uint8_t type) const {
  if (name == "." || name == "..") return false;
  if (type == kDtUnknown) {
    // Some file systems leave d_type out: ask for the type (of the entry itself).
    const std::string n(name);
    struct stat st;
    if (fstatat(fd_.get(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return true;
    type = DirentType(st.st_mode);
  }
  if (type != kDtReg && type != kDtDir && type != kDtLnk) return true;
  std::string child = path_;
  if (child != "/") child += '/';
  child += name;
  return policy_->IsHidden(child);
}

Result<size_t> HostDirectory::Getdents(sentry::usermem::GuestMemory& mem, GuestAddr buf,
                                       size_t len) {
  std::lock_guard<std::mutex> lock(offset_mu_);
  const off_t start = lseek(fd_.get(), 0, SEEK_CUR);
  if (start < 0) return LastErrno();
  // Where the next call must resume: just after the last entry taken or skipped.
  off_t resume = start;
  DirentBuffer out(std::min(len, kMaxGetdentsBytes));
  std::vector<std::byte> host(kHostBatch);
  bool full = false;
  while (!full && out.empty()) {
    const long n = syscall(SYS_getdents64, fd_.get(), host.data(), host.size());
    if (n < 0) return LastErrno();
    if (n == 0) break;
    size_t pos = 0;
    while (pos < static_cast<size_t>(n)) {
      HostDirent d;
      if (!ParseDirent(host.data() + pos, static_cast<size_t>(n) - pos, &d)) {
        LOG(ERROR) << "getdents64 on " << path_ << ": malformed record at " << pos;
        return Errno(EIO);
      }
      pos += d.reclen;
      uint64_t ino = d.ino;
      uint8_t type = d.type;
      auto o = std::find_if(overrides_.begin(), overrides_.end(),
                            [&](const Override& ov) { return ov.name == d.name; });
      if (o != overrides_.end()) {
        ino = o->ino;
        type = o->type;
      } else if (Hidden(d.name, type)) {
        resume = d.off;
        continue;
      }
      if (d.name == ".." && path_ == "/") {
        // The root's parent is the root itself, whatever lies above it on the host.
        struct stat st;
        if (fstat(fd_.get(), &st) == 0) ino = st.st_ino;
      }
      if (!out.Append(ino, d.off, type, d.name)) {
        full = true;
        break;
      }
      resume = d.off;
    }
  }
  if (full && lseek(fd_.get(), resume, SEEK_SET) < 0) return LastErrno();
  if (out.empty()) {
    // Nothing fits (EINVAL), or the end of the directory (0).
    return full ? Result<size_t>(Errno(EINVAL)) : Result<size_t>(size_t{0});
  }
  if (!mem.CopyOutFull(buf, out.bytes()).ok()) {
    // Nothing was delivered: the next call starts where this one did.
    if (lseek(fd_.get(), start, SEEK_SET) < 0) PLOG(ERROR) << "lseek(" << path_ << ")";
    return Errno(EFAULT);
  }
  return out.bytes().size();
}

}  // namespace kekkai::fs::hostview

#include "fs/vfs/file_description.h"

#include "fs/vfs/dentry.h"
#include "fs/vfs/inode.h"
#include "fs/vfs/vfs.h"

namespace kekkai::fs::vfs {

Result<size_t> FileDescription::Read(sentry::usermem::IoSequence&, std::optional<uint64_t>) {
  return Errno(EINVAL);
}

Result<size_t> FileDescription::Write(sentry::usermem::IoSequence&, std::optional<uint64_t>) {
  return Errno(EINVAL);
}

Result<uint64_t> FileDescription::Seek(int64_t, int) { return Errno(ESPIPE); }

Result<uint64_t> FileDescription::Ioctl(sentry::usermem::GuestMemory&, uint32_t, uint64_t) {
  return Errno(ENOTTY);
}

Result<size_t> FileDescription::PRead(std::span<std::byte>, uint64_t) { return Errno(EINVAL); }

Result<size_t> FileDescription::Getdents(sentry::usermem::GuestMemory&, GuestAddr, size_t) {
  return Errno(ENOTDIR);
}

Result<abi::linux::Stat> FileDescription::Stat() {
  Inode* i = inode();
  if (i == nullptr) return Errno(EINVAL);
  return i->Stat();
}

Inode* FileDescription::inode() const {
  return location_.ok() ? location_.dentry->inode().get() : nullptr;
}

std::string FileDescription::path() const { return PathOf(location_); }

Result<void> FileDescription::Allocate(uint32_t, uint64_t, uint64_t) {
  return Errno(EOPNOTSUPP);
}

Result<uint64_t> FileDescription::SeekWithSize(int64_t offset, int whence, uint64_t size) {
  std::lock_guard<std::mutex> lock(offset_mu_);
  int64_t base;
  switch (whence) {
    case abi::linux::kSeekSet:
      base = 0;
      break;
    case abi::linux::kSeekCur:
      base = static_cast<int64_t>(offset_);
      break;
    case abi::linux::kSeekEnd:
      base = static_cast<int64_t>(size);
      break;
    case abi::linux::kSeekData:
    case abi::linux::kSeekHole:
      // The whole file is data, with a hole at its end.
      if (offset < 0) return Errno(EINVAL);
      if (static_cast<uint64_t>(offset) >= size) return Errno(ENXIO);
      offset_ = whence == abi::linux::kSeekData ? static_cast<uint64_t>(offset) : size;
      return offset_;
    default:
      return Errno(EINVAL);
  }
  int64_t target;
  if (__builtin_add_overflow(base, offset, &target) || target < 0) return Errno(EINVAL);
  offset_ = static_cast<uint64_t>(target);
  return offset_;
}

uint32_t FileDescription::Readiness(uint32_t mask) {
  return mask & (sentry::waiter::kEventIn | sentry::waiter::kEventOut);
}

void FileDescription::EventRegister(sentry::waiter::Entry*) {}
void FileDescription::EventUnregister(sentry::waiter::Entry*) {}

void FileDescription::SetStatusFlags(uint32_t flags) {
  uint32_t old = flags_.load(std::memory_order_relaxed);
  uint32_t updated;
  do {
    updated = (old & ~kSettableStatusFlags) | (flags & kSettableStatusFlags);
  } while (!flags_.compare_exchange_weak(old, updated));
}

}  // namespace kekkai::fs::vfs

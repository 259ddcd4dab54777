#include "fs/vfs/file_description.h"

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

Result<abi::linux::Stat> FileDescription::Stat() { return Errno(EINVAL); }

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

#include "fs/hostview/synthetic_directory.h"

#include <algorithm>
#include <utility>

#include "abi/linux/types.h"
#include "fs/hostview/dirent_buffer.h"

namespace kekkai::fs::hostview {

SyntheticDirectory::SyntheticDirectory(uint32_t flags, std::string path,
                                       const abi::linux::Stat& stat, std::vector<Entry> entries)
    : FileDescription(flags), path_(std::move(path)), stat_(stat), entries_(std::move(entries)) {}

Result<size_t> SyntheticDirectory::Read(sentry::usermem::IoSequence&, std::optional<uint64_t>) {
  return Errno(EISDIR);
}

Result<size_t> SyntheticDirectory::PRead(std::span<std::byte>, uint64_t) { return Errno(EISDIR); }

Result<size_t> SyntheticDirectory::Write(sentry::usermem::IoSequence&, std::optional<uint64_t>) {
  return Errno(EBADF);
}

Result<uint64_t> SyntheticDirectory::Seek(int64_t offset, int whence) {
  std::lock_guard<std::mutex> lock(offset_mu_);
  int64_t base;
  switch (whence) {
    case abi::linux::kSeekSet:
      base = 0;
      break;
    case abi::linux::kSeekCur:
      base = static_cast<int64_t>(offset_);
      break;
    default:
      return Errno(EINVAL);
  }
  int64_t target;
  if (__builtin_add_overflow(base, offset, &target) || target < 0) return Errno(EINVAL);
  offset_ = static_cast<uint64_t>(target);
  return offset_;
}

Result<size_t> SyntheticDirectory::Getdents(sentry::usermem::GuestMemory& mem, GuestAddr buf,
                                            size_t len) {
  std::lock_guard<std::mutex> lock(offset_mu_);
  DirentBuffer out(std::min(len, kMaxGetdentsBytes));
  uint64_t next = offset_;
  while (next < entries_.size()) {
    const Entry& e = entries_[next];
    if (!out.Append(e.ino, static_cast<int64_t>(next + 1), e.type, e.name)) break;
    ++next;
  }
  if (out.empty()) {
    if (next < entries_.size()) return Errno(EINVAL);
    return size_t{0};
  }
  RETURN_IF_ERROR(mem.CopyOutFull(buf, out.bytes()));
  offset_ = next;
  return out.bytes().size();
}

}  // namespace kekkai::fs::hostview

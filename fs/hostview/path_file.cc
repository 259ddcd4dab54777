#include "fs/hostview/path_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <utility>

#include "fs/hostview/host_stat.h"

namespace kekkai::fs::hostview {

PathFile::PathFile(uint32_t flags, std::string path, FileDescriptor fd,
                   const abi::linux::Stat& stat)
    : FileDescription(flags), path_(std::move(path)), fd_(std::move(fd)), stat_(stat) {}

Result<size_t> PathFile::Read(sentry::usermem::IoSequence&, std::optional<uint64_t>) {
  return Errno(EBADF);
}

Result<size_t> PathFile::Write(sentry::usermem::IoSequence&, std::optional<uint64_t>) {
  return Errno(EBADF);
}

Result<uint64_t> PathFile::Seek(int64_t, int) { return Errno(EBADF); }

Result<uint64_t> PathFile::Ioctl(sentry::usermem::GuestMemory&, uint32_t, uint64_t) {
  return Errno(EBADF);
}

Result<size_t> PathFile::PRead(std::span<std::byte>, uint64_t) { return Errno(EBADF); }

Result<size_t> PathFile::Getdents(sentry::usermem::GuestMemory&, GuestAddr, size_t) {
  return Errno(EBADF);
}

Result<abi::linux::Stat> PathFile::Stat() {
  if (!fd_.valid()) return stat_;
  struct stat st;
  if (fstatat(fd_.get(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) return LastErrno();
  return ToLinuxStat(st);
}

}  // namespace kekkai::fs::hostview

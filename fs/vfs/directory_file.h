// DirectoryFile: an open directory for any filesystem — getdents64(2) over the
// inode's listing with "." and ".." first. The listing is read when the offset is 0
// (at the first getdents64 and after a rewind), and offsets are positions in it, so
// a saved offset resumes where it was.
#ifndef KEKKAI_FS_VFS_DIRECTORY_FILE_H_
#define KEKKAI_FS_VFS_DIRECTORY_FILE_H_

#include <vector>

#include "fs/vfs/file_description.h"
#include "fs/vfs/inode.h"

namespace kekkai::fs::vfs {

class DirectoryFile : public FileDescription {
 public:
  DirectoryFile(uint32_t flags, InodeRef dir) : FileDescription(flags), dir_(std::move(dir)) {}

  Result<size_t> Read(sentry::usermem::IoSequence&, std::optional<uint64_t>) override {
    return Errno(EISDIR);
  }
  Result<size_t> Write(sentry::usermem::IoSequence&, std::optional<uint64_t>) override {
    return Errno(EBADF);
  }
  Result<size_t> PRead(std::span<std::byte>, uint64_t) override { return Errno(EISDIR); }
  // SEEK_SET and SEEK_CUR; EINVAL otherwise.
  Result<uint64_t> Seek(int64_t offset, int whence) override;
  Result<size_t> Getdents(sentry::usermem::GuestMemory& mem, GuestAddr buf, size_t len) override;
  Result<abi::linux::Stat> Stat() override { return dir_->Stat(); }
  std::string Name() const override { return path(); }

 private:
  // Reads the listing, "." and ".." first. Called with offset_mu_ held.
  Result<void> Refresh();

  const InodeRef dir_;
  std::vector<DirEntry> entries_;
};

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_DIRECTORY_FILE_H_

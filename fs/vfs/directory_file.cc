#include "fs/vfs/directory_file.h"

#include <algorithm>

#include "fs/vfs/dentry.h"
#include "fs/vfs/dirent_buffer.h"
#include "fs/vfs/mount.h"
#include "fs/vfs/vfs_internal.h"

namespace kekkai::fs::vfs {

Result<uint64_t> DirectoryFile::Seek(int64_t offset, int whence) {
  if (whence != abi::linux::kSeekSet && whence != abi::linux::kSeekCur) return Errno(EINVAL);
  return SeekWithSize(offset, whence, 0);
}

Result<void> DirectoryFile::Refresh() {
  ASSIGN_OR_RETURN(abi::linux::Stat self, dir_->Stat());
  uint64_t parent_ino = self.ino;
  // ".." is the parent in the tree, or this directory at a mount's root.
  const VirtualDentry& loc = location();
  if (loc.ok()) {
    InodeRef parent;
    {
      std::lock_guard<std::mutex> tree(TreeMutex());
      if (loc.dentry != loc.mount->root() && loc.dentry->parent_ != nullptr) {
        parent = loc.dentry->parent_->inode();
      }
    }
    if (parent != nullptr) {
      ASSIGN_OR_RETURN(abi::linux::Stat pst, parent->Stat());
      parent_ino = pst.ino;
    }
  }
  ASSIGN_OR_RETURN(std::vector<DirEntry> listed, dir_->ReadDir());
  entries_.clear();
  entries_.reserve(listed.size() + 2);
  entries_.push_back({".", self.ino, kDtDir});
  entries_.push_back({"..", parent_ino, kDtDir});
  for (DirEntry& e : listed) entries_.push_back(std::move(e));
  return Ok();
}

Result<size_t> DirectoryFile::Getdents(sentry::usermem::GuestMemory& mem, GuestAddr buf,
                                       size_t len) {
  std::lock_guard<std::mutex> lock(offset_mu_);
  // A removed directory lists nothing, not even "." (Linux: ENOENT).
  if (location().ok() && IsDead(location())) return Errno(ENOENT);
  if (offset_ == 0 || entries_.empty()) RETURN_IF_ERROR(Refresh());
  DirentBuffer out(std::min(len, kMaxGetdentsBytes));
  uint64_t next = offset_;
  while (next < entries_.size()) {
    const DirEntry& e = entries_[next];
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

}  // namespace kekkai::fs::vfs

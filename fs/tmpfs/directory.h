// Directory: a tmpfs directory — a map of names to inodes. Its link count is 2
// plus its subdirectories, its mtime and ctime change with its entries, and its
// size is Linux tmpfs's: 20 bytes per entry, "." and ".." included.
#ifndef KEKKAI_FS_TMPFS_DIRECTORY_H_
#define KEKKAI_FS_TMPFS_DIRECTORY_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fs/tmpfs/node.h"

namespace kekkai::fs::tmpfs {

class Directory final : public Node {
 public:
  // Frees the subtree iteratively: a guest can nest directories arbitrarily deep.
  ~Directory() override;

  // A new, empty directory (link count 2). `node.mode` must say S_IFDIR.
  Directory(std::shared_ptr<Tmpfs> fs, const vfs::NewNode& node);

  Result<vfs::InodeRef> Lookup(std::string_view name) override;
  // Entries in name order.
  Result<std::vector<vfs::DirEntry>> ReadDir() override;
  Result<std::pair<vfs::InodeRef, vfs::FileRef>> CreateFile(std::string_view name,
                                                            const vfs::NewNode& node,
                                                            uint32_t flags) override;
  // Makes a FIFO, socket or device node (or an empty regular file).
  Result<vfs::InodeRef> Mknod(std::string_view name, const vfs::NewNode& node) override;
  Result<vfs::InodeRef> Mkdir(std::string_view name, const vfs::NewNode& node) override;
  Result<vfs::InodeRef> Symlink(std::string_view name, std::string_view target,
                                const vfs::NewNode& node) override;
  // EXDEV for an inode of another filesystem; EPERM for a directory.
  Result<void> Link(std::string_view name, const vfs::InodeRef& target) override;
  Result<void> Unlink(std::string_view name, vfs::Inode& child) override;
  Result<void> Rmdir(std::string_view name, vfs::Inode& child) override;
  // Moves, replaces or (RENAME_EXCHANGE) swaps entries, here or with another
  // directory of this filesystem (EXDEV otherwise), fixing the directories'
  // link counts when a directory changes parent. RENAME_WHITEOUT is EINVAL.
  Result<void> Rename(std::string_view name, vfs::Inode& child, vfs::Inode& new_dir,
                      std::string_view new_name, vfs::Inode* replaced, uint32_t flags) override;
  // Creates an unnamed regular file (link count 0): O_TMPFILE and memfd_create.
  Result<std::pair<vfs::InodeRef, vfs::FileRef>> CreateTmpfile(const vfs::NewNode& node,
                                                               uint32_t flags) override;
  // Opens a vfs::DirectoryFile.
  Result<vfs::FileRef> Open(uint32_t flags) override;

 protected:
  void FillStatLocked(abi::linux::Stat& st) const override;

 private:
  // Adds `child` as `name` (absent, checked here: EEXIST) and updates the
  // directory's times and, for a subdirectory, its link count. ENOENT once the
  // directory was removed.
  Result<void> AddChild(std::string_view name, vfs::InodeRef child);
  // Returns whether the directory has no entries.
  bool empty() const;

  // Guarded by mu_.
  std::map<std::string, vfs::InodeRef, std::less<>> children_;
  // Removed by rmdir or renamed over: nothing may be created in it.
  bool removed_ = false;
};

}  // namespace kekkai::fs::tmpfs

#endif  // KEKKAI_FS_TMPFS_DIRECTORY_H_

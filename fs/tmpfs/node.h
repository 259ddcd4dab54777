// Node: what every tmpfs inode keeps — owner, mode, link count and times — and
// the inodes that keep nothing more: symlinks (their target) and special files
// (FIFOs, sockets, character and block devices).
#ifndef KEKKAI_FS_TMPFS_NODE_H_
#define KEKKAI_FS_TMPFS_NODE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "abi/linux/types.h"
#include "base/result.h"
#include "fs/pipe/pipe.h"
#include "fs/tmpfs/tmpfs.h"
#include "fs/vfs/inode.h"

namespace kekkai::fs::tmpfs {

class Node : public vfs::Inode {
 public:
  // A node of `fs` with `node`'s mode, owner and device number, one link, and
  // all times now.
  Node(std::shared_ptr<Tmpfs> fs, const vfs::NewNode& node);
  // Gives back the pages its extended attributes were charged.
  ~Node() override;

  Result<abi::linux::Stat> Stat() override;
  // Sets mode, owner and times as given; a size through Truncate.
  Result<void> SetStat(const vfs::SetAttr& attr) override;
  vfs::Filesystem& filesystem() override { return *fs_; }
  // Extended attributes of any namespace, kept with the node. Names and values
  // together hold at most kXattrSpace bytes per node (ENOSPC), and are charged
  // to the filesystem's size in whole pages, as file data is.
  Result<std::string> GetXattr(std::string_view name) override;
  Result<void> SetXattr(std::string_view name, std::string_view value, uint32_t flags) override;
  Result<std::vector<std::string>> ListXattr() override;
  Result<void> RemoveXattr(std::string_view name) override;
  static constexpr size_t kXattrSpace = 128 * 1024;

  Tmpfs& fs() const { return *fs_; }
  const std::shared_ptr<Tmpfs>& fs_ref() const { return fs_; }
  uint64_t ino() const { return ino_; }
  // Returns the link count now.
  uint64_t nlink() const;

  // Counts one more name for this node (link(2)) and sets ctime.
  void AddName(const abi::linux::Timespec& now);
  // Counts one name fewer (unlink(2), renamed over) and sets ctime.
  void DropName(const abi::linux::Timespec& now);
  // Sets ctime (the node was renamed).
  void TouchCtime(const abi::linux::Timespec& now);
  // Updates atime for a read as a relatime mount does: only when it is not
  // newer than mtime or ctime, or is a day old.
  void TouchAtime(const abi::linux::Timespec& now);

 protected:
  // Adds what only the subclass knows (size, blocks) to `st`. Called with mu_
  // held.
  virtual void FillStatLocked(abi::linux::Stat& st) const { (void)st; }
  // Changes the size (SetStat with kSize), without mu_ held: EINVAL unless a
  // regular file overrides it.
  virtual Result<void> Truncate(uint64_t size);

  // Guards the attributes below and the subclass's state. A leaf lock: held
  // neither while taking another node's nor while touching guest memory.
  mutable std::mutex mu_;
  uint32_t mode_;  // Type and permission bits.
  uint32_t uid_, gid_;
  uint64_t nlink_ = 1;
  const uint64_t rdev_;
  abi::linux::Timespec atime_, mtime_, ctime_;
  std::map<std::string, std::string, std::less<>> xattrs_;
  size_t xattr_bytes_ = 0;  // Names and values in xattrs_.

 private:
  const std::shared_ptr<Tmpfs> fs_;
  const uint64_t ino_;
};

// A symbolic link: its target, fixed at creation.
class SymlinkNode final : public Node {
 public:
  SymlinkNode(std::shared_ptr<Tmpfs> fs, const vfs::NewNode& node, std::string target);

  Result<std::string> Readlink() override;
  // ELOOP: the VFS follows symlinks, and O_PATH opens never reach the inode.
  Result<vfs::FileRef> Open(uint32_t flags) override;

 protected:
  void FillStatLocked(abi::linux::Stat& st) const override;

 private:
  const std::string target_;
};

// A FIFO, socket, or character or block device node: attributes only.
class SpecialNode final : public Node {
 public:
  SpecialNode(std::shared_ptr<Tmpfs> fs, const vfs::NewNode& node);

  // A FIFO opens its pipe as fifo(7) says (pipe::OpenFifo; the opener waits for
  // OpenPending). Device nodes answer ENXIO until a device registry comes; a
  // socket file is never opened (ENXIO, as Linux).
  Result<vfs::FileRef> Open(uint32_t flags) override;

 private:
  // A FIFO's pipe, shared by all its openers; null for other types.
  const std::shared_ptr<pipe::Pipe> pipe_;
};

}  // namespace kekkai::fs::tmpfs

#endif  // KEKKAI_FS_TMPFS_NODE_H_

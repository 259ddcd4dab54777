// GoferInode: one node of a gofer-served tree (see gofer_fs.h).
#ifndef KEKKAI_FS_GOFER_GOFER_INODE_H_
#define KEKKAI_FS_GOFER_GOFER_INODE_H_

#include <map>
#include <mutex>
#include <string>

#include "base/file_descriptor.h"
#include "fs/gofer/gofer_fs.h"
#include "fs/vfs/inode.h"

namespace kekkai::fs::gofer {

class GoferInode final : public vfs::Inode {
 public:
  GoferInode(GoferFs& fs, kekkai::gofer::Node node);
  ~GoferInode() override;

  kekkai::gofer::Fid fid() const { return fid_; }

  Result<abi::linux::Stat> Stat() override;
  Result<void> SetStat(const vfs::SetAttr& attr) override;
  Result<vfs::InodeRef> Lookup(std::string_view name) override;
  Result<std::vector<vfs::DirEntry>> ReadDir() override;
  Result<std::pair<vfs::InodeRef, vfs::FileRef>> CreateFile(std::string_view name,
                                                            const vfs::NewNode& node,
                                                            uint32_t flags) override;
  Result<vfs::InodeRef> Mknod(std::string_view name, const vfs::NewNode& node) override;
  Result<vfs::InodeRef> Mkdir(std::string_view name, const vfs::NewNode& node) override;
  Result<vfs::InodeRef> Symlink(std::string_view name, std::string_view target,
                                const vfs::NewNode& node) override;
  Result<void> Link(std::string_view name, const vfs::InodeRef& target) override;
  Result<void> Unlink(std::string_view name, vfs::Inode& child) override;
  Result<void> Rmdir(std::string_view name, vfs::Inode& child) override;
  Result<void> Rename(std::string_view name, vfs::Inode& child, vfs::Inode& new_dir,
                      std::string_view new_name, vfs::Inode* replaced, uint32_t flags) override;
  Result<vfs::InodeRef> MakeMountpoint(std::string_view name) override;
  Result<std::string> Readlink() override;
  // Extended attributes of the host file (the gofer's: regular files and
  // directories only, user.* writable).
  Result<std::string> GetXattr(std::string_view name) override;
  Result<void> SetXattr(std::string_view name, std::string_view value, uint32_t flags) override;
  Result<std::vector<std::string>> ListXattr() override;
  Result<void> RemoveXattr(std::string_view name) override;
  Result<vfs::FileRef> Open(uint32_t flags) override;
  vfs::Filesystem& filesystem() override { return fs_; }

 private:
  // A host stat as this filesystem shows it (its own st_dev).
  abi::linux::Stat Present(abi::linux::Stat st) const;
  // Whether `name` is a sandbox-only mount point here.
  vfs::InodeRef Synthetic(std::string_view name);
  // Returns the page cache of the host file open at `fd` (borrowed).
  Result<std::shared_ptr<FileCache>> CacheFor(int fd);

  GoferFs& fs_;
  const kekkai::gofer::Fid fid_;
  const FileDescriptor path_fd_;
  std::mutex mu_;
  std::map<std::string, vfs::InodeRef, std::less<>> synthetic_;
};

}  // namespace kekkai::fs::gofer

#endif  // KEKKAI_FS_GOFER_GOFER_INODE_H_

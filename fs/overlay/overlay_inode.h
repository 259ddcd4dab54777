// OverlayInode: one file of an overlay (see overlay_fs.h) — its upper inode (none
// until copied up) and its lower one (for a directory, the one merged with it;
// none once a non-directory is copied up).
#ifndef KEKKAI_FS_OVERLAY_OVERLAY_INODE_H_
#define KEKKAI_FS_OVERLAY_OVERLAY_INODE_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fs/overlay/overlay_fs.h"
#include "fs/vfs/inode.h"

namespace kekkai::fs::overlay {

class OverlayInode final : public vfs::Inode {
 public:
  // A file of `fs` of `type` showing st_ino `ino`. `fs` outlives its inodes (the
  // VFS drops dentries before mounts).
  OverlayInode(OverlayFs& fs, uint32_t type, uint64_t ino, vfs::InodeRef upper,
               vfs::InodeRef lower);
  // Lets go of the parents only this inode held without recursing: a guest can
  // make directory chains of any depth.
  ~OverlayInode() override;

  // The upper layer's attributes if copied up, else the lower's, with the
  // overlay's st_dev and st_ino. A directory merging both layers has st_nlink 1,
  // as Linux's (counting subdirectories across layers is not worth it).
  Result<abi::linux::Stat> Stat() override;
  // Copies up (the data only up to a new size), then changes the upper inode.
  Result<void> SetStat(const vfs::SetAttr& attr) override;

  Result<vfs::InodeRef> Lookup(std::string_view name) override;
  // Upper entries (but whiteouts) first, then lower entries not hidden by them.
  Result<std::vector<vfs::DirEntry>> ReadDir() override;
  Result<std::pair<vfs::InodeRef, vfs::FileRef>> CreateFile(std::string_view name,
                                                            const vfs::NewNode& node,
                                                            uint32_t flags) override;
  // EPERM for a character device 0:0: that is a whiteout.
  Result<vfs::InodeRef> Mknod(std::string_view name, const vfs::NewNode& node) override;
  Result<vfs::InodeRef> Mkdir(std::string_view name, const vfs::NewNode& node) override;
  Result<vfs::InodeRef> Symlink(std::string_view name, std::string_view target,
                                const vfs::NewNode& node) override;
  Result<void> Link(std::string_view name, const vfs::InodeRef& target) override;
  Result<void> Unlink(std::string_view name, vfs::Inode& child) override;
  Result<void> Rmdir(std::string_view name, vfs::Inode& child) override;
  Result<void> Rename(std::string_view name, vfs::Inode& child, vfs::Inode& new_dir,
                      std::string_view new_name, vfs::Inode* replaced, uint32_t flags) override;
  // A directory made in the upper layer: a mount point never touches the lower.
  Result<vfs::InodeRef> MakeMountpoint(std::string_view name) override;
  Result<std::pair<vfs::InodeRef, vfs::FileRef>> CreateTmpfile(const vfs::NewNode& node,
                                                               uint32_t flags) override;
  Result<std::string> Readlink() override;
  Result<std::string> GetXattr(std::string_view name) override;
  Result<void> SetXattr(std::string_view name, std::string_view value, uint32_t flags) override;
  Result<std::vector<std::string>> ListXattr() override;
  Result<void> RemoveXattr(std::string_view name) override;
  // A directory: a vfs::DirectoryFile over the merged listing. A regular file: an
  // OverlayFile (copied up first when opened for writing). Anything else: the
  // layer's own open file.
  Result<vfs::FileRef> Open(uint32_t flags) override;
  vfs::Filesystem& filesystem() override;

  // Returns the upper inode, or nullptr while only the lower layer has the file.
  vfs::InodeRef upper() const;

 private:
  friend class OverlayFs;

  // Where the file has a name: its directory and the name there.
  using Place = std::pair<OverlayRef, std::string>;

  struct Layers {
    vfs::InodeRef upper, lower;
  };
  Layers layers() const;
  // The upper inode if copied up, else the lower one.
  Result<vfs::InodeRef> Current() const;
  OverlayRef self() { return std::static_pointer_cast<OverlayInode>(shared_from_this()); }

  // Makes the inode for `uc`, the upper entry `name` of this directory (lower
  // directory `lower`, or nullptr).
  Result<vfs::InodeRef> FromUpper(vfs::InodeRef uc, std::string_view name,
                                  const vfs::InodeRef& lower);
  // Makes (or finds, for a linked file) the inode for `lc`, the lower entry `name`.
  Result<vfs::InodeRef> FromLower(vfs::InodeRef lc, std::string_view name);

  // Makes the new upper inode `name` in `dir` (over_whiteout: `dir` is the work
  // directory and `name` a temporary one, to be renamed over a whiteout).
  using MakeUpper = std::function<Result<vfs::InodeRef>(vfs::Inode& dir, std::string_view name,
                                                        bool over_whiteout)>;
  // Creates `name` in this directory (copied up first) with `make`: straight in
  // the upper directory when the name is free, or made in the work directory and
  // renamed over the whiteout there (`undo` runs if that rename fails). Returns
  // the new overlay inode, named here. Requires fs_.mutate_mu_.
  Result<OverlayRef> CreateUpperLocked(std::string_view name, const MakeUpper& make,
                                       const std::function<void()>& undo = nullptr);

  // ---- Copy-up (overlay_copy_up.cc). All require fs_.mutate_mu_. ----
  // Copies this file up, its parent chain first. A regular file's data is copied
  // up to `size_limit` bytes.
  Result<void> CopyUpLocked(uint64_t size_limit = UINT64_MAX);
  // Copies this file up into `dir` (copied up) as `name`, or unnamed when `dir` is
  // nullptr.
  Result<void> CopyUpOneLocked(const OverlayRef& dir, std::string_view name, uint64_t size_limit);
  // Makes sure the upper directory of `dir` (copied up) has this file (copied up
  // or not) at `name`: copies it up there, or links its upper copy there.
  Result<void> EnsureUpperEntryLocked(const OverlayRef& dir, std::string_view name);
  // The path of this directory's lower directory from the lower root.
  Result<std::vector<std::string>> LowerPathLocked();

  // ---- Names. ----
  void AddPlace(const OverlayRef& dir, std::string_view name);
  void RemovePlace(const OverlayInode* dir, std::string_view name);
  std::optional<Place> FirstPlace() const;

  OverlayFs& fs_;
  const uint64_t ino_;
  mutable std::mutex mu_;  // Guards what follows.
  vfs::InodeRef upper_;
  vfs::InodeRef lower_;
  // The names the VFS knows this file by (a directory has one), holding the
  // parents: copy-up needs the chain to the root.
  std::vector<Place> places_;
  // A directory renamed away from its lower directory's place.
  std::optional<std::vector<std::string>> redirect_;
  bool linked_ = false;           // A lower file with several names (OverlayFs::LinkedFile).
  abi::linux::Stat linked_st_{};  // Its lower attributes when first seen.
  bool removed_ = false;          // A removed directory: it lists nothing.
};

}  // namespace kekkai::fs::overlay

#endif  // KEKKAI_FS_OVERLAY_OVERLAY_INODE_H_

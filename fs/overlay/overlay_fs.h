// OverlayFs: a union of a writable upper layer (tmpfs, in the sandbox) over a
// read-only lower layer (any tree: the gofer-served rootfs), as Linux's overlayfs
// and gVisor's fsimpl/overlay. Guest writes go to the upper layer; the lower layer
// is never written.
//
// - Lookups try the upper layer first. A whiteout there (a character device 0:0,
//   as Linux's) hides the lower name; an opaque upper directory hides the whole
//   lower directory.
// - Anything changed is first copied up (its parent chain first): data, mode,
//   owner, atime/mtime and extended attributes. Copies are made in a work
//   directory of the upper tmpfs and renamed into place, so no half-made copy is
//   ever visible.
// - Removing a name the lower layer has leaves a whiteout; a directory made over a
//   whiteout is opaque.
// - Renaming a directory that has a lower layer (Linux's redirect_dir, never
//   EXDEV): only the directory itself is copied up and it is marked with a
//   redirect, the path of its lower directory from the lower root. Its children
//   stay where they are in the lower layer and are found through the redirect, so
//   a rename costs the same whatever the directory holds.
// - Hard links: the names of one lower file (nlink > 1, identified by its
//   attributes, see LinkedFile) share one overlay inode, so a copy-up through one
//   name is seen through the others; a name that later needs its own upper entry
//   (rename) links the upper copy there. st_nlink counts the upper names plus the
//   lower names not yet hidden.
// - st_dev is the overlay's; st_ino is the lower file's for anything that came
//   from the lower layer (stable across copy-up), and the upper's with bit 63 set
//   for what exists only in the upper layer.
//
// Where the overlay keeps its marks: in its own memory (UpperNote), keyed by the
// upper inode, not in the upper's extended attributes — the guest never sees or
// changes them, and they go when the upper inode does.
#ifndef KEKKAI_FS_OVERLAY_OVERLAY_FS_H_
#define KEKKAI_FS_OVERLAY_OVERLAY_FS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "abi/linux/types.h"
#include "base/result.h"
#include "fs/tmpfs/tmpfs.h"
#include "fs/vfs/inode.h"

namespace kekkai::fs::overlay {

class OverlayInode;
using OverlayRef = std::shared_ptr<OverlayInode>;

// Bit 63 marks inode numbers of files that exist only in the upper layer.
inline constexpr uint64_t kUpperInoBit = uint64_t{1} << 63;
// OVERLAYFS_SUPER_MAGIC, what statfs(2) reports as f_type.
inline constexpr int64_t kOverlayMagic = 0x794c7630;

class OverlayFs final : public vfs::Filesystem {
 public:
  // Creates an overlay of `upper` (a tmpfs of its own: the overlay owns every
  // tree in it) over the directory `lower_root` of `lower` (which the overlay
  // keeps alive: its inodes may refer to it), showing st_dev `device`. The root
  // takes the lower root's mode, owner and times.
  static Result<std::shared_ptr<OverlayFs>> Create(std::shared_ptr<tmpfs::Tmpfs> upper,
                                                   std::shared_ptr<vfs::Filesystem> lower,
                                                   vfs::InodeRef lower_root, uint64_t device);
  ~OverlayFs() override;

  std::string_view type_name() const override { return "overlay"; }
  // The upper tmpfs's figures, with f_type OVERLAYFS_SUPER_MAGIC (as Linux).
  Result<abi::linux::Statfs> Statfs() override;

  // Returns the root directory (the same inode each time).
  vfs::InodeRef Root() const;
  uint64_t device() const { return device_; }

 private:
  friend class OverlayInode;
  struct Passkey {};

 public:
  OverlayFs(Passkey, std::shared_ptr<tmpfs::Tmpfs> upper, std::shared_ptr<vfs::Filesystem> lower,
            vfs::InodeRef lower_root, uint64_t device);

 private:
  // What the overlay knows about an upper inode beyond what tmpfs keeps.
  struct UpperNote {
    std::weak_ptr<vfs::Inode> upper;  // To tell a live entry from a reused address.
    bool opaque = false;              // A directory hiding its lower namesake.
    // A renamed directory: the path of its lower directory from the lower root.
    std::optional<std::vector<std::string>> redirect;
    std::optional<uint64_t> origin_ino;  // Copied up from a lower file with this ino.
    bool linked = false;                 // ... which had several names (LinkedFile).
  };
  // A lower file with more than one name: its attributes when first seen (they
  // identify it: the lower layer's st_dev may be one for several host
  // filesystems, so the ino alone does not), the overlay inode its names share,
  // and how many of its lower names are hidden now (whited out, renamed over, or
  // replaced by an upper entry).
  struct LinkedFile {
    abi::linux::Stat lower_st;
    std::weak_ptr<OverlayInode> weak;  // While only the lower layer has it.
    OverlayRef strong;                 // Once copied up: kept for good.
    uint64_t hidden = 0;
  };

  // Returns the note of `upper` (an empty one if none).
  UpperNote Note(const vfs::Inode& upper);
  // Replaces the note of `upper`.
  void SetNote(const vfs::InodeRef& upper, UpperNote note);
  // Forgets `upper`'s note (it left the upper tree).
  void DropNote(const vfs::Inode& upper);

  // Returns the overlay inode the names of the lower file `lower` (stat `st`,
  // nlink > 1) share, made if needed; `parent`/`name` is the name it was found by.
  OverlayRef SharedLinked(const abi::linux::Stat& st, vfs::InodeRef lower, const OverlayRef& parent,
                          std::string_view name);
  // Returns the entry of the linked lower file `st` (nullptr if none). Requires
  // notes_mu_.
  LinkedFile* FindLinkedLocked(const abi::linux::Stat& st);
  // Marks `inode` (a linked file) as copied up: it is kept for good.
  void PinLinked(const OverlayRef& inode);
  // Counts one more hidden lower name of `inode`'s linked lower file.
  void HideLinkedName(const OverlayInode& inode);
  // Returns how many lower names of `inode`'s linked lower file are hidden.
  uint64_t HiddenLinkedNames(const OverlayInode& inode);
  // Returns the copied-up linked file of lower st_ino `ino` whose upper inode is
  // `upper`, or nullptr.
  OverlayRef LinkedByUpper(const vfs::Inode& upper, uint64_t ino);

  // Returns a fresh name for the work directory.
  std::string TempName();
  // Walks `path` from the lower root.
  Result<vfs::InodeRef> WalkLower(const std::vector<std::string>& path);

  std::shared_ptr<tmpfs::Tmpfs> upper_fs_;
  // Declared before every inode reference: destroyed after them.
  std::shared_ptr<vfs::Filesystem> lower_fs_;
  vfs::InodeRef lower_root_;
  vfs::InodeRef work_;  // The work directory: a tree of its own in the upper tmpfs.
  const uint64_t device_;
  OverlayRef root_;
  // Serializes everything that changes the upper layer (copy-up and every
  // directory operation): lookups and reads go on meanwhile.
  std::mutex mutate_mu_;
  // Guards notes_ and linked_. A leaf lock but for inodes' mu_, taken under it.
  std::mutex notes_mu_;
  std::unordered_map<const vfs::Inode*, UpperNote> notes_;
  std::multimap<uint64_t, LinkedFile> linked_;  // By lower st_ino.
  std::atomic<uint64_t> next_temp_{0};
};

}  // namespace kekkai::fs::overlay

#endif  // KEKKAI_FS_OVERLAY_OVERLAY_FS_H_

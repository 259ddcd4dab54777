// Whiteouts: what the upper layer holds to hide a lower name — a character device
// 0:0 with no permission bits, as Linux's overlayfs.
#ifndef KEKKAI_FS_OVERLAY_OVERLAY_WHITEOUT_H_
#define KEKKAI_FS_OVERLAY_OVERLAY_WHITEOUT_H_

#include <string_view>

#include "fs/vfs/inode.h"

namespace kekkai::fs::overlay {

// Returns whether the upper inode `inode` is a whiteout.
inline Result<bool> IsWhiteout(vfs::Inode& inode) {
  if (inode.type() != abi::linux::kSIfchr) return false;
  ASSIGN_OR_RETURN(abi::linux::Stat st, inode.Stat());
  return st.rdev == 0;
}

// Makes a whiteout `name` in the upper directory `dir`.
inline Result<vfs::InodeRef> MakeWhiteout(vfs::Inode& dir, std::string_view name) {
  return dir.Mknod(name, vfs::NewNode{abi::linux::kSIfchr, 0, 0, 0});
}

}  // namespace kekkai::fs::overlay

#endif  // KEKKAI_FS_OVERLAY_OVERLAY_WHITEOUT_H_

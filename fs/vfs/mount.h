// Mount: a filesystem's tree made visible at a place of another mount (Linux's
// struct vfsmount). The mount tree itself lives in the Vfs.
#ifndef KEKKAI_FS_VFS_MOUNT_H_
#define KEKKAI_FS_VFS_MOUNT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "fs/vfs/dentry.h"
#include "fs/vfs/inode.h"
#include "fs/vfs/virtual_dentry.h"

namespace kekkai::fs::vfs {

class Mount {
 public:
  Mount(std::shared_ptr<Filesystem> fs, DentryRef root, bool read_only, uint64_t id)
      : fs_(std::move(fs)), root_(std::move(root)), read_only_(read_only), id_(id) {}
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;

  Filesystem& filesystem() const { return *fs_; }
  const DentryRef& root() const { return root_; }
  bool read_only() const { return read_only_; }
  uint64_t id() const { return id_; }
  // Where this mount sits; empty for the namespace's root mount.
  const VirtualDentry& mountpoint() const { return mountpoint_; }

 private:
  friend class Vfs;

  const std::shared_ptr<Filesystem> fs_;
  const DentryRef root_;
  const bool read_only_;
  const uint64_t id_;
  VirtualDentry mountpoint_;
};

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_MOUNT_H_

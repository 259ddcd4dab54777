// VirtualDentry: a place in the file tree — a dentry as seen through one mount
// (Linux's struct path). Files remember where they were opened; tasks hold their
// root and working directory as these.
#ifndef KEKKAI_FS_VFS_VIRTUAL_DENTRY_H_
#define KEKKAI_FS_VFS_VIRTUAL_DENTRY_H_

#include <memory>

namespace kekkai::fs::vfs {

class Dentry;
class Mount;

struct VirtualDentry {
  std::shared_ptr<Mount> mount;
  std::shared_ptr<Dentry> dentry;

  bool ok() const { return dentry != nullptr; }
  bool operator==(const VirtualDentry& o) const {
    return mount == o.mount && dentry == o.dentry;
  }
};

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_VIRTUAL_DENTRY_H_

// Dentry: a name in the dentry cache — an inode under a name in its parent
// directory (Linux's struct dentry). The cache holds positive entries only; a
// dentry stays cached while its parent does, and is dropped from its parent when
// the name is unlinked or renamed over (it then is "dead": open files and working
// directories may still hold it). The tree fields are guarded by the owning Vfs's
// tree lock; the inode never changes.
#ifndef KEKKAI_FS_VFS_DENTRY_H_
#define KEKKAI_FS_VFS_DENTRY_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "fs/vfs/inode.h"

namespace kekkai::fs::vfs {

class Dentry;
using DentryRef = std::shared_ptr<Dentry>;

class Dentry {
 public:
  // A root dentry (no parent) for `inode`.
  explicit Dentry(InodeRef inode) : inode_(std::move(inode)) { Live().fetch_add(1); }
  Dentry(std::string name, DentryRef parent, InodeRef inode)
      : inode_(std::move(inode)), name_(std::move(name)), parent_(std::move(parent)) {
    Live().fetch_add(1);
  }
  // Frees the chain of parents only this dentry held without recursing: a guest
  // can leave arbitrarily long chains of removed directories behind one open fd.
  ~Dentry() {
    Live().fetch_sub(1);
    DentryRef p = std::move(parent_);
    while (p != nullptr && p.use_count() == 1) {
      DentryRef next = std::move(p->parent_);
      p = std::move(next);  // Frees the old one, whose parent_ is already empty.
    }
  }
  Dentry(const Dentry&) = delete;
  Dentry& operator=(const Dentry&) = delete;

  // How many dentries exist (the cache's size, plus those only files hold).
  static std::atomic<int64_t>& Live() {
    static std::atomic<int64_t> live{0};
    return live;
  }

  const InodeRef& inode() const { return inode_; }

 private:
  const InodeRef inode_;

 public:
  // The tree fields: guarded by TreeMutex() (fs/vfs/vfs_internal.h); only the VFS
  // core's own files touch them.
  std::string name_;
  DentryRef parent_;  // nullptr for a filesystem's root.
  std::map<std::string, DentryRef, std::less<>> children_;
  bool dead_ = false;
  bool tmpfile_ = false;  // An O_TMPFILE file: linkat may give it a name.
  int mounts_ = 0;  // How many mounts sit on this dentry.
};

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_DENTRY_H_

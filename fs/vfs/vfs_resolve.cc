// Vfs: mounts, the dentry cache and path resolution.
#include <time.h>

#include <algorithm>

#include "base/logging.h"
#include "fs/vfs/vfs.h"
#include "fs/vfs/vfs_internal.h"

namespace kekkai::fs::vfs {

std::mutex& TreeMutex() {
  static std::mutex mu;
  return mu;
}

// ---- Inode defaults. ----

Result<void> Inode::SetStat(const SetAttr&) { return Errno(EPERM); }
Result<InodeRef> Inode::Lookup(std::string_view) { return Errno(ENOTDIR); }
Result<std::vector<DirEntry>> Inode::ReadDir() { return Errno(ENOTDIR); }
Result<std::pair<InodeRef, FileRef>> Inode::CreateFile(std::string_view, const NewNode&,
                                                       uint32_t) {
  return Errno(is_dir() ? EPERM : ENOTDIR);
}
Result<InodeRef> Inode::Mknod(std::string_view, const NewNode&) {
  return Errno(is_dir() ? EPERM : ENOTDIR);
}
Result<InodeRef> Inode::Mkdir(std::string_view, const NewNode&) {
  return Errno(is_dir() ? EPERM : ENOTDIR);
}
Result<InodeRef> Inode::Symlink(std::string_view, std::string_view, const NewNode&) {
  return Errno(is_dir() ? EPERM : ENOTDIR);
}
Result<void> Inode::Link(std::string_view, const InodeRef&) {
  return Errno(is_dir() ? EPERM : ENOTDIR);
}
Result<void> Inode::Unlink(std::string_view, Inode&) { return Errno(is_dir() ? EPERM : ENOTDIR); }
Result<void> Inode::Rmdir(std::string_view, Inode&) { return Errno(is_dir() ? EPERM : ENOTDIR); }
Result<void> Inode::Rename(std::string_view, Inode&, Inode&, std::string_view, Inode*, uint32_t) {
  return Errno(is_dir() ? EPERM : ENOTDIR);
}
Result<InodeRef> Inode::MakeMountpoint(std::string_view) { return Errno(EROFS); }
Result<std::pair<InodeRef, FileRef>> Inode::CreateTmpfile(const NewNode&, uint32_t) {
  return Errno(EOPNOTSUPP);
}
Result<std::string> Inode::Readlink() { return Errno(EINVAL); }
Result<std::string> Inode::GetXattr(std::string_view) { return Errno(EOPNOTSUPP); }
Result<void> Inode::SetXattr(std::string_view, std::string_view, uint32_t) {
  return Errno(EOPNOTSUPP);
}
Result<std::vector<std::string>> Inode::ListXattr() { return std::vector<std::string>{}; }
Result<void> Inode::RemoveXattr(std::string_view) { return Errno(EOPNOTSUPP); }

// ---- Mounts. ----

Vfs::~Vfs() {
  // Parents and children point at each other: break the cycles. Inodes may refer
  // to their filesystem, which the mounts own: the dentries go first.
  std::vector<std::shared_ptr<Mount>> mounts;
  {
    std::lock_guard<std::mutex> lock(mounts_mu_);
    mounts = mount_order_;
  }
  std::vector<DentryRef> todo;
  for (const auto& m : mounts) todo.push_back(m->root());
  std::vector<DentryRef> dropped;
  {
    std::lock_guard<std::mutex> lock(TreeMutex());
    while (!todo.empty()) {
      DentryRef d = std::move(todo.back());
      todo.pop_back();
      for (auto& [name, child] : d->children_) {
        todo.push_back(child);
        // Without the parent links, freeing a deep chain doesn't recurse.
        child->parent_.reset();
        dropped.push_back(std::move(child));
      }
      d->children_.clear();
    }
  }
  // Inodes are destroyed outside the tree lock (a gofer inode talks to the gofer).
  dropped.clear();
  std::lock_guard<std::mutex> lock(mounts_mu_);
  mounts_.clear();
  mount_order_.clear();
  root_mount_.reset();
}

Result<void> Vfs::MountRoot(std::shared_ptr<Filesystem> fs, InodeRef root, bool read_only) {
  if (!root->is_dir()) return Errno(ENOTDIR);
  std::lock_guard<std::mutex> lock(mounts_mu_);
  if (root_mount_ != nullptr) return Errno(EBUSY);
  root_mount_ = std::make_shared<Mount>(std::move(fs), std::make_shared<Dentry>(std::move(root)),
                                        read_only, next_mount_id_++);
  mount_order_.push_back(root_mount_);
  return Ok();
}

std::vector<std::shared_ptr<Mount>> Vfs::Mounts() const {
  std::lock_guard<std::mutex> lock(mounts_mu_);
  return mount_order_;
}

VirtualDentry Vfs::root() const {
  std::lock_guard<std::mutex> lock(mounts_mu_);
  if (root_mount_ == nullptr) return {};
  return {root_mount_, root_mount_->root()};
}

Result<void> Vfs::MountAt(std::string_view path, std::shared_ptr<Filesystem> fs, InodeRef root,
                          bool read_only) {
  if (!root->is_dir()) return Errno(ENOTDIR);
  if (path.empty() || path[0] != '/') return Errno(EINVAL);
  VirtualDentry cur = this->root();
  if (!cur.ok()) return Errno(EINVAL);
  for (const std::string& name : SplitPath(path).components) {
    if (name == "." || name == "..") return Errno(EINVAL);
    Result<DentryRef> child = Child(cur.dentry, name);
    if (!child.ok() && child.error() == Errno(ENOENT)) {
      std::lock_guard<std::mutex> lock(mutate_mu_);
      Inode& dir = *cur.dentry->inode();
      // A filesystem that can make a sandbox-only mount point (a host tree, /dev)
      // does; others (tmpfs) make a real directory.
      Result<InodeRef> made = dir.MakeMountpoint(name);
      if (!made.ok() && made.error() == Errno(EROFS)) {
        made = dir.Mkdir(name, NewNode{abi::linux::kSIfdir | 0755, 0, 0, 0});
      }
      if (!made.ok()) return made.error();
      child = AddChild(cur.dentry, name, *std::move(made));
    }
    if (!child.ok()) return child.error();
    cur = FollowMounts({cur.mount, *child});
    if (cur.dentry->inode()->is_symlink()) return Errno(ELOOP);
    if (!cur.dentry->inode()->is_dir()) return Errno(ENOTDIR);
  }
  std::lock_guard<std::mutex> lock(mounts_mu_);
  auto mount = std::make_shared<Mount>(std::move(fs), std::make_shared<Dentry>(std::move(root)),
                                       read_only, next_mount_id_++);
  mount->mountpoint_ = cur;
  {
    std::lock_guard<std::mutex> tree(TreeMutex());
    ++cur.dentry->mounts_;
  }
  mounts_[{cur.mount.get(), cur.dentry.get()}] = mount;
  mount_order_.push_back(mount);
  return Ok();
}

VirtualDentry Vfs::Anonymous(std::shared_ptr<Mount> mount, InodeRef inode, std::string name) {
  auto dentry = std::make_shared<Dentry>(std::move(inode));
  dentry->name_ = std::move(name);
  dentry->dead_ = true;
  return {std::move(mount), std::move(dentry)};
}

std::shared_ptr<Mount> Vfs::MountOn(const VirtualDentry& vd) const {
  std::lock_guard<std::mutex> lock(mounts_mu_);
  auto it = mounts_.find({vd.mount.get(), vd.dentry.get()});
  return it == mounts_.end() ? nullptr : it->second;
}

VirtualDentry Vfs::FollowMounts(VirtualDentry vd) const {
  {
    std::lock_guard<std::mutex> tree(TreeMutex());
    if (vd.dentry->mounts_ == 0) return vd;
  }
  while (std::shared_ptr<Mount> m = MountOn(vd)) vd = {m, m->root()};
  return vd;
}

VirtualDentry Vfs::Up(VirtualDentry vd, const VirtualDentry& root) const {
  for (;;) {
    if (vd == root) return vd;
    if (vd.dentry == vd.mount->root()) {
      if (!vd.mount->mountpoint().ok()) return vd;  // The tree's root.
      vd = vd.mount->mountpoint();
      continue;
    }
    DentryRef parent;
    {
      std::lock_guard<std::mutex> tree(TreeMutex());
      parent = vd.dentry->parent_;
    }
    if (parent == nullptr) return vd;
    return FollowMounts({vd.mount, std::move(parent)});
  }
}

// ---- The dentry cache. ----

Result<DentryRef> Vfs::Child(const DentryRef& dir, std::string_view name) {
  if (name.size() > kNameMax) return Errno(ENAMETOOLONG);
  DentryRef cached;
  {
    std::lock_guard<std::mutex> tree(TreeMutex());
    if (dir->dead_) return Errno(ENOENT);
    auto it = dir->children_.find(name);
    if (it != dir->children_.end()) cached = it->second;
  }
  if (cached != nullptr) {
    if (cached->inode()->Valid()) return cached;
    std::lock_guard<std::mutex> tree(TreeMutex());
    auto it = dir->children_.find(name);
    if (it != dir->children_.end() && it->second == cached && cached->mounts_ == 0) {
      cached->dead_ = true;
      dir->children_.erase(it);
    }
  }
  ASSIGN_OR_RETURN(InodeRef inode, dir->inode()->Lookup(name));
  return AddChild(dir, name, std::move(inode));
}

DentryRef Vfs::AddChild(const DentryRef& dir, std::string_view name, InodeRef inode) {
  std::lock_guard<std::mutex> tree(TreeMutex());
  auto it = dir->children_.find(name);
  if (it != dir->children_.end() && it->second->inode() == inode) return it->second;
  auto child = std::make_shared<Dentry>(std::string(name), dir, std::move(inode));
  if (it != dir->children_.end()) {
    it->second->dead_ = true;
    it->second = child;
  } else {
    dir->children_.emplace(std::string(name), child);
  }
  return child;
}

void Vfs::Drop(const DentryRef& child) {
  std::lock_guard<std::mutex> tree(TreeMutex());
  child->dead_ = true;
  if (child->parent_ == nullptr) return;
  auto it = child->parent_->children_.find(child->name_);
  if (it != child->parent_->children_.end() && it->second == child) {
    child->parent_->children_.erase(it);
  }
}

// ---- Paths. ----

SplitResult SplitPath(std::string_view path) {
  SplitResult out;
  out.absolute = !path.empty() && path[0] == '/';
  out.trailing_slash = !path.empty() && path.back() == '/';
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) out.components.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

namespace {

// Collects the names from `vd` up to `stop` (or the tree's root), innermost first.
// Returns whether `stop` was reached.
bool NamesUpTo(VirtualDentry vd, const VirtualDentry* stop, std::vector<std::string>* names) {
  std::lock_guard<std::mutex> tree(TreeMutex());
  for (;;) {
    if (stop != nullptr && vd == *stop) return true;
    if (vd.dentry == vd.mount->root()) {
      if (!vd.mount->mountpoint().ok()) return false;
      vd = vd.mount->mountpoint();
      continue;
    }
    if (vd.dentry->parent_ == nullptr) {
      // An anonymous file (Vfs::Anonymous) carries its name alone.
      if (!vd.dentry->name_.empty()) names->push_back(vd.dentry->name_);
      return false;
    }
    names->push_back(vd.dentry->name_);
    vd.dentry = vd.dentry->parent_;
  }
}

std::string JoinReversed(const std::vector<std::string>& names) {
  if (names.empty()) return "/";
  std::string out;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    out += '/';
    out += *it;
  }
  return out;
}

}  // namespace

bool IsDead(const VirtualDentry& vd) {
  std::lock_guard<std::mutex> tree(TreeMutex());
  return vd.dentry->dead_;
}

std::string PathOf(const VirtualDentry& vd) {
  if (!vd.ok()) return "";
  std::vector<std::string> names;
  NamesUpTo(vd, nullptr, &names);
  std::string path = JoinReversed(names);
  if (IsDead(vd)) path += " (deleted)";
  return path;
}

Result<std::string> Vfs::PathFrom(const VirtualDentry& vd, const VirtualDentry& root) {
  if (IsDead(vd)) return Errno(ENOENT);
  std::vector<std::string> names;
  const bool reached = NamesUpTo(vd, &root, &names);
  return (reached ? "" : "(unreachable)") + JoinReversed(names);
}

abi::linux::Timespec Vfs::Now() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return {ts.tv_sec, ts.tv_nsec};
}

// ---- The walk. ----

Vfs::Walker::Walker(const Vfs& vfs, const PathContext& ctx, uint64_t resolve)
    : vfs_(vfs), creds_(ctx.creds), resolve_(resolve), start_(ctx.start) {
  // RESOLVE_IN_ROOT makes the start the root; RESOLVE_BENEATH makes it a wall that
  // ".." and absolute paths may not cross (EXDEV).
  root_ = (resolve & (kResolveInRoot | kResolveBeneath)) ? ctx.start : ctx.root;
}

Result<VirtualDentry> Vfs::Walker::Walk(std::string_view path, bool follow_final,
                                      bool must_dir, Parent* parent) {
  if (path.empty()) return Errno(ENOENT);
  SplitResult split = SplitPath(path);
  VirtualDentry cur = start_;
  if (split.absolute) {
    if (resolve_ & kResolveBeneath) return Errno(EXDEV);
    cur = root_;
  }
  // The components still to walk, the next one last.
  std::vector<std::string> todo(split.components.rbegin(), split.components.rend());
  bool trailing = split.trailing_slash;
  if (trailing) {
    follow_final = true;
    must_dir = true;
  }
  for (;;) {
    if (!cur.dentry->inode()->is_dir()) return Errno(ENOTDIR);
    if (todo.empty()) {
      if (parent != nullptr) {
        parent->dir = cur;
        parent->name = "";
        parent->trailing_slash = trailing;
      }
      return cur;
    }
    if (todo.size() == 1 && parent != nullptr) {
      RETURN_IF_ERROR(Search(cur));
      if (todo.back().size() > kNameMax) return Errno(ENAMETOOLONG);
      parent->dir = cur;
      parent->name = std::move(todo.back());
      parent->trailing_slash = trailing;
      return cur;
    }
    std::string name = std::move(todo.back());
    todo.pop_back();
    const bool last = todo.empty();
    RETURN_IF_ERROR(Search(cur));
    if (name == ".") continue;
    if (name == "..") {
      if ((resolve_ & (kResolveBeneath | kResolveInRoot)) && cur == root_) {
        if (resolve_ & kResolveBeneath) return Errno(EXDEV);
        continue;
      }
      VirtualDentry up = vfs_.Up(cur, root_);
      if ((resolve_ & kResolveNoXdev) && up.mount != cur.mount) return Errno(EXDEV);
      cur = std::move(up);
      continue;
    }
    ASSIGN_OR_RETURN(DentryRef child, Child(cur.dentry, name));
    VirtualDentry next = vfs_.FollowMounts({cur.mount, std::move(child)});
    if ((resolve_ & kResolveNoXdev) && next.mount != cur.mount) return Errno(EXDEV);
    if (next.dentry->inode()->is_symlink() && (!last || follow_final)) {
      if (resolve_ & kResolveNoSymlinks) return Errno(ELOOP);
      if (++symlinks_ > kMaxSymlinks) return Errno(ELOOP);
      if (Result<VirtualDentry> magic = next.dentry->inode()->MagicTarget(); magic.ok()) {
        if (resolve_ & (kResolveNoMagiclinks | kResolveBeneath | kResolveInRoot)) {
          return Errno(EXDEV);
        }
        cur = *std::move(magic);
        if (last) break;
        continue;
      } else if (magic.error() != Errno(EINVAL)) {
        return magic.error();
      }
      ASSIGN_OR_RETURN(std::string target, next.dentry->inode()->Readlink());
      if (target.empty()) return Errno(ENOENT);
      SplitResult t = SplitPath(target);
      for (auto it = t.components.rbegin(); it != t.components.rend(); ++it) todo.push_back(*it);
      if (t.absolute) {
        if (resolve_ & kResolveBeneath) return Errno(EXDEV);
        cur = root_;
      }
      continue;
    }
    cur = std::move(next);
    if (last) break;
  }
  if (must_dir && !cur.dentry->inode()->is_dir()) return Errno(ENOTDIR);
  return cur;
}

Result<void> Vfs::Walker::Search(const VirtualDentry& dir) {
  if (HasCap(creds_, sentry::auth::kCapDacOverride) || HasCap(creds_, kCapDacReadSearch)) {
    return Ok();
  }
  ASSIGN_OR_RETURN(abi::linux::Stat st, dir.dentry->inode()->Stat());
  return CheckPermission(creds_, st, kMayExec);
}

Result<VirtualDentry> Vfs::Resolve(const PathContext& ctx, std::string_view path,
                                   const WalkOptions& opts) {
  MaybePrune();
  Walker w(*this, ctx, opts.resolve);
  return w.Walk(path, opts.follow, opts.directory, nullptr);
}

void Vfs::MaybePrune() {
  if (Dentry::Live().load(std::memory_order_relaxed) < prune_at_.load(std::memory_order_relaxed)) {
    return;
  }
  std::vector<DentryRef> roots;
  {
    std::lock_guard<std::mutex> lock(mounts_mu_);
    for (const auto& m : mount_order_) roots.push_back(m->root());
  }
  std::vector<DentryRef> dropped;
  {
    std::lock_guard<std::mutex> tree(TreeMutex());
    // Bottom-up (children before their parent), so a whole unused subtree goes in
    // one pass; iterative, since a guest can make trees of any depth.
    std::vector<std::pair<Dentry*, bool>> stack;  // (dentry, children visited)
    for (const DentryRef& r : roots) stack.push_back({r.get(), false});
    while (!stack.empty()) {
      auto [d, visited] = stack.back();
      if (!visited) {
        stack.back().second = true;
        for (auto& [name, child] : d->children_) {
          if (!child->children_.empty()) stack.push_back({child.get(), false});
        }
        continue;
      }
      stack.pop_back();
      for (auto it = d->children_.begin(); it != d->children_.end();) {
        Dentry& c = *it->second;
        // Only the map holds it (the use count includes `it->second`).
        if (it->second.use_count() == 1 && c.children_.empty() && c.mounts_ == 0) {
          dropped.push_back(std::move(it->second));
          it = d->children_.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  const int64_t left = Dentry::Live().load(std::memory_order_relaxed) -
                       static_cast<int64_t>(dropped.size());
  prune_at_.store(std::max(kMinPruneAt, 2 * left), std::memory_order_relaxed);
  // The dentries (and a gofer inode's round trip to release its fid) go outside
  // the tree lock.
  dropped.clear();
}

Result<Vfs::Parent> Vfs::ResolveParent(const PathContext& ctx, std::string_view path,
                                       uint64_t resolve) {
  MaybePrune();
  Walker w(*this, ctx, resolve);
  Parent p;
  RETURN_IF_ERROR(w.Walk(path, true, false, &p));
  return p;
}

}  // namespace kekkai::fs::vfs

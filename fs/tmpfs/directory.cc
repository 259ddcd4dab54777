#include "fs/tmpfs/directory.h"

#include <vector>

#include <mutex>

#include "fs/tmpfs/regular_file.h"
#include "fs/vfs/directory_file.h"

namespace kekkai::fs::tmpfs {

Directory::~Directory() {
  std::vector<vfs::InodeRef> pending;
  for (auto& [name, child] : children_) pending.push_back(std::move(child));
  children_.clear();
  while (!pending.empty()) {
    vfs::InodeRef c = std::move(pending.back());
    pending.pop_back();
    // The last reference to a directory: take its children first, so destroying
    // it recurses no further.
    if (c.use_count() == 1 && c->is_dir()) {
      auto& dir = static_cast<Directory&>(*c);
      for (auto& [name, child] : dir.children_) pending.push_back(std::move(child));
      dir.children_.clear();
    }
  }
}

namespace linux = abi::linux;

namespace {

// Linux tmpfs counts this many bytes per directory entry (BOGO_DIRENT_SIZE).
constexpr int64_t kBogoDirentSize = 20;

// Every child of a tmpfs directory is a Node: only this file inserts them, and
// Link checks what it is given.
Node& AsNode(vfs::Inode& inode) { return static_cast<Node&>(inode); }

}  // namespace

Directory::Directory(std::shared_ptr<Tmpfs> fs, const vfs::NewNode& node)
    : Node(std::move(fs), node) {
  nlink_ = 2;
}

void Directory::FillStatLocked(linux::Stat& st) const {
  st.size = static_cast<int64_t>(children_.size() + 2) * kBogoDirentSize;
}

bool Directory::empty() const { return children_.empty(); }

Result<vfs::InodeRef> Directory::Lookup(std::string_view name) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = children_.find(name);
  if (it == children_.end()) return Errno(ENOENT);
  return it->second;
}

Result<std::vector<vfs::DirEntry>> Directory::ReadDir() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<vfs::DirEntry> out;
  out.reserve(children_.size());
  for (const auto& [name, child] : children_) {
    out.push_back({name, AsNode(*child).ino(), linux::DirentType(child->type())});
  }
  return out;
}

Result<void> Directory::AddChild(std::string_view name, vfs::InodeRef child) {
  const bool is_dir = child->is_dir();
  std::lock_guard<std::mutex> l(mu_);
  if (removed_) return Errno(ENOENT);
  auto [it, inserted] = children_.try_emplace(std::string(name), std::move(child));
  if (!inserted) return Errno(EEXIST);
  if (is_dir) ++nlink_;
  mtime_ = ctime_ = Now();
  return Ok();
}

Result<std::pair<vfs::InodeRef, vfs::FileRef>> Directory::CreateFile(std::string_view name,
                                                                     const vfs::NewNode& node,
                                                                     uint32_t flags) {
  vfs::NewNode n = node;
  n.mode = linux::kSIfreg | (node.mode & 07777);
  auto file = std::make_shared<RegularFile>(fs_ref(), n, /*nlink=*/1);
  ASSIGN_OR_RETURN(vfs::FileRef fd, file->Open(flags));
  RETURN_IF_ERROR(AddChild(name, file));
  return std::pair<vfs::InodeRef, vfs::FileRef>(std::move(file), std::move(fd));
}

Result<vfs::InodeRef> Directory::Mknod(std::string_view name, const vfs::NewNode& node) {
  vfs::InodeRef made;
  switch (node.mode & linux::kSIfmt) {
    case linux::kSIfifo:
    case linux::kSIfsock:
    case linux::kSIfchr:
    case linux::kSIfblk:
      made = std::make_shared<SpecialNode>(fs_ref(), node);
      break;
    case linux::kSIfreg:
      made = std::make_shared<RegularFile>(fs_ref(), node, /*nlink=*/1);
      break;
    default:
      return Errno(EPERM);
  }
  RETURN_IF_ERROR(AddChild(name, made));
  return made;
}

Result<vfs::InodeRef> Directory::Mkdir(std::string_view name, const vfs::NewNode& node) {
  vfs::NewNode n = node;
  n.mode = linux::kSIfdir | (node.mode & 07777);
  vfs::InodeRef dir = std::make_shared<Directory>(fs_ref(), n);
  RETURN_IF_ERROR(AddChild(name, dir));
  return dir;
}

Result<vfs::InodeRef> Directory::Symlink(std::string_view name, std::string_view target,
                                         const vfs::NewNode& node) {
  vfs::NewNode n = node;
  n.mode = linux::kSIflnk | 0777;
  vfs::InodeRef link = std::make_shared<SymlinkNode>(fs_ref(), n, std::string(target));
  RETURN_IF_ERROR(AddChild(name, link));
  return link;
}

Result<void> Directory::Link(std::string_view name, const vfs::InodeRef& target) {
  auto* node = dynamic_cast<Node*>(target.get());
  if (node == nullptr || &node->fs() != &fs()) return Errno(EXDEV);
  if (target->is_dir()) return Errno(EPERM);
  RETURN_IF_ERROR(AddChild(name, target));
  node->AddName(Now());
  return Ok();
}

Result<void> Directory::Unlink(std::string_view name, vfs::Inode& child) {
  if (child.is_dir()) return Errno(EISDIR);
  const linux::Timespec now = Now();
  // Dropped after the lock: it may be the file's last reference.
  vfs::InodeRef victim;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = children_.find(name);
    if (it == children_.end() || it->second.get() != &child) return Errno(ENOENT);
    victim = std::move(it->second);
    children_.erase(it);
    mtime_ = ctime_ = now;
  }
  AsNode(child).DropName(now);
  return Ok();
}

Result<void> Directory::Rmdir(std::string_view name, vfs::Inode& child) {
  if (!child.is_dir()) return Errno(ENOTDIR);
  auto& dir = static_cast<Directory&>(child);
  const linux::Timespec now = Now();
  vfs::InodeRef victim;
  std::lock_guard<std::mutex> l(mu_);
  auto it = children_.find(name);
  if (it == children_.end() || it->second.get() != &child) return Errno(ENOENT);
  {
    // Parent before child: directory changes are serialized by the VFS, and
    // lookups take one lock at a time.
    std::lock_guard<std::mutex> cl(dir.mu_);
    if (!dir.empty()) return Errno(ENOTEMPTY);
    dir.removed_ = true;
    dir.nlink_ = 0;
    dir.ctime_ = now;
  }
  victim = std::move(it->second);
  children_.erase(it);
  --nlink_;
  mtime_ = ctime_ = now;
  return Ok();
}

Result<void> Directory::Rename(std::string_view name, vfs::Inode& child, vfs::Inode& new_dir,
                               std::string_view new_name, vfs::Inode* replaced, uint32_t flags) {
  if (flags & ~(linux::kRenameNoreplace | linux::kRenameExchange)) return Errno(EINVAL);
  auto* nd = dynamic_cast<Directory*>(&new_dir);
  if (nd == nullptr || &nd->fs() != &fs()) return Errno(EXDEV);
  const bool exchange = (flags & linux::kRenameExchange) != 0;
  if (exchange && replaced == nullptr) return Errno(ENOENT);
  if (replaced == &child) return Ok();  // Two names of one file: nothing to do.
  if (replaced != nullptr && (flags & linux::kRenameNoreplace)) return Errno(EEXIST);
  const linux::Timespec now = Now();
  const bool child_dir = child.is_dir();
  vfs::InodeRef victim;  // Dropped after the locks.
  {
    std::unique_lock<std::mutex> l1(mu_, std::defer_lock);
    std::unique_lock<std::mutex> l2(nd->mu_, std::defer_lock);
    if (nd == this) {
      l1.lock();
    } else {
      std::lock(l1, l2);
    }
    auto it = children_.find(name);
    if (it == children_.end() || it->second.get() != &child) return Errno(ENOENT);
    auto nit = nd->children_.find(new_name);
    if (replaced != nullptr) {
      if (nit == nd->children_.end() || nit->second.get() != replaced) return Errno(ENOENT);
    } else if (nit != nd->children_.end()) {
      return Errno(EEXIST);
    }
    if (nd->removed_) return Errno(ENOENT);
    if (exchange) {
      const bool other_dir = replaced->is_dir();
      std::swap(it->second, nit->second);
      // A directory changing parent moves its ".." link along.
      if (nd != this && child_dir != other_dir) {
        if (child_dir) {
          --nlink_;
          ++nd->nlink_;
        } else {
          ++nlink_;
          --nd->nlink_;
        }
      }
    } else {
      if (replaced != nullptr) {
        if (replaced->is_dir()) {
          auto& rd = static_cast<Directory&>(*replaced);
          std::lock_guard<std::mutex> rl(rd.mu_);
          if (!rd.empty()) return Errno(ENOTEMPTY);
          rd.removed_ = true;
          rd.nlink_ = 0;
          rd.ctime_ = now;
          --nd->nlink_;
        }
        victim = std::move(nit->second);
        nit->second = std::move(it->second);
      } else {
        nd->children_.emplace(std::string(new_name), std::move(it->second));
      }
      children_.erase(it);
      if (child_dir && nd != this) {
        --nlink_;
        ++nd->nlink_;
      }
    }
    mtime_ = ctime_ = now;
    nd->mtime_ = nd->ctime_ = now;
  }
  AsNode(child).TouchCtime(now);
  if (replaced != nullptr) {
    if (exchange) {
      AsNode(*replaced).TouchCtime(now);
    } else if (!replaced->is_dir()) {
      AsNode(*replaced).DropName(now);
    }
  }
  return Ok();
}

Result<std::pair<vfs::InodeRef, vfs::FileRef>> Directory::CreateTmpfile(const vfs::NewNode& node,
                                                                        uint32_t flags) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (removed_) return Errno(ENOENT);
  }
  vfs::NewNode n = node;
  n.mode = linux::kSIfreg | (node.mode & 07777);
  auto file = std::make_shared<RegularFile>(fs_ref(), n, /*nlink=*/0);
  ASSIGN_OR_RETURN(vfs::FileRef fd, file->Open(flags));
  return std::pair<vfs::InodeRef, vfs::FileRef>(std::move(file), std::move(fd));
}

Result<vfs::FileRef> Directory::Open(uint32_t flags) {
  return vfs::FileRef(std::make_shared<vfs::DirectoryFile>(flags, shared_from_this()));
}

}  // namespace kekkai::fs::tmpfs

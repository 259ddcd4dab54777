#include "fs/gofer/gofer_inode.h"

#include <atomic>

#include "fs/gofer/gofer_file.h"
#include "fs/vfs/directory_file.h"
#include "fs/vfs/dirent_buffer.h"
#include "fs/vfs/vfs.h"
#include "gofer/host_stat.h"

namespace kekkai::fs::gofer {

namespace {

using kekkai::gofer::Fid;

// A directory that exists only in the sandbox: a mount point made on a read-only
// host tree, and the directories on the way to a deeper one. The guest can't
// change it (a mount covers it, or it only leads to one).
class MountpointDir final : public vfs::Inode {
 public:
  MountpointDir(vfs::Filesystem& fs, abi::linux::Stat st)
      : vfs::Inode(abi::linux::kSIfdir), fs_(fs), st_(st) {}
  Result<abi::linux::Stat> Stat() override { return st_; }
  Result<vfs::InodeRef> Lookup(std::string_view name) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = children_.find(name);
    if (it == children_.end()) return Errno(ENOENT);
    return it->second;
  }
  Result<std::vector<vfs::DirEntry>> ReadDir() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<vfs::DirEntry> out;
    for (const auto& [name, inode] : children_) {
      out.push_back({name, static_cast<MountpointDir&>(*inode).st_.ino, vfs::kDtDir});
    }
    return out;
  }
  Result<vfs::InodeRef> MakeMountpoint(std::string_view name) override {
    auto dir = std::make_shared<MountpointDir>(fs_, NewStat(st_.dev));
    std::lock_guard<std::mutex> lock(mu_);
    children_[std::string(name)] = dir;
    return vfs::InodeRef(dir);
  }
  Result<vfs::FileRef> Open(uint32_t flags) override {
    return vfs::FileRef(std::make_shared<vfs::DirectoryFile>(flags, shared_from_this()));
  }
  vfs::Filesystem& filesystem() override { return fs_; }

  // The attributes of a new one on device `dev`.
  static abi::linux::Stat NewStat(uint64_t dev) {
    // Numbers no host file of a tree has in practice (readdir skips inode 0).
    static std::atomic<uint64_t> next_ino{uint64_t{1} << 62};
    abi::linux::Stat st{};
    st.dev = dev;
    st.ino = next_ino.fetch_add(1);
    st.nlink = 2;
    st.mode = abi::linux::kSIfdir | 0755;
    st.blksize = 4096;
    st.atime = st.mtime = st.ctime = vfs::Vfs::Now();
    return st;
  }

 private:
  vfs::Filesystem& fs_;
  const abi::linux::Stat st_;
  std::mutex mu_;
  std::map<std::string, vfs::InodeRef, std::less<>> children_;
};

// The gofer node behind `inode`, or nullptr for a sandbox-only mount point (which
// shares the filesystem but has no fid).
GoferInode* AsGofer(vfs::Inode& inode) { return dynamic_cast<GoferInode*>(&inode); }

}  // namespace

GoferInode::GoferInode(GoferFs& fs, kekkai::gofer::Node node)
    : vfs::Inode(node.attr.mode), fs_(fs), fid_(node.fid), path_fd_(std::move(node.path_fd)) {}

GoferInode::~GoferInode() { (void)fs_.client().Clunk(fid_); }

abi::linux::Stat GoferInode::Present(abi::linux::Stat st) const {
  st.dev = fs_.device();
  return st;
}

Result<abi::linux::Stat> GoferInode::Stat() {
  if (path_fd_.valid()) {
    Result<abi::linux::Stat> st = kekkai::gofer::StatFd(path_fd_.get());
    if (st.ok()) return Present(*st);
  }
  ASSIGN_OR_RETURN(abi::linux::Stat st, fs_.client().Stat(fid_));
  return Present(st);
}

Result<void> GoferInode::SetStat(const vfs::SetAttr& attr) {
  kekkai::gofer::SetAttr wire{};
  if (attr.mask & vfs::SetAttr::kMode) {
    wire.mask |= kekkai::gofer::kSetAttrMode;
    wire.mode = attr.mode;
  }
  if (attr.mask & vfs::SetAttr::kUid) {
    wire.mask |= kekkai::gofer::kSetAttrUid;
    wire.uid = attr.uid;
  }
  if (attr.mask & vfs::SetAttr::kGid) {
    wire.mask |= kekkai::gofer::kSetAttrGid;
    wire.gid = attr.gid;
  }
  if (attr.mask & vfs::SetAttr::kSize) {
    wire.mask |= kekkai::gofer::kSetAttrSize;
    wire.size = attr.size;
  }
  if (attr.mask & vfs::SetAttr::kAtime) {
    wire.mask |= kekkai::gofer::kSetAttrAtime;
    wire.atime = attr.atime;
  }
  if (attr.mask & vfs::SetAttr::kMtime) {
    wire.mask |= kekkai::gofer::kSetAttrMtime;
    wire.mtime = attr.mtime;
  }
  // The host sets ctime itself.
  if (wire.mask == 0) return Ok();
  if ((wire.mask & kekkai::gofer::kSetAttrSize) && path_fd_.valid()) {
    // Cached pages and mappings past the new end must go with the data.
    if (std::shared_ptr<FileCache> cache = fs_.caches().Find(path_fd_.get())) {
      return cache->Truncate(attr.size, [&] { return fs_.client().SetStat(fid_, wire); });
    }
  }
  return fs_.client().SetStat(fid_, wire);
}

vfs::InodeRef GoferInode::Synthetic(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = synthetic_.find(name);
  return it == synthetic_.end() ? nullptr : it->second;
}

Result<vfs::InodeRef> GoferInode::Lookup(std::string_view name) {
  if (!is_dir()) return Errno(ENOTDIR);
  if (vfs::InodeRef s = Synthetic(name)) return s;
  ASSIGN_OR_RETURN(kekkai::gofer::Node node, fs_.client().Walk(fid_, name));
  return NewGoferInode(fs_, std::move(node));
}

Result<std::vector<vfs::DirEntry>> GoferInode::ReadDir() {
  if (!is_dir()) return Errno(ENOTDIR);
  std::vector<vfs::DirEntry> out;
  uint64_t cookie = 0;
  for (;;) {
    ASSIGN_OR_RETURN(kekkai::gofer::DirBatch batch, fs_.client().Getdents(fid_, cookie));
    for (auto& e : batch.entries) out.push_back({std::move(e.name), e.ino, e.type});
    if (batch.end || batch.entries.empty()) break;
    cookie = batch.next_cookie;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, inode] : synthetic_) {
    bool listed = false;
    for (const auto& e : out) listed = listed || e.name == name;
    if (!listed) {
      Result<abi::linux::Stat> st = inode->Stat();
      out.push_back({name, st.ok() ? st->ino : 0, vfs::kDtDir});
    }
  }
  return out;
}

Result<std::pair<vfs::InodeRef, vfs::FileRef>> GoferInode::CreateFile(std::string_view name,
                                                                      const vfs::NewNode& node,
                                                                      uint32_t flags) {
  ASSIGN_OR_RETURN(auto created, fs_.client().Create(fid_, name, flags, node.mode & 07777,
                                                     node.uid, node.gid));
  vfs::InodeRef inode = NewGoferInode(fs_, std::move(created.first));
  ASSIGN_OR_RETURN(std::shared_ptr<FileCache> cache, CacheFor(created.second.get()));
  vfs::FileRef file = std::make_shared<GoferFile>(flags, std::move(created.second), fs_.device(),
                                                  std::move(cache));
  return std::pair{std::move(inode), std::move(file)};
}

Result<vfs::InodeRef> GoferInode::Mknod(std::string_view, const vfs::NewNode&) {
  // The gofer serves regular files, directories and symlinks only.
  return Errno(EPERM);
}

Result<vfs::InodeRef> GoferInode::Mkdir(std::string_view name, const vfs::NewNode& node) {
  ASSIGN_OR_RETURN(kekkai::gofer::Node made,
                   fs_.client().Mkdir(fid_, name, node.mode & 07777, node.uid, node.gid));
  return NewGoferInode(fs_, std::move(made));
}

Result<vfs::InodeRef> GoferInode::Symlink(std::string_view name, std::string_view target,
                                          const vfs::NewNode& node) {
  ASSIGN_OR_RETURN(kekkai::gofer::Node made,
                   fs_.client().Symlink(fid_, name, target, node.uid, node.gid));
  return NewGoferInode(fs_, std::move(made));
}

Result<void> GoferInode::Link(std::string_view name, const vfs::InodeRef& target) {
  GoferInode* t = AsGofer(*target);
  if (t == nullptr || &t->fs_ != &fs_) return Errno(EXDEV);
  return fs_.client().Link(fid_, name, t->fid());
}

Result<void> GoferInode::Unlink(std::string_view name, vfs::Inode&) {
  return fs_.client().Unlink(fid_, name, 0);
}

Result<void> GoferInode::Rmdir(std::string_view name, vfs::Inode& child) {
  if (AsGofer(child) == nullptr) return Errno(EBUSY);  // A sandbox-only mount point.
  return fs_.client().Unlink(fid_, name, abi::linux::kAtRemovedir);
}

Result<void> GoferInode::Rename(std::string_view name, vfs::Inode& child, vfs::Inode& new_dir,
                                std::string_view new_name, vfs::Inode*, uint32_t flags) {
  GoferInode* to = AsGofer(new_dir);
  GoferInode* moved = AsGofer(child);
  if (to == nullptr || moved == nullptr || &to->fs_ != &fs_ || &moved->fs_ != &fs_) {
    return Errno(EXDEV);  // A sandbox-only directory holds no host names.
  }
  return fs_.client().Rename(fid_, name, to->fid(), new_name, flags);
}

Result<vfs::InodeRef> GoferInode::MakeMountpoint(std::string_view name) {
  if (!is_dir()) return Errno(ENOTDIR);
  auto dir = std::make_shared<MountpointDir>(fs_, MountpointDir::NewStat(fs_.device()));
  std::lock_guard<std::mutex> lock(mu_);
  synthetic_[std::string(name)] = dir;
  return vfs::InodeRef(dir);
}

Result<std::string> GoferInode::Readlink() {
  if (!is_symlink()) return Errno(EINVAL);
  return fs_.client().Readlink(fid_);
}

Result<std::string> GoferInode::GetXattr(std::string_view name) {
  return fs_.client().GetXattr(fid_, name);
}

Result<void> GoferInode::SetXattr(std::string_view name, std::string_view value, uint32_t flags) {
  return fs_.client().SetXattr(fid_, name, value, flags);
}

Result<std::vector<std::string>> GoferInode::ListXattr() { return fs_.client().ListXattr(fid_); }

Result<void> GoferInode::RemoveXattr(std::string_view name) {
  return fs_.client().RemoveXattr(fid_, name);
}

Result<vfs::FileRef> GoferInode::Open(uint32_t flags) {
  if (is_dir()) {
    return vfs::FileRef(std::make_shared<vfs::DirectoryFile>(flags, shared_from_this()));
  }
  if (!is_regular()) return Errno(ENXIO);
  ASSIGN_OR_RETURN(FileDescriptor fd, fs_.client().Open(fid_, flags));
  ASSIGN_OR_RETURN(std::shared_ptr<FileCache> cache, CacheFor(fd.get()));
  return vfs::FileRef(
      std::make_shared<GoferFile>(flags, std::move(fd), fs_.device(), std::move(cache)));
}

Result<std::shared_ptr<FileCache>> GoferInode::CacheFor(int fd) {
  return fs_.caches().Get(fd, fs_.device());
}

}  // namespace kekkai::fs::gofer

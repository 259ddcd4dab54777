#include "fs/kernfs/kernfs.h"

#include <algorithm>

#include "fs/vfs/directory_file.h"
#include "fs/vfs/vfs.h"

namespace kekkai::fs::kernfs {

Result<abi::linux::Statfs> KernFs::Statfs() {
  abi::linux::Statfs st{};
  st.type = magic_;
  st.bsize = st.frsize = 4096;
  st.namelen = vfs::kNameMax;
  return st;
}

KernInode::KernInode(KernFs& fs, uint32_t mode)
    : vfs::Inode(mode), fs_(fs), mode_(mode), ino_(fs.NextIno()), time_(vfs::Vfs::Now()) {}

Result<abi::linux::Stat> KernInode::Stat() {
  abi::linux::Stat s{};
  s.dev = fs_.device();
  s.ino = ino_;
  s.nlink = is_dir() ? 2 : 1;
  s.mode = mode_;
  std::tie(s.uid, s.gid) = Owner();
  s.size = Size();
  s.blksize = 4096;
  s.atime = s.mtime = s.ctime = time_;
  return s;
}

Result<vfs::FileRef> KernInode::Open(uint32_t) { return Errno(ENXIO); }

void Directory::Add(std::string name, vfs::InodeRef inode) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [n, i] : entries_) {
    if (n == name) {
      i = std::move(inode);
      return;
    }
  }
  entries_.emplace_back(std::move(name), std::move(inode));
}

Result<vfs::InodeRef> Directory::Lookup(std::string_view name) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [n, i] : entries_) {
      if (n == name) return i;
    }
  }
  return DynamicLookup(name);
}

Result<std::vector<vfs::DirEntry>> Directory::ReadDir() {
  std::vector<std::pair<std::string, vfs::InodeRef>> fixed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fixed = entries_;
  }
  std::vector<vfs::DirEntry> out;
  for (auto& [name, inode] : fixed) {
    ASSIGN_OR_RETURN(abi::linux::Stat st, inode->Stat());
    out.push_back({name, st.ino, abi::linux::DirentType(st.mode)});
  }
  for (vfs::DirEntry& e : DynamicEntries()) out.push_back(std::move(e));
  return out;
}

Result<vfs::FileRef> Directory::Open(uint32_t flags) {
  return vfs::FileRef(
      std::make_shared<vfs::DirectoryFile>(flags, std::static_pointer_cast<vfs::Inode>(shared_from_this())));
}

Result<vfs::InodeRef> Directory::MakeMountpoint(std::string_view name) {
  auto dir = std::make_shared<Directory>(kernfs(), 0755);
  Add(std::string(name), dir);
  return vfs::InodeRef(dir);
}

Symlink::Symlink(KernFs& fs, std::string target)
    : Symlink(fs, [t = std::move(target)]() -> Result<std::string> { return t; }) {}

Result<std::string> MagicLink::Readlink() {
  ASSIGN_OR_RETURN(vfs::VirtualDentry vd, target_());
  return vfs::PathOf(vd);
}

Result<abi::linux::Stat> Device::Stat() {
  ASSIGN_OR_RETURN(abi::linux::Stat s, KernInode::Stat());
  s.rdev = rdev_;
  return s;
}

}  // namespace kekkai::fs::kernfs

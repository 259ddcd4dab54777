#include "fs/kernfs/kernfs.h"

#include <algorithm>
#include <cstring>
#include <vector>

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
      std::make_shared<vfs::DirectoryFile>(
          flags, std::static_pointer_cast<vfs::Inode>(shared_from_this())));
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

namespace {

// An open DataFile.
class DataFileDescription : public vfs::FileDescription {
 public:
  DataFileDescription(uint32_t flags, DataFile::Generator gen, DataFile::Writer write)
      : FileDescription(flags), gen_(std::move(gen)), write_(std::move(write)) {}

  // The text is made without offset_mu_ held: a generator may look at this very
  // file (/proc/self/fdinfo/N of its own fd asks for its offset).
  Result<size_t> Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) override {
    if (!readable()) return Errno(EBADF);
    uint64_t pos;
    std::shared_ptr<const std::string> text;
    {
      std::lock_guard<std::mutex> lock(offset_mu_);
      pos = offset.value_or(offset_);
      text = text_;
    }
    if (pos == 0 || text == nullptr) {
      ASSIGN_OR_RETURN(std::string fresh, gen_());
      text = std::make_shared<const std::string>(std::move(fresh));
      std::lock_guard<std::mutex> lock(offset_mu_);
      text_ = text;
    }
    if (pos >= text->size() || dst.remaining() == 0) return size_t{0};
    const size_t n = static_cast<size_t>(std::min<uint64_t>(dst.remaining(), text->size() - pos));
    ASSIGN_OR_RETURN(size_t copied, dst.CopyOut(std::as_bytes(std::span(text->data() + pos, n))));
    if (!offset) {
      std::lock_guard<std::mutex> lock(offset_mu_);
      offset_ = pos + copied;
    }
    return copied;
  }

  Result<size_t> PRead(std::span<std::byte> dst, uint64_t offset) override {
    ASSIGN_OR_RETURN(std::string text, gen_());
    if (offset >= text.size()) return size_t{0};
    const size_t n = static_cast<size_t>(std::min<uint64_t>(dst.size(), text.size() - offset));
    std::memcpy(dst.data(), text.data() + offset, n);
    return n;
  }

  Result<size_t> Write(sentry::usermem::IoSequence& src, std::optional<uint64_t>) override {
    if (!writable()) return Errno(EBADF);
    if (!write_) return Errno(EINVAL);
    std::vector<char> buf(static_cast<size_t>(std::min<uint64_t>(src.remaining(),
                                                                 DataFile::kMaxWrite)));
    if (buf.empty()) return size_t{0};
    ASSIGN_OR_RETURN(size_t got, src.CopyIn(std::as_writable_bytes(std::span(buf))));
    return write_(std::string_view(buf.data(), got));
  }

  // As seq_lseek: SEEK_SET and SEEK_CUR only.
  Result<uint64_t> Seek(int64_t offset, int whence) override {
    std::lock_guard<std::mutex> lock(offset_mu_);
    int64_t base;
    if (whence == abi::linux::kSeekSet) {
      base = 0;
    } else if (whence == abi::linux::kSeekCur) {
      base = static_cast<int64_t>(offset_);
    } else {
      return Errno(EINVAL);
    }
    int64_t target;
    if (__builtin_add_overflow(base, offset, &target) || target < 0) return Errno(EINVAL);
    offset_ = static_cast<uint64_t>(target);
    return offset_;
  }

  std::string Name() const override { return path(); }

 private:
  const DataFile::Generator gen_;
  const DataFile::Writer write_;
  // The text the last read from offset 0 made. Guarded by offset_mu_.
  std::shared_ptr<const std::string> text_;
};

}  // namespace

Result<vfs::FileRef> DataFile::Open(uint32_t flags) {
  return vfs::FileRef(std::make_shared<DataFileDescription>(flags, gen_, write_));
}

}  // namespace kekkai::fs::kernfs

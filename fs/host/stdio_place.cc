#include "fs/host/stdio_place.h"

#include "fs/vfs/dentry.h"
#include "fs/vfs/mount.h"
#include "fs/vfs/vfs.h"

namespace kekkai::fs::host {

namespace {

// The caller's stdio, as pipefs would hold it.
class StdioFs final : public vfs::Filesystem {
 public:
  std::string_view type_name() const override { return "pipefs"; }
  Result<abi::linux::Statfs> Statfs() override {
    abi::linux::Statfs st{};
    st.type = 0x50495045;  // PIPEFS_MAGIC
    st.bsize = st.frsize = 4096;
    st.namelen = vfs::kNameMax;
    return st;
  }
};

// Opening it gives the stdio file itself; attributes are the host fd's.
class StdioInode final : public vfs::Inode {
 public:
  StdioInode(vfs::Filesystem& fs, uint32_t type, std::weak_ptr<vfs::FileDescription> file)
      : vfs::Inode(type), fs_(fs), file_(std::move(file)) {}

  Result<abi::linux::Stat> Stat() override {
    vfs::FileRef f = file_.lock();
    if (f == nullptr) return Errno(ENOENT);
    return f->Stat();
  }
  Result<vfs::FileRef> Open(uint32_t) override {
    vfs::FileRef f = file_.lock();
    if (f == nullptr) return Errno(ENXIO);
    return f;
  }
  vfs::Filesystem& filesystem() override { return fs_; }

 private:
  vfs::Filesystem& fs_;
  const std::weak_ptr<vfs::FileDescription> file_;
};

}  // namespace

StdioPlaces::StdioPlaces() : fs_(std::make_shared<StdioFs>()) {
  auto root = std::make_shared<vfs::Dentry>(
      std::make_shared<StdioInode>(*fs_, abi::linux::kSIfdir, std::weak_ptr<vfs::FileDescription>()));
  mount_ = std::make_shared<vfs::Mount>(fs_, std::move(root), false, 0);
}

void StdioPlaces::Place(const vfs::FileRef& file) {
  Result<abi::linux::Stat> st = file->Stat();
  const uint32_t type = st.ok() ? st->mode & abi::linux::kSIfmt : abi::linux::kSIfifo;
  auto inode = std::make_shared<StdioInode>(*fs_, type, file);
  file->set_location(vfs::Vfs::Anonymous(mount_, std::move(inode), file->Name()));
}

}  // namespace kekkai::fs::host

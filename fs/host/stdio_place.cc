#include "fs/host/stdio_place.h"

#include "fs/pipe/pipe.h"
#include "fs/vfs/dentry.h"
#include "fs/vfs/mount.h"
#include "fs/vfs/vfs.h"

namespace kekkai::fs::host {

namespace {

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

// The caller's stdio has its places on pipefs, as anonymous pipes do.
StdioPlaces::StdioPlaces() : fs_(pipe::PipeFilesystem()) {
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

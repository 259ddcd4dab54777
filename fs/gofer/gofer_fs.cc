#include "fs/gofer/gofer_fs.h"

#include "fs/gofer/gofer_inode.h"

namespace kekkai::fs::gofer {

Result<vfs::InodeRef> GoferFs::Root(uint32_t tree) {
  ASSIGN_OR_RETURN(kekkai::gofer::Node node, client_->Attach(tree));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (root_fid_ == kekkai::gofer::kNoFid) root_fid_ = node.fid;
  }
  return NewGoferInode(*this, std::move(node));
}

Result<abi::linux::Statfs> GoferFs::Statfs() {
  kekkai::gofer::Fid fid;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fid = root_fid_;
  }
  if (fid == kekkai::gofer::kNoFid) return Errno(EIO);
  ASSIGN_OR_RETURN(abi::linux::Statfs st, client_->Statfs(fid));
  st.flags &= ~int64_t{abi::linux::kSt_rdonly};  // The mount says.
  return st;
}

vfs::InodeRef NewGoferInode(GoferFs& fs, kekkai::gofer::Node node) {
  return std::make_shared<GoferInode>(fs, std::move(node));
}

}  // namespace kekkai::fs::gofer

#include "gofer/fid_table.h"

#include <utility>

namespace kekkai::gofer {

Result<std::shared_ptr<HostNode>> FidTable::Get(uint32_t fid) const {
  if (fid == 0 || fid >= nodes_.size() || nodes_[fid] == nullptr) return Errno(EBADF);
  return nodes_[fid];
}

Result<uint32_t> FidTable::Add(std::shared_ptr<HostNode> node) {
  if (nodes_.empty()) nodes_.emplace_back();  // fid 0 is never handed out
  uint32_t fid;
  if (!free_.empty()) {
    fid = free_.back();
    free_.pop_back();
  } else {
    if (nodes_.size() >= kMaxFids) return Errno(EMFILE);
    fid = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  nodes_[fid] = std::move(node);
  ++live_;
  return fid;
}

Result<void> FidTable::Remove(uint32_t fid) {
  if (fid == 0 || fid >= nodes_.size() || nodes_[fid] == nullptr) return Errno(EBADF);
  nodes_[fid].reset();
  free_.push_back(fid);
  --live_;
  return Ok();
}

}  // namespace kekkai::gofer

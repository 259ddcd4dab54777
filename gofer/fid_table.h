// FidTable: the gofer's map from fids to the HostNodes they name.
#ifndef KEKKAI_GOFER_FID_TABLE_H_
#define KEKKAI_GOFER_FID_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/result.h"
#include "gofer/host_node.h"

namespace kekkai::gofer {

// Not thread-safe: the gofer serves one request at a time.
class FidTable {
 public:
  // Bounds the table; each fid holds a host fd, so RLIMIT_NOFILE usually ends it first.
  static constexpr size_t kMaxFids = size_t{1} << 22;

  // Returns the node `fid` names; EBADF if it names none.
  Result<std::shared_ptr<HostNode>> Get(uint32_t fid) const;
  // Stores `node` under a free fid (never 0) and returns the fid; EMFILE when full.
  Result<uint32_t> Add(std::shared_ptr<HostNode> node);
  // Forgets `fid`; EBADF if it names none. The node lives on while children hold it.
  Result<void> Remove(uint32_t fid);
  // Calls `f(HostNode&)` for every live fid's node.
  template <typename F>
  void ForEach(F&& f) const {
    for (const std::shared_ptr<HostNode>& n : nodes_) {
      if (n != nullptr) f(*n);
    }
  }
  // Returns how many fids are live.
  size_t size() const { return live_; }

 private:
  std::vector<std::shared_ptr<HostNode>> nodes_;  // index = fid; [0] stays empty
  std::vector<uint32_t> free_;
  size_t live_ = 0;
};

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_FID_TABLE_H_

#include "fs/tmpfs/tmpfs.h"

#include <time.h>

#include <algorithm>

#include "fs/tmpfs/directory.h"

namespace kekkai::fs::tmpfs {

namespace linux = abi::linux;

abi::linux::Timespec Now() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return {ts.tv_sec, ts.tv_nsec};
}

std::shared_ptr<Tmpfs> Tmpfs::Create(sentry::mm::MemoryFile& mf, uint64_t device,
                                     uint64_t size_limit) {
  return std::make_shared<Tmpfs>(Passkey{}, mf, device, size_limit);
}

Tmpfs::Tmpfs(Passkey, sentry::mm::MemoryFile& mf, uint64_t device, uint64_t size_limit)
    : mf_(mf),
      device_(device),
      // Whole pages, and never more than the MemoryFile can hold.
      limit_pages_((size_limit == 0 ? mf.size() : std::min(size_limit, mf.size())) / kPageSize) {}

Result<abi::linux::Statfs> Tmpfs::Statfs() {
  linux::Statfs st{};
  st.type = linux::kTmpfsMagic;
  st.bsize = static_cast<int64_t>(kPageSize);
  st.frsize = static_cast<int64_t>(kPageSize);
  st.blocks = limit_pages_;
  const uint64_t used = used_pages_.load(std::memory_order_relaxed);
  st.bfree = st.bavail = limit_pages_ > used ? limit_pages_ - used : 0;
  // No inode limit (Linux reports zeros for nr_inodes=0).
  st.files = 0;
  st.ffree = 0;
  // Linux's tmpfs fsid is its device number, huge_encode_dev'd.
  st.fsid[0] = static_cast<int32_t>(device_ & 0xffffffff);
  st.fsid[1] = static_cast<int32_t>(device_ >> 32);
  st.namelen = static_cast<int64_t>(vfs::kNameMax);
  return st;
}

Result<vfs::InodeRef> Tmpfs::NewRoot(uint32_t mode, uint32_t uid, uint32_t gid) {
  const vfs::NewNode node{linux::kSIfdir | (mode & 07777), uid, gid, 0};
  return vfs::InodeRef(std::make_shared<Directory>(shared_from_this(), node));
}

Result<void> Tmpfs::Charge(uint64_t pages) {
  uint64_t used = used_pages_.load(std::memory_order_relaxed);
  do {
    if (pages > limit_pages_ || used > limit_pages_ - pages) return Errno(ENOSPC);
  } while (!used_pages_.compare_exchange_weak(used, used + pages, std::memory_order_relaxed));
  return Ok();
}

void Tmpfs::Uncharge(uint64_t pages) { used_pages_.fetch_sub(pages, std::memory_order_relaxed); }

}  // namespace kekkai::fs::tmpfs

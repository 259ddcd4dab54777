// The gofer filesystem: host files, served by the gofer process (gofer/). Every
// name is found, made and removed by the gofer; file data moves through host fds
// the gofer donates (pread/pwrite in the sentry), and attributes are read by
// fstat() of the node's donated O_PATH fd, without a round trip. The sentry never
// opens a host path itself.
//
// Directories may also hold mount points that exist only in the sandbox
// (MakeMountpoint), for mounts on a read-only host tree.
#ifndef KEKKAI_FS_GOFER_GOFER_FS_H_
#define KEKKAI_FS_GOFER_GOFER_FS_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/file_descriptor.h"
#include "fs/gofer/file_cache.h"
#include "fs/vfs/inode.h"
#include "gofer/client.h"

namespace kekkai::fs::gofer {

class GoferFs : public vfs::Filesystem {
 public:
  // A filesystem over `client`, whose inodes show st_dev `device`. Regular
  // files are mapped through a page cache in `mf` (file_cache.h), which must
  // outlive the filesystem's files.
  GoferFs(std::shared_ptr<kekkai::gofer::Client> client, uint64_t device,
          sentry::mm::MemoryFile& mf)
      : client_(std::move(client)),
        device_(device),
        caches_(std::make_shared<FileCacheTable>(mf)) {}

  std::string_view type_name() const override { return "9p"; }
  Result<abi::linux::Statfs> Statfs() override;

  // Returns the root of the gofer's served tree `tree`.
  Result<vfs::InodeRef> Root(uint32_t tree);

  kekkai::gofer::Client& client() const { return *client_; }
  uint64_t device() const { return device_; }
  // The page caches of the files.
  FileCacheTable& caches() const { return *caches_; }

 private:
  const std::shared_ptr<kekkai::gofer::Client> client_;
  const uint64_t device_;
  const std::shared_ptr<FileCacheTable> caches_;
  std::mutex mu_;
  kekkai::gofer::Fid root_fid_ = kekkai::gofer::kNoFid;  // For Statfs.
};

// Makes the inode for `node`, a node the gofer found or made.
vfs::InodeRef NewGoferInode(GoferFs& fs, kekkai::gofer::Node node);

}  // namespace kekkai::fs::gofer

#endif  // KEKKAI_FS_GOFER_GOFER_FS_H_

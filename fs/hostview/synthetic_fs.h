// SyntheticFs: what the host view asks of a file system the sentry makes up and
// mounts on a top-level directory (/dev, /proc), and the adapters for fs/dev and
// fs/proc. Nodes are named by their components below the mount point ({} is its root).
#ifndef KEKKAI_FS_HOSTVIEW_SYNTHETIC_FS_H_
#define KEKKAI_FS_HOSTVIEW_SYNTHETIC_FS_H_

#include <span>
#include <string>
#include <vector>

#include "abi/linux/types.h"
#include "base/result.h"
#include "fs/dev/dev_fs.h"
#include "fs/proc/proc_fs.h"
#include "fs/vfs/file_description.h"
#include "fs/vfs/view.h"

namespace kekkai::fs::hostview {

class SyntheticFs {
 public:
  virtual ~SyntheticFs() = default;
  // Returns the stat of the node at `rel`: ENOENT if none.
  virtual Result<abi::linux::Stat> Stat(const vfs::Caller& c,
                                        std::span<const std::string> rel) const = 0;
  // Returns the target of the symlink at `rel`: ENOENT, EINVAL for other nodes.
  virtual Result<std::string> Readlink(const vfs::Caller& c,
                                       std::span<const std::string> rel) const = 0;
  // Returns the names in the directory at `rel` (no "." or ".."): ENOENT, ENOTDIR.
  virtual Result<std::vector<std::string>> List(const vfs::Caller& c,
                                                std::span<const std::string> rel) const = 0;
  // Opens the node at `rel`, which is neither a directory nor a symlink, with
  // open(2) `flags`.
  virtual Result<vfs::FileRef> Open(const vfs::Caller& c, std::span<const std::string> rel,
                                    uint32_t flags) const = 0;
};

// /dev: a flat directory of devices and symlinks.
class DevMount final : public SyntheticFs {
 public:
  // `dev` must outlive the mount.
  explicit DevMount(const dev::DevFs& dev) : dev_(dev) {}
  Result<abi::linux::Stat> Stat(const vfs::Caller& c,
                                std::span<const std::string> rel) const override;
  Result<std::string> Readlink(const vfs::Caller& c,
                               std::span<const std::string> rel) const override;
  Result<std::vector<std::string>> List(const vfs::Caller& c,
                                        std::span<const std::string> rel) const override;
  Result<vfs::FileRef> Open(const vfs::Caller& c, std::span<const std::string> rel,
                            uint32_t flags) const override;

 private:
  const dev::DevFs& dev_;
};

// /proc: directories and symlinks only, for now.
class ProcMount final : public SyntheticFs {
 public:
  // `proc` must outlive the mount.
  explicit ProcMount(const proc::ProcFs& proc) : proc_(proc) {}
  Result<abi::linux::Stat> Stat(const vfs::Caller& c,
                                std::span<const std::string> rel) const override {
    return proc_.Stat(c, rel);
  }
  Result<std::string> Readlink(const vfs::Caller& c,
                               std::span<const std::string> rel) const override {
    return proc_.Readlink(c, rel);
  }
  Result<std::vector<std::string>> List(const vfs::Caller& c,
                                        std::span<const std::string> rel) const override {
    return proc_.List(c, rel);
  }
  // ENOENT: /proc has no files to open yet.
  Result<vfs::FileRef> Open(const vfs::Caller& c, std::span<const std::string> rel,
                            uint32_t flags) const override;

 private:
  const proc::ProcFs& proc_;
};

}  // namespace kekkai::fs::hostview

#endif  // KEKKAI_FS_HOSTVIEW_SYNTHETIC_FS_H_

// Walker: resolves absolute guest paths in the sentry, never by the host — one
// component at a time from the host root fd (openat O_PATH|O_NOFOLLOW, then fstat),
// with ".", "..", symlinks (at most 40, absolute targets restarting at the guest
// root, so nothing escapes the host root) and the synthetic file systems mounted
// on top-level directories (/dev, /proc) handled here. Every host entry passes the
// Policy before it is looked up, so a hidden path is absent whichever way it is
// reached.
#ifndef KEKKAI_FS_HOSTVIEW_WALKER_H_
#define KEKKAI_FS_HOSTVIEW_WALKER_H_

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abi/linux/types.h"
#include "base/file_descriptor.h"
#include "base/result.h"
#include "fs/hostview/policy.h"
#include "fs/hostview/synthetic_fs.h"
#include "fs/vfs/view.h"

namespace kekkai::fs::hostview {

// An entry a walk reached. Move-only: a host entry holds its O_PATH fd.
struct Node {
  // The synthetic file system the node is on; nullptr for a host entry.
  const SyntheticFs* fs = nullptr;
  // Synthetic nodes: their components below the mount point.
  std::vector<std::string> rel;
  // The canonical guest path (no symlinks, ".", ".." or repeated slashes).
  std::string path;
  // Host entries: an O_PATH|O_NOFOLLOW fd of the entry itself.
  FileDescriptor fd;
  abi::linux::Stat stat{};

  bool is_host() const { return fs == nullptr; }
  bool is_dir() const { return S_ISDIR(stat.mode); }
  bool is_symlink() const { return S_ISLNK(stat.mode); }
  bool is_regular() const { return S_ISREG(stat.mode); }
};

// Where a path led.
struct Resolution {
  // The directory the final component was looked up in; nullopt when the path ends
  // in "/", "." or "..", whose directory (`node`) was reached otherwise.
  std::optional<Node> parent;
  // The final component.
  std::string name;
  // The final entry; nullopt when `parent` has no such (visible) entry.
  std::optional<Node> node;
  // Whether the path ended in a slash: `node`, if any, is then a directory.
  bool trailing_slash = false;
};

class Walker {
 public:
  // A synthetic file system on the top-level directory `name` ("dev").
  struct Mount {
    std::string name;
    const SyntheticFs* fs;
  };

  // Walks from `root_fd` (borrowed; an O_PATH directory fd). `policy` may be nullptr
  // (hide nothing but FIFOs, sockets and devices). `policy`, the mounts' file
  // systems and `root_fd` must outlive the walker. Thread-safe.
  Walker(int root_fd, const Policy* policy, std::vector<Mount> mounts);

  // Resolves absolute guest `path` as caller `c`, following a final symlink if
  // `follow` (or if the path ends in a slash). A missing final entry is not an
  // error (the Resolution says where it would be); ENOENT for a missing directory on
  // the way (or an empty path), ENOTDIR, ELOOP, ENAMETOOLONG, EACCES (search
  // permission), EINVAL for a relative path.
  Result<Resolution> Resolve(const vfs::Caller& c, std::string_view path, bool follow) const;

  // Returns the node of the guest root.
  Result<Node> Root() const;
  // Returns the target of symlink node `link`.
  Result<std::string> ReadLink(const vfs::Caller& c, const Node& link) const;

 private:
  // A directory the walk went down into: the way back up.
  struct Level {
    std::string name;
    uint64_t dev;
    uint64_t ino;
  };

  // Looks `name` up in directory `dir`: nullopt when there is no visible entry.
  Result<std::optional<Node>> Lookup(const vfs::Caller& c, const Node& dir,
                                     std::string_view name) const;
  // Returns the parent of `cur` (the root's is the root), popping `levels`.
  Result<Node> Up(const vfs::Caller& c, Node cur, std::vector<Level>& levels) const;
  // Walks down `levels` again from the root, checking each directory's identity.
  Result<Node> Rewalk(const std::vector<Level>& levels) const;

  const int root_fd_;
  const Policy* const policy_;
  const std::vector<Mount> mounts_;
};

// Returns `dir`/`name` for a canonical directory path.
std::string JoinPath(std::string_view dir, std::string_view name);

}  // namespace kekkai::fs::hostview

#endif  // KEKKAI_FS_HOSTVIEW_WALKER_H_

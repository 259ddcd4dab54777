// HostNode: one host file the gofer holds for the sentry — what a fid names.
#ifndef KEKKAI_GOFER_HOST_NODE_H_
#define KEKKAI_GOFER_HOST_NODE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "base/file_descriptor.h"

namespace kekkai::gofer {

struct HostNode {
  // O_PATH|O_NOFOLLOW fd of the node: fstat, fchownat, utimensat and child lookups
  // go through it, so they reach this inode whatever happens to its name.
  FileDescriptor fd;
  // Index of the ServedTree the node belongs to.
  uint32_t tree = 0;
  // The directory the node was found in (null at a tree root), and its name there,
  // for the operations that need a name (Open of a non-directory, chmod, truncate).
  // Children keep their parent alive after the parent's fid is clunked.
  std::shared_ptr<HostNode> parent;
  std::string name;
  // The canonical path inside the tree ("/" at the root), for the policy. Renames
  // through the gofer keep it current.
  std::string path;
  // Identity and type (S_IFMT bits) when found: an operation by name checks that the
  // name still leads here.
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint32_t type = 0;
  // A directory's O_RDONLY fd for Getdents, opened on first use.
  FileDescriptor dir_stream;
};

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_HOST_NODE_H_

// ServedTree: one host directory tree the gofer serves, and how.
#ifndef KEKKAI_GOFER_SERVED_TREE_H_
#define KEKKAI_GOFER_SERVED_TREE_H_

#include <optional>

#include "base/file_descriptor.h"
#include "gofer/policy.h"

namespace kekkai::gofer {

struct ServedTree {
  // The tree's root: an O_PATH fd of a directory, opened before confinement.
  FileDescriptor root;
  // Answers every mutation and every write-mode Open with EROFS.
  bool read_only = true;
  // Hides the sensitive paths of the host's / (paths are relative to `root`).
  std::optional<Policy> policy;
};

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_SERVED_TREE_H_

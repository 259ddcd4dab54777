// Kernel pseudo-filesystems the gofer never serves: the host's procfs, sysfs and
// their kind expose the host kernel, not files (the sandbox has its own /proc, /sys).
#ifndef KEKKAI_GOFER_PSEUDO_FS_H_
#define KEKKAI_GOFER_PSEUDO_FS_H_

#include <cstdint>

namespace kekkai::gofer {

// Returns whether a filesystem of statfs(2) type `f_type` must stay hidden.
bool IsRefusedFilesystem(int64_t f_type);

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_PSEUDO_FS_H_

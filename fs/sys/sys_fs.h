// The sandbox's own /sys: the minimum programs probe. devices/system/cpu with
// online, possible and present ("0-N", from the CPU count the runtime read at
// start-up) and a cpuN directory per CPU (glibc's get_nprocs_conf counts them),
// and fs/cgroup, empty (no cgroup hierarchy is shown). Nothing of the host's
// /sys is reached at run time.
#ifndef KEKKAI_FS_SYS_SYS_FS_H_
#define KEKKAI_FS_SYS_SYS_FS_H_

#include <cstdint>
#include <memory>

#include "fs/kernfs/kernfs.h"

namespace kekkai::fs::sys {

struct SysOptions {
  uint64_t device = 0;  // st_dev of every node.
  int num_cpus = 1;     // CPUs 0..num_cpus-1 are online.
};

struct SysFs {
  std::shared_ptr<kernfs::KernFs> fs;
  std::shared_ptr<kernfs::Directory> root;
};

// Builds /sys.
SysFs NewSysFs(const SysOptions& opts);

}  // namespace kekkai::fs::sys

#endif  // KEKKAI_FS_SYS_SYS_FS_H_

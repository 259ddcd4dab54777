// The sandbox's own /proc, as the calling process sees it (issue 5 fills it out):
// `self` -> the caller's pid, and `<pid>/` for the caller's own pid with `exe`,
// `cwd` and `root` (magic links to its program, working directory and root) and
// `fd/` (a magic link per open fd: opening /proc/self/fd/N reaches fd N's file,
// which is what /dev/stdin relies on). Other processes' pids are ENOENT for now.
#ifndef KEKKAI_FS_PROC_PROC_FS_H_
#define KEKKAI_FS_PROC_PROC_FS_H_

#include <cstdint>
#include <memory>

#include "fs/kernfs/kernfs.h"

namespace kekkai::fs::proc {

struct ProcFs {
  std::shared_ptr<kernfs::KernFs> fs;
  std::shared_ptr<kernfs::Directory> root;
};

// Builds /proc; `device` is every node's st_dev.
ProcFs NewProcFs(uint64_t device);

}  // namespace kekkai::fs::proc

#endif  // KEKKAI_FS_PROC_PROC_FS_H_

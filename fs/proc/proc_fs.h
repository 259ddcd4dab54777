// The sandbox's own /proc, as the calling task sees it (Linux's procfs, the
// sandbox's view): `self`, `thread-self`, a directory per process of the sandbox
// (stat, statm, status, cmdline, environ, auxv, comm, exe, cwd, root, fd/,
// fdinfo/, maps, smaps, mounts, mountinfo, limits, task/TID/...), and meminfo,
// cpuinfo, stat, uptime (since the sandbox started), loadavg, version,
// filesystems, mounts and sys/{kernel,vm,fs}. Text files are generated when read
// (seq files: size 0); host figures come from the kernel's HostFacts, read at
// start-up, never from a host path. Files derived from a process's memory
// (environ, auxv, maps, smaps, fd/, exe, cwd, root) need ptrace read access.
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

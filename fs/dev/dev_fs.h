// The sandbox's own /dev, a filesystem of its own: the memory devices (null zero
// full random urandom), tty (the caller's terminal, when kekkai runs on one), the
// stdio links (stdin stdout stderr fd -> /proc/self/fd...), and the directories the
// sandbox mounts on (shm, pts).
#ifndef KEKKAI_FS_DEV_DEV_FS_H_
#define KEKKAI_FS_DEV_DEV_FS_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "base/result.h"
#include "fs/kernfs/kernfs.h"
#include "fs/vfs/file_description.h"

namespace kekkai::fs::dev {

// Returns the Linux dev_t encoding (new_encode_dev) of major:minor.
constexpr uint64_t MakeDev(uint32_t major, uint32_t minor) {
  return (uint64_t{minor} & 0xff) | (uint64_t{major & 0xfff} << 8) |
         (uint64_t{minor & ~0xffu} << 12) | (uint64_t{major & ~0xfffu} << 32);
}

struct DevOptions {
  uint64_t device = 0;  // st_dev of every node.
  // Opens /dev/tty with open(2) flags: the controlling terminal. Unset: ENXIO, as
  // for a process without one.
  std::function<Result<vfs::FileRef>(uint32_t flags)> open_tty;
};

struct DevFs {
  std::shared_ptr<kernfs::KernFs> fs;
  std::shared_ptr<kernfs::Directory> root;
};

// Builds /dev.
DevFs NewDevFs(const DevOptions& opts);

}  // namespace kekkai::fs::dev

#endif  // KEKKAI_FS_DEV_DEV_FS_H_

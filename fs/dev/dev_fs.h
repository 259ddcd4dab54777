// DevFs: the sandbox's own /dev — the memory devices (null zero full random urandom)
// and the stdio symlinks (stdin stdout stderr fd -> /proc/self/fd...). A flat,
// fixed directory: entries are named relative to /dev ("null").
#ifndef KEKKAI_FS_DEV_DEV_FS_H_
#define KEKKAI_FS_DEV_DEV_FS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "abi/linux/types.h"
#include "base/result.h"
#include "fs/vfs/file_description.h"

namespace kekkai::fs::dev {

// Returns the Linux dev_t encoding (new_encode_dev) of major:minor.
constexpr uint64_t MakeDev(uint32_t major, uint32_t minor) {
  return (uint64_t{minor} & 0xff) | (uint64_t{major & 0xfff} << 8) |
         (uint64_t{minor & ~0xffu} << 12) | (uint64_t{major & ~0xfffu} << 32);
}

class DevFs {
 public:
  // `device` is the st_dev of every entry; `time` their atime, mtime and ctime.
  DevFs(uint64_t device, abi::linux::Timespec time);

  // Returns the stat of /dev itself (a directory, mode 0755).
  abi::linux::Stat RootStat() const;
  // Returns the stat of /dev/`name`: ENOENT if there is no such entry.
  Result<abi::linux::Stat> Stat(std::string_view name) const;
  // Returns the target of the symlink /dev/`name`: ENOENT, or EINVAL for a device.
  Result<std::string> Readlink(std::string_view name) const;
  // Returns the names in /dev, in a stable order, without "." and "..".
  std::vector<std::string> Names() const;
  // Opens the device /dev/`name` with open(2) `flags`: ENOENT, or ELOOP for a
  // symlink (the caller follows those).
  Result<vfs::FileRef> Open(std::string_view name, uint32_t flags) const;

 private:
  const uint64_t device_;
  const abi::linux::Timespec time_;
};

}  // namespace kekkai::fs::dev

#endif  // KEKKAI_FS_DEV_DEV_FS_H_

// ProcFs: the sandbox's own /proc, minimal for now — `self` (a symlink to the
// caller's pid) and `<pid>/exe` (a symlink to the caller's executable), for the
// caller's own pid only. Everything else is ENOENT until the full /proc (the Files
// issue). Nodes are named by their components below /proc ({"self"}, {"42", "exe"}).
#ifndef KEKKAI_FS_PROC_PROC_FS_H_
#define KEKKAI_FS_PROC_PROC_FS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "abi/linux/types.h"
#include "base/result.h"
#include "fs/vfs/view.h"

namespace kekkai::fs::proc {

class ProcFs {
 public:
  // `device` is the st_dev of every node; `time` their atime, mtime and ctime.
  ProcFs(uint64_t device, abi::linux::Timespec time);

  // Returns the stat of the node at `rel` as caller `c` sees it ({} is /proc
  // itself): ENOENT if there is none. Directories are mode 0555, symlinks 0777.
  Result<abi::linux::Stat> Stat(const vfs::Caller& c, std::span<const std::string> rel) const;
  // Returns the target of the symlink at `rel`: ENOENT, or EINVAL for a directory.
  Result<std::string> Readlink(const vfs::Caller& c, std::span<const std::string> rel) const;
  // Returns the names in the directory at `rel`, without "." and "..": ENOENT, or
  // ENOTDIR for a symlink.
  Result<std::vector<std::string>> List(const vfs::Caller& c,
                                        std::span<const std::string> rel) const;

 private:
  enum class Kind { kRoot, kSelf, kPidDir, kExe };
  // Returns what `rel` names for `c`, or nullopt.
  static std::optional<Kind> Find(const vfs::Caller& c, std::span<const std::string> rel);

  const uint64_t device_;
  const abi::linux::Timespec time_;
};

}  // namespace kekkai::fs::proc

#endif  // KEKKAI_FS_PROC_PROC_FS_H_

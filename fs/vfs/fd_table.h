// FdTable: a process's file descriptor table — guest fd numbers to reference-counted
// FileDescriptions, with close-on-exec. Thread-safe.
#ifndef KEKKAI_FS_VFS_FD_TABLE_H_
#define KEKKAI_FS_VFS_FD_TABLE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "fs/vfs/file_description.h"

namespace kekkai::fs::vfs {

class FdTable {
 public:
  // The default RLIMIT_NOFILE.
  static constexpr int32_t kDefaultMaxFds = 1024 * 1024;

  FdTable() = default;
  // Drops the POSIX locks this table (the owner of its process's POSIX locks)
  // still holds.
  ~FdTable();
  FdTable(const FdTable&) = delete;
  FdTable& operator=(const FdTable&) = delete;

  // Returns the file at `fd`; EBADF if none.
  Result<FileRef> Get(int32_t fd) const;
  // Returns whether `fd` is close-on-exec; EBADF if none.
  Result<bool> GetCloexec(int32_t fd) const;
  Result<void> SetCloexec(int32_t fd, bool cloexec);
  // Installs `file` at the lowest free fd >= `min_fd`; EMFILE past `limit`.
  Result<int32_t> Install(FileRef file, int32_t min_fd, bool cloexec, int32_t limit);
  // EMFILE unless an fd below `limit` is free now: open(2) checks before it
  // resolves the path or waits for a FIFO's peer, as Linux takes its fd first.
  Result<void> CheckRoom(int32_t limit) const;
  // Installs `file` at exactly `fd`, replacing (and returning) what was there.
  Result<FileRef> InstallAt(int32_t fd, FileRef file, bool cloexec, int32_t limit);
  // The calls below that remove an fd drop the POSIX record locks this table
  // holds on the removed file, as every close(2) does on Linux.

  // Removes `fd` and returns its file; EBADF if none.
  Result<FileRef> Remove(int32_t fd);
  // close_range(2): removes the fds in [first, last] and returns their files (to be
  // dropped outside the table's lock), or with `cloexec_only` marks them
  // close-on-exec and returns nothing.
  std::vector<FileRef> RemoveRange(uint32_t first, uint32_t last, bool cloexec_only);
  // Removes every close-on-exec fd.
  void RemoveCloexec();
  // Returns a copy of the table (fork without CLONE_FILES).
  std::unique_ptr<FdTable> Fork() const;
  // Returns the open fd numbers, ascending.
  std::vector<int32_t> Fds() const;

 private:
  // Drops the POSIX locks this table holds on `file`'s file. Call without mu_.
  void ReleasePosixLocks(const FileRef& file) const;

  struct Slot {
    FileRef file;
    bool cloexec = false;
  };
  mutable std::mutex mu_;
  std::map<int32_t, Slot> fds_;
};

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_FD_TABLE_H_

// Places for the caller's stdio in the file tree: each HostFile gets a location
// outside the tree (a dead dentry on an internal mount) whose inode reopens the
// very same file, so /proc/self/fd/N, and through it /dev/stdin, reach the
// caller's pipe or terminal. (Linux opens a new description of the pipe; here the
// description is shared, flags and offset included.)
#ifndef KEKKAI_FS_HOST_STDIO_PLACE_H_
#define KEKKAI_FS_HOST_STDIO_PLACE_H_

#include <memory>

#include "fs/vfs/file_description.h"
#include "fs/vfs/inode.h"

namespace kekkai::fs::host {

class StdioPlaces {
 public:
  StdioPlaces();
  // Gives `file` (a HostFile) its place.
  void Place(const vfs::FileRef& file);

 private:
  std::shared_ptr<vfs::Filesystem> fs_;
  std::shared_ptr<vfs::Mount> mount_;
};

}  // namespace kekkai::fs::host

#endif  // KEKKAI_FS_HOST_STDIO_PLACE_H_

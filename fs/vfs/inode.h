// Inode and Filesystem: what a filesystem implements for the VFS (Linux's
// inode_operations and super_block, in the shape gVisor's VFS gives them). The VFS
// core does path walking, the dentry cache, mounts, permission checks and the
// checks common to every filesystem (types, emptiness of names, "." and "..",
// read-only mounts); an Inode only does what its own filesystem stores.
//
// Names handed to an Inode are single components: never "", ".", "..", never with a
// '/' or NUL, at most kNameMax bytes. Directory operations are serialized by the
// VFS (one mutation at a time per VFS); Stat, Lookup, ReadDir and file I/O may run
// concurrently with them and with each other, so inodes lock their own state.
#ifndef KEKKAI_FS_VFS_INODE_H_
#define KEKKAI_FS_VFS_INODE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/linux/types.h"
#include "base/result.h"
#include "fs/vfs/file_description.h"
#include "fs/vfs/lock.h"

namespace kekkai::fs::vfs {

inline constexpr size_t kPathMax = 4096;
inline constexpr size_t kNameMax = 255;
// Linux follows at most 40 symlinks in one path walk (MAXSYMLINKS).
inline constexpr int kMaxSymlinks = 40;

class Inode;
using InodeRef = std::shared_ptr<Inode>;

// One entry of a directory listing (without "." and "..").
struct DirEntry {
  std::string name;
  uint64_t ino = 0;
  uint8_t type = 0;  // DT_* (abi::linux::DirentType).
};

// What SetStat changes: the fields whose bit is in `mask`. Times are concrete (the
// VFS turns UTIME_NOW into the current time and drops UTIME_OMIT).
struct SetAttr {
  static constexpr uint32_t kMode = 1, kUid = 2, kGid = 4, kSize = 8, kAtime = 16,
                            kMtime = 32, kCtime = 64;
  // For Vfs::SetStatAt only (never reaches an inode): a chown(2) happened, even
  // one that changes nothing, so set-user-ID (and set-group-ID of a
  // group-executable file) is dropped.
  static constexpr uint32_t kKillPriv = 128;
  uint32_t mask = 0;
  uint32_t mode = 0;  // Permission bits only (07777).
  uint32_t uid = 0, gid = 0;
  uint64_t size = 0;
  abi::linux::Timespec atime{}, mtime{}, ctime{};
};

// setxattr(2) flags.
inline constexpr uint32_t kXattrCreate = 1, kXattrReplace = 2;
// The longest attribute name and value Linux takes (XATTR_NAME_MAX, XATTR_SIZE_MAX).
inline constexpr size_t kXattrNameMax = 255, kXattrSizeMax = 65536;

// A node to create: its full st_mode (type and permission bits, umask already
// applied), owner, and the device number of a device node.
struct NewNode {
  uint32_t mode = 0;
  uint32_t uid = 0, gid = 0;
  uint64_t rdev = 0;
};

class Filesystem {
 public:
  virtual ~Filesystem() = default;
  // The type name /proc/mounts shows ("tmpfs", "proc", "9p").
  virtual std::string_view type_name() const = 0;
  // statfs(2) of this filesystem.
  virtual Result<abi::linux::Statfs> Statfs() = 0;
};

class Inode : public std::enable_shared_from_this<Inode> {
 public:
  // `type` is the file type (st_mode & S_IFMT); it never changes.
  explicit Inode(uint32_t type) : type_(type & abi::linux::kSIfmt) {}
  virtual ~Inode() = default;
  Inode(const Inode&) = delete;
  Inode& operator=(const Inode&) = delete;

  uint32_t type() const { return type_; }
  bool is_dir() const { return type_ == abi::linux::kSIfdir; }
  bool is_symlink() const { return type_ == abi::linux::kSIflnk; }
  bool is_regular() const { return type_ == abi::linux::kSIfreg; }

  // Returns the attributes now.
  virtual Result<abi::linux::Stat> Stat() = 0;
  // Changes the attributes in `attr.mask` (chmod, chown, truncate, utimes). The
  // VFS has checked permission; a size change on a non-regular file is EINVAL.
  virtual Result<void> SetStat(const SetAttr& attr);

  // ---- Directories (ENOTDIR by default). ----
  // Returns the child `name`: ENOENT if none.
  virtual Result<InodeRef> Lookup(std::string_view name);
  // Returns the entries, without "." and "..", in a stable order.
  virtual Result<std::vector<DirEntry>> ReadDir();
  // Creates the regular file `name` (absent: the VFS checked) and opens it with
  // open(2) `flags`, whatever its mode says.
  virtual Result<std::pair<InodeRef, FileRef>> CreateFile(std::string_view name,
                                                          const NewNode& node, uint32_t flags);
  // Creates a FIFO, socket or device node `name` (mknod(2)); EPERM by default.
  virtual Result<InodeRef> Mknod(std::string_view name, const NewNode& node);
  virtual Result<InodeRef> Mkdir(std::string_view name, const NewNode& node);
  virtual Result<InodeRef> Symlink(std::string_view name, std::string_view target,
                                   const NewNode& node);
  // Adds the name `name` for `target`, a non-directory of the same filesystem.
  virtual Result<void> Link(std::string_view name, const InodeRef& target);
  // Removes the non-directory `child` named `name`.
  virtual Result<void> Unlink(std::string_view name, Inode& child);
  // Removes the directory `child` named `name`: ENOTEMPTY unless it is empty.
  virtual Result<void> Rmdir(std::string_view name, Inode& child);
  // Moves `child` from `name` here to `new_name` in `new_dir` (this filesystem),
  // replacing `replaced` (nullptr if the name is free). The VFS checked the types
  // (a directory only replaces an empty-looking directory: the filesystem checks
  // emptiness, ENOTEMPTY) and RENAME_NOREPLACE; with RENAME_EXCHANGE both exist and
  // swap places.
  virtual Result<void> Rename(std::string_view name, Inode& child, Inode& new_dir,
                              std::string_view new_name, Inode* replaced, uint32_t flags);
  // Makes the directory `name` for a mount point where Mkdir can't (a read-only
  // tree served from the host): one that exists only in the sandbox. EROFS by
  // default.
  virtual Result<InodeRef> MakeMountpoint(std::string_view name);
  // Creates an unnamed regular file in this directory (O_TMPFILE): EOPNOTSUPP by
  // default.
  virtual Result<std::pair<InodeRef, FileRef>> CreateTmpfile(const NewNode& node, uint32_t flags);

  // ---- Symlinks. ----
  // Returns the target: EINVAL if this is no symlink.
  virtual Result<std::string> Readlink();
  // For a "magic" link (/proc/PID/fd/N, /proc/PID/cwd): the place it stands for,
  // which a walk jumps to instead of resolving Readlink's text. EINVAL for a plain
  // symlink.
  virtual Result<VirtualDentry> MagicTarget() { return Errno(EINVAL); }

  // ---- Extended attributes. ----
  // The VFS has checked the name (a known namespace prefix, 1..255 bytes), the
  // value's size (at most 64 KiB) and permission; an inode only stores them. A
  // filesystem without extended attributes keeps the defaults: an empty list, and
  // EOPNOTSUPP for the rest.
  // Returns the value of `name`: ENODATA if it has none.
  virtual Result<std::string> GetXattr(std::string_view name);
  // Sets `name` to `value`. `flags` is setxattr(2)'s: kXattrCreate fails with
  // EEXIST if the name exists, kXattrReplace with ENODATA if it doesn't.
  virtual Result<void> SetXattr(std::string_view name, std::string_view value, uint32_t flags);
  // Returns every name, in a stable order.
  virtual Result<std::vector<std::string>> ListXattr();
  // Removes `name`: ENODATA if it has none.
  virtual Result<void> RemoveXattr(std::string_view name);

  // ---- Everything else. ----
  // Opens this inode with open(2) `flags` (O_CREAT, O_EXCL, O_TRUNC and O_PATH are
  // the VFS's business; an O_PATH open never reaches the inode).
  virtual Result<FileRef> Open(uint32_t flags) = 0;

  // Whether a cached name for this inode still holds. Filesystems whose names come
  // and go behind the VFS's back (/proc/PID/fd) answer false to make the walk look
  // the name up again.
  virtual bool Valid() { return true; }

  // The filesystem this inode belongs to.
  virtual Filesystem& filesystem() = 0;

  // Returns this inode's advisory locks (flock(2), POSIX and OFD record locks),
  // made on first use when `create`; nullptr if none were ever made and not
  // `create`. Thread-safe. (Defined in lock.cc.)
  std::shared_ptr<FileLocks> locks(bool create);

 private:
  const uint32_t type_;
  std::mutex locks_mu_;
  std::shared_ptr<FileLocks> locks_;
};

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_INODE_H_

// Vfs: the sandbox's file tree — the mount tree, the dentry cache, path resolution
// and the path operations the syscalls are built from (Linux's fs/namei.c and
// fs/namespace.c). Every path operation takes a PathContext: who asks (credentials
// for permission checks), their root (chroot) and where relative paths start (the
// working directory or a dirfd).
//
// Resolution walks one component at a time: "." stays, ".." never climbs above the
// caller's root and crosses from a mount's root to its mountpoint, a dentry with a
// mount on it is replaced by that mount's root, symlinks are followed (at most 40
// per walk: ELOOP), and searching a directory needs execute permission on it.
#ifndef KEKKAI_FS_VFS_VFS_H_
#define KEKKAI_FS_VFS_VFS_H_

#include <cstdint>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/linux/types.h"
#include "base/result.h"
#include "fs/vfs/dentry.h"
#include "fs/vfs/file_description.h"
#include "fs/vfs/inode.h"
#include "fs/vfs/mount.h"
#include "fs/vfs/permission.h"
#include "fs/vfs/virtual_dentry.h"
#include "sentry/auth/credentials.h"

namespace kekkai::fs::vfs {

struct PathContext {
  const sentry::auth::Credentials* creds = nullptr;  // nullptr: root with Docker's caps.
  VirtualDentry root;   // The caller's root directory.
  VirtualDentry start;  // Where a relative path starts.
  uint32_t umask = 022;
};

// openat2(2) RESOLVE_* flags.
inline constexpr uint64_t kResolveNoXdev = 0x01, kResolveNoMagiclinks = 0x02,
                          kResolveNoSymlinks = 0x04, kResolveBeneath = 0x08,
                          kResolveInRoot = 0x10, kResolveCached = 0x20;

// How a path operation treats the final component.
struct WalkOptions {
  bool follow = true;        // Follow a final symlink.
  bool directory = false;    // The result must be a directory (ENOTDIR).
  uint64_t resolve = 0;      // openat2(2) RESOLVE_* flags.
};

// Returns the absolute path of `vd` from the root of its mount tree, with
// " (deleted)" appended when it was unlinked.
std::string PathOf(const VirtualDentry& vd);

class Vfs {
 public:
  Vfs() = default;
  ~Vfs();
  Vfs(const Vfs&) = delete;
  Vfs& operator=(const Vfs&) = delete;

  // ---- Mounts. ----
  // Makes `root` of `fs` the root of the tree. Once, before anything else.
  Result<void> MountRoot(std::shared_ptr<Filesystem> fs, InodeRef root, bool read_only);
  // Mounts `root` of `fs` on the directory `path` (absolute, resolved from the
  // tree's root as root would, no symlinks followed), creating missing directories
  // on the way (mode 0755) — as sandbox-only mount points where the filesystem
  // makes those (Inode::MakeMountpoint: a host tree is never written), else as
  // real directories (tmpfs), read-only mount or not: this is the sandbox's own
  // business, not a guest write. ENOTDIR if `path` names a file, ELOOP a symlink.
  Result<void> MountAt(std::string_view path, std::shared_ptr<Filesystem> fs, InodeRef root,
                       bool read_only);
  // The root of the tree.
  VirtualDentry root() const;
  // Returns every mount, the root first, in mount order (/proc/PID/mountinfo).
  std::vector<std::shared_ptr<Mount>> Mounts() const;
  // A place outside the tree for a file with no name (memfd_create): a dead dentry
  // named `name` over `inode`, on `mount`. Its path is "/name (deleted)".
  static VirtualDentry Anonymous(std::shared_ptr<Mount> mount, InodeRef inode, std::string name);

  // ---- Resolution. ----
  // Returns what `path` names. ENOENT for "" (the syscalls handle AT_EMPTY_PATH).
  Result<VirtualDentry> Resolve(const PathContext& ctx, std::string_view path,
                                const WalkOptions& opts);

  // ---- Path operations (open(2), stat(2), mkdir(2), ...), with Linux's errors. ----
  // open(2) with `flags` and `mode` (before umask); O_PATH, O_CREAT, O_EXCL,
  // O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_TMPFILE are handled here. `resolve` holds
  // openat2(2) RESOLVE_* flags.
  Result<FileRef> Open(const PathContext& ctx, std::string_view path, uint32_t flags,
                       uint32_t mode, uint64_t resolve = 0);
  Result<abi::linux::Stat> Stat(const PathContext& ctx, std::string_view path, bool follow);
  Result<void> Mkdir(const PathContext& ctx, std::string_view path, uint32_t mode);
  // mknod(2): regular files, FIFOs, sockets, and device nodes (CAP_MKNOD).
  Result<void> Mknod(const PathContext& ctx, std::string_view path, uint32_t mode,
                     uint64_t dev);
  Result<void> Symlink(const PathContext& ctx, std::string_view target,
                       std::string_view linkpath);
  Result<void> Unlink(const PathContext& ctx, std::string_view path);
  Result<void> Rmdir(const PathContext& ctx, std::string_view path);
  Result<void> Rename(const PathContext& old_ctx, std::string_view old_path,
                      const PathContext& new_ctx, std::string_view new_path, uint32_t flags);
  Result<std::string> Readlink(const PathContext& ctx, std::string_view path);
  // access(2) for `mode` (R_OK|W_OK|X_OK or F_OK), with ctx.creds.
  Result<void> Access(const PathContext& ctx, std::string_view path, int mode, bool follow);
  // chmod/chown/truncate/utimes of a path. Permission rules as Linux's notify_change.
  Result<void> SetStat(const PathContext& ctx, std::string_view path, bool follow,
                       const SetAttr& attr);

  // ---- Operations on a place already resolved (f* calls, AT_EMPTY_PATH). ----
  // Checks permission and changes attributes, as SetStat does for a path. `attr`
  // times with UTIME_NOW/UTIME_OMIT nanoseconds are turned into concrete times.
  static Result<void> SetStatAt(const sentry::auth::Credentials* creds,
                                const VirtualDentry& vd, SetAttr attr);
  static Result<abi::linux::Statfs> StatfsAt(const VirtualDentry& vd);
  // Extended attributes of a place (fs/vfs/xattr.cc), with Linux's checks: the
  // name's namespace (user.* only on regular files and directories, trusted.*
  // only with CAP_SYS_ADMIN, writes to security.* other than security.capability
  // only with CAP_SYS_ADMIN, security.capability with CAP_SETFCAP; unknown
  // namespaces, and system.* (POSIX ACLs, which nothing here keeps), EOPNOTSUPP),
  // a read-only mount (EROFS), the sticky-directory rule and read or write
  // permission. `name` is 1..kXattrNameMax bytes (the syscall
  // checked); `value` at most kXattrSizeMax.
  static Result<std::string> GetXattrAt(const sentry::auth::Credentials* creds,
                                        const VirtualDentry& vd, std::string_view name);
  static Result<void> SetXattrAt(const sentry::auth::Credentials* creds, const VirtualDentry& vd,
                                 std::string_view name, std::string_view value, uint32_t flags);
  // The names the caller may see (trusted.* only with CAP_SYS_ADMIN, system.*
  // never).
  static Result<std::vector<std::string>> ListXattrAt(const sentry::auth::Credentials* creds,
                                                      const VirtualDentry& vd);
  static Result<void> RemoveXattrAt(const sentry::auth::Credentials* creds,
                                    const VirtualDentry& vd, std::string_view name);
  // access(2) of a place (faccessat2 with AT_EMPTY_PATH).
  static Result<void> AccessAt(const sentry::auth::Credentials* creds, const VirtualDentry& vd,
                               int mode);
  // link(2) of an existing place (linkat(AT_EMPTY_PATH), linking an O_TMPFILE file)
  // under a new name.
  Result<void> LinkAt(const VirtualDentry& old_vd, const PathContext& new_ctx,
                      std::string_view new_path);
  // Opens the file at `vd` (reopening through /proc/self/fd, exec of an O_PATH fd).
  static Result<FileRef> OpenAt(const sentry::auth::Credentials* creds,
                                const VirtualDentry& vd, uint32_t flags);

  // Returns the path of `vd` as seen from `root`: "/" for root itself; for a place
  // outside `root` (after chroot), "(unreachable)" and its path from the tree's
  // root. ENOENT when `vd` was unlinked (getcwd(2)).
  static Result<std::string> PathFrom(const VirtualDentry& vd, const VirtualDentry& root);

  // The current time, for the times the VFS sets.
  static abi::linux::Timespec Now();

 private:
  struct Parent;  // A resolved parent directory and the final name.
  class Walker;

  Result<Parent> ResolveParent(const PathContext& ctx, std::string_view path,
                               uint64_t resolve = 0);
  Result<FileRef> OpenCreate(const PathContext& ctx, std::string_view path, uint32_t flags,
                             uint32_t mode, uint64_t resolve);
  Result<FileRef> OpenTmpfile(const PathContext& ctx, std::string_view path, uint32_t flags,
                              uint32_t mode);
  static Result<FileRef> OpenResolved(const PathContext& ctx, const VirtualDentry& vd,
                                      uint32_t flags);

  // Returns the child `name` of `dir`, from the cache or by lookup. ENOENT.
  static Result<DentryRef> Child(const DentryRef& dir, std::string_view name);
  // Returns the mount on `vd`, or nullptr.
  std::shared_ptr<Mount> MountOn(const VirtualDentry& vd) const;
  // `vd` with mounts on it stepped into.
  VirtualDentry FollowMounts(VirtualDentry vd) const;
  // `vd`'s parent as ".." sees it, never above `root`.
  VirtualDentry Up(VirtualDentry vd, const VirtualDentry& root) const;
  // Drops every cached dentry nobody uses (no file, working directory, mount or
  // walk holds it, and it has no cached children) once the cache has grown past
  // its budget: host trees cost a gofer fid and a host fd per cached name.
  void MaybePrune();
  // Caches a new child `inode` of `dir` named `name`.
  static DentryRef AddChild(const DentryRef& dir, std::string_view name, InodeRef inode);
  // Removes `child` from the cache and marks it dead.
  static void Drop(const DentryRef& child);

  // Checks that the last component of `p` names nothing (EEXIST otherwise).
  static Result<void> CheckFree(const Parent& p);
  // Checks that a name may be made or removed in `dir` on `mount` (writable
  // mount, live directory, write and search permission).
  static Result<void> MayChangeDir(const PathContext& ctx, const VirtualDentry& dir);
  // The sticky-directory rule for removing or renaming `child` out of `dir`.
  static Result<void> MayDelete(const PathContext& ctx, Inode& dir, Inode& child);
  // The new node's owner: the caller's fsuid, and fsgid or the directory's group
  // when it is set-group-ID.
  static Result<NewNode> NewNodeFor(const PathContext& ctx, Inode& dir, uint32_t mode);

  mutable std::mutex mounts_mu_;
  std::shared_ptr<Mount> root_mount_;
  // Mounts by where they sit: (parent mount, dentry) -> mount, in mount order.
  std::map<std::pair<const Mount*, const Dentry*>, std::shared_ptr<Mount>> mounts_;
  std::vector<std::shared_ptr<Mount>> mount_order_;
  uint64_t next_mount_id_ = 1;
  // Prune when this many dentries exist.
  std::atomic<int64_t> prune_at_{kMinPruneAt};
  static constexpr int64_t kMinPruneAt = 4096;
  // One directory mutation at a time (create, link, unlink, rename): keeps the
  // cache and the filesystems in step, and rename's ancestry check honest.
  std::mutex mutate_mu_;
};

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_VFS_H_

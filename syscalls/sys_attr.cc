// Attributes and data of files: chmod(2), fchmod(2), fchmodat(2), chown(2),
// fchown(2), lchown(2), fchownat(2), utimensat(2), utimes(2), futimesat(2),
// truncate(2), ftruncate(2), fallocate(2), fsync(2), fdatasync(2), sync(2),
// syncfs(2), statfs(2), fstatfs(2).
#include "abi/linux/types.h"
#include "fs/vfs/dentry.h"
#include "fs/vfs/inode.h"
#include "fs/vfs/path_file.h"
#include "fs/vfs/vfs.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "syscalls/path.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;
using fs::vfs::FileRef;
using fs::vfs::SetAttr;

namespace {

// The place an fd names for fchmod/fchown: EBADF for an O_PATH fd (Linux's fdget
// refuses them), EINVAL for an fd with no place in the tree (a pipe, the caller's
// stdio), whose attributes the sandbox doesn't keep.
Result<fs::vfs::VirtualDentry> FdPlace(Task& t, int32_t fd) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(fd));
  if (file->flags() & kOPath) return Errno(EBADF);
  if (!file->location().ok()) return Errno(EINVAL);
  return file->location();
}

Result<void> SetStatOf(Task& t, const fs::vfs::VirtualDentry& vd, const SetAttr& attr) {
  return fs::vfs::Vfs::SetStatAt(&t.creds(), vd, attr);
}

SetAttr ModeAttr(uint32_t mode) {
  SetAttr a;
  a.mask = SetAttr::kMode;
  a.mode = mode & 07777;
  return a;
}

SetAttr OwnerAttr(uint32_t uid, uint32_t gid) {
  SetAttr a;
  a.mask = SetAttr::kKillPriv;
  if (uid != static_cast<uint32_t>(-1)) {
    a.mask |= SetAttr::kUid;
    a.uid = uid;
  }
  if (gid != static_cast<uint32_t>(-1)) {
    a.mask |= SetAttr::kGid;
    a.gid = gid;
  }
  return a;
}

SyscallResult ChmodAt(Task& t, int32_t dirfd, GuestAddr path_addr, uint32_t mode) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr));
  ASSIGN_OR_RETURN(fs::vfs::PathContext ctx, ContextAt(t, dirfd, path));
  RETURN_IF_ERROR(t.kernel().vfs().SetStat(ctx, path, true, ModeAttr(mode)));
  return uint64_t{0};
}

SyscallResult ChownAt(Task& t, int32_t dirfd, GuestAddr path_addr, uint32_t uid, uint32_t gid,
                      int32_t flags) {
  if (flags & ~(kAtSymlinkNofollow | kAtEmptyPath)) return Errno(EINVAL);
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr, (flags & kAtEmptyPath) != 0));
  ASSIGN_OR_RETURN(fs::vfs::VirtualDentry vd, PlaceAt(t, dirfd, path, flags));
  RETURN_IF_ERROR(SetStatOf(t, vd, OwnerAttr(uid, gid)));
  return uint64_t{0};
}

// utimensat(2)'s core: `times` as two timespecs (nullopt: both now), on the place
// (dirfd, path) — or the fd itself when `path_addr` is NULL.
SyscallResult UtimesAt(Task& t, int32_t dirfd, GuestAddr path_addr,
                       std::optional<std::array<Timespec, 2>> times, int32_t flags) {
  if (flags & ~(kAtSymlinkNofollow | kAtEmptyPath)) return Errno(EINVAL);
  SetAttr attr;
  attr.mask = SetAttr::kAtime | SetAttr::kMtime;
  if (times) {
    for (const Timespec& ts : *times) {
      if (ts.nsec != kUtimeNow && ts.nsec != kUtimeOmit && (ts.nsec < 0 || ts.nsec >= 1000000000)) {
        return Errno(EINVAL);
      }
    }
    attr.atime = (*times)[0];
    attr.mtime = (*times)[1];
    if (attr.atime.nsec == kUtimeOmit && attr.mtime.nsec == kUtimeOmit) return uint64_t{0};
  } else {
    attr.atime.nsec = attr.mtime.nsec = kUtimeNow;
  }
  fs::vfs::VirtualDentry vd;
  if (Raw(path_addr) == 0) {
    // futimens(3): the fd itself (an O_PATH fd too).
    if (flags & kAtSymlinkNofollow) return Errno(EINVAL);
    if (dirfd == kAtFdcwd) return Errno(EFAULT);
    ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(dirfd));
    if (!file->location().ok()) return Errno(EINVAL);
    vd = file->location();
  } else {
    ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr, (flags & kAtEmptyPath) != 0));
    ASSIGN_OR_RETURN(vd, PlaceAt(t, dirfd, path, flags));
  }
  RETURN_IF_ERROR(SetStatOf(t, vd, attr));
  return uint64_t{0};
}

// Reads utimes(2)'s two timevals (NULL: both now).
Result<std::optional<std::array<Timespec, 2>>> CopyInTimevals(Task& t, GuestAddr addr) {
  if (Raw(addr) == 0) return std::optional<std::array<Timespec, 2>>();
  ASSIGN_OR_RETURN(auto tv, (t.mm().CopyInObj<std::array<Timeval, 2>>(addr)));
  std::array<Timespec, 2> ts;
  for (int i = 0; i < 2; ++i) {
    if (tv[i].usec < 0 || tv[i].usec >= 1000000) return Errno(EINVAL);
    ts[i] = {tv[i].sec, tv[i].usec * 1000};
  }
  return std::optional<std::array<Timespec, 2>>(ts);
}

SyscallResult StatfsOf(Task& t, const fs::vfs::VirtualDentry& vd, GuestAddr buf) {
  ASSIGN_OR_RETURN(Statfs st, fs::vfs::Vfs::StatfsAt(vd));
  RETURN_IF_ERROR(t.mm().CopyOutObj(buf, st));
  return uint64_t{0};
}

SyscallResult SyncFd(Task& t, int32_t fd) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(fd));
  if (file->flags() & kOPath) return Errno(EBADF);
  RETURN_IF_ERROR(file->Sync());
  return uint64_t{0};
}

}  // namespace

// chmod(2).
SyscallResult SysChmod(Task& t, const SyscallArgs& args) {
  return ChmodAt(t, kAtFdcwd, args.Addr(0), args.Uint(1));
}

// fchmodat(2) (the syscall has no flags argument).
SyscallResult SysFchmodat(Task& t, const SyscallArgs& args) {
  return ChmodAt(t, args.Int(0), args.Addr(1), args.Uint(2));
}

// fchmodat2(2): fchmodat with AT_SYMLINK_NOFOLLOW (EOPNOTSUPP on a symlink, as
// Linux: a symlink's mode can't change) and AT_EMPTY_PATH.
SyscallResult SysFchmodat2(Task& t, const SyscallArgs& args) {
  const int32_t flags = args.Int(3);
  if (flags & ~(kAtSymlinkNofollow | kAtEmptyPath)) return Errno(EINVAL);
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, args.Addr(1), (flags & kAtEmptyPath) != 0));
  ASSIGN_OR_RETURN(fs::vfs::VirtualDentry vd, PlaceAt(t, args.Int(0), path, flags));
  if (vd.dentry->inode()->is_symlink()) return Errno(EOPNOTSUPP);
  RETURN_IF_ERROR(SetStatOf(t, vd, ModeAttr(args.Uint(2))));
  return uint64_t{0};
}

// fchmod(2).
SyscallResult SysFchmod(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(fs::vfs::VirtualDentry vd, FdPlace(t, args.Int(0)));
  RETURN_IF_ERROR(SetStatOf(t, vd, ModeAttr(args.Uint(1))));
  return uint64_t{0};
}

// chown(2).
SyscallResult SysChown(Task& t, const SyscallArgs& args) {
  return ChownAt(t, kAtFdcwd, args.Addr(0), args.Uint(1), args.Uint(2), 0);
}

// lchown(2).
SyscallResult SysLchown(Task& t, const SyscallArgs& args) {
  return ChownAt(t, kAtFdcwd, args.Addr(0), args.Uint(1), args.Uint(2), kAtSymlinkNofollow);
}

// fchownat(2).
SyscallResult SysFchownat(Task& t, const SyscallArgs& args) {
  return ChownAt(t, args.Int(0), args.Addr(1), args.Uint(2), args.Uint(3), args.Int(4));
}

// fchown(2).
SyscallResult SysFchown(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(fs::vfs::VirtualDentry vd, FdPlace(t, args.Int(0)));
  RETURN_IF_ERROR(SetStatOf(t, vd, OwnerAttr(args.Uint(1), args.Uint(2))));
  return uint64_t{0};
}

// utimensat(2).
SyscallResult SysUtimensat(Task& t, const SyscallArgs& args) {
  std::optional<std::array<Timespec, 2>> times;
  if (Raw(args.Addr(2)) != 0) {
    ASSIGN_OR_RETURN(times, (t.mm().CopyInObj<std::array<Timespec, 2>>(args.Addr(2))));
  }
  return UtimesAt(t, args.Int(0), args.Addr(1), times, args.Int(3));
}

// utime(2): whole seconds (struct utimbuf), NULL for now.
SyscallResult SysUtime(Task& t, const SyscallArgs& args) {
  std::optional<std::array<Timespec, 2>> times;
  if (Raw(args.Addr(1)) != 0) {
    ASSIGN_OR_RETURN(auto secs, (t.mm().CopyInObj<std::array<int64_t, 2>>(args.Addr(1))));
    times = std::array<Timespec, 2>{Timespec{secs[0], 0}, Timespec{secs[1], 0}};
  }
  return UtimesAt(t, kAtFdcwd, args.Addr(0), times, 0);
}

// utimes(2).
SyscallResult SysUtimes(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(auto times, CopyInTimevals(t, args.Addr(1)));
  if (Raw(args.Addr(0)) == 0) return Errno(EFAULT);
  return UtimesAt(t, kAtFdcwd, args.Addr(0), times, 0);
}

// futimesat(2).
SyscallResult SysFutimesat(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(auto times, CopyInTimevals(t, args.Addr(2)));
  return UtimesAt(t, args.Int(0), args.Addr(1), times, 0);
}

// truncate(2).
SyscallResult SysTruncate(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, args.Addr(0)));
  const int64_t len = args.Int64(1);
  if (len < 0) return Errno(EINVAL);
  ASSIGN_OR_RETURN(fs::vfs::PathContext ctx, ContextAt(t, kAtFdcwd, path));
  SetAttr attr;
  attr.mask = SetAttr::kSize;
  attr.size = static_cast<uint64_t>(len);
  RETURN_IF_ERROR(t.kernel().vfs().SetStat(ctx, path, true, attr));
  return uint64_t{0};
}

// ftruncate(2).
SyscallResult SysFtruncate(Task& t, const SyscallArgs& args) {
  const int64_t len = args.Int64(1);
  if (len < 0) return Errno(EINVAL);
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
  if (file->flags() & kOPath) return Errno(EBADF);
  fs::vfs::Inode* inode = file->inode();
  if (inode == nullptr || !inode->is_regular() || !file->writable()) return Errno(EINVAL);
  SetAttr attr;
  attr.mask = SetAttr::kSize;
  attr.size = static_cast<uint64_t>(len);
  // Writing through the fd was allowed at open: no permission check now, as Linux.
  RETURN_IF_ERROR(fs::vfs::Vfs::SetStatAt(nullptr, file->location(), attr));
  return uint64_t{0};
}

// fallocate(2): modes 0, FALLOC_FL_KEEP_SIZE, and FALLOC_FL_PUNCH_HOLE with
// FALLOC_FL_KEEP_SIZE where the filesystem can.
SyscallResult SysFallocate(Task& t, const SyscallArgs& args) {
  constexpr uint32_t kKeepSize = 1, kPunchHole = 2;
  const uint32_t mode = args.Uint(1);
  const int64_t offset = args.Int64(2), len = args.Int64(3);
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
  if (file->flags() & kOPath) return Errno(EBADF);
  if (offset < 0 || len <= 0) return Errno(EINVAL);
  if (mode & ~(kKeepSize | kPunchHole)) return Errno(EOPNOTSUPP);
  if ((mode & kPunchHole) && !(mode & kKeepSize)) return Errno(EOPNOTSUPP);
  if (!file->writable()) return Errno(EBADF);
  fs::vfs::Inode* inode = file->inode();
  if (inode == nullptr) return Errno(ESPIPE);
  if (inode->is_dir()) return Errno(EISDIR);
  if (!inode->is_regular()) return Errno(ENODEV);
  if (offset > INT64_MAX - len) return Errno(EFBIG);
  if (file->location().mount->read_only()) return Errno(EROFS);
  RETURN_IF_ERROR(file->Allocate(mode, static_cast<uint64_t>(offset), static_cast<uint64_t>(len)));
  return uint64_t{0};
}

// fsync(2).
SyscallResult SysFsync(Task& t, const SyscallArgs& args) { return SyncFd(t, args.Int(0)); }

// fdatasync(2).
SyscallResult SysFdatasync(Task& t, const SyscallArgs& args) { return SyncFd(t, args.Int(0)); }

// sync(2). The sandbox's data lives in memory or goes straight to host fds, whose
// own writeback the host kernel does.
SyscallResult SysSync(Task&, const SyscallArgs&) { return uint64_t{0}; }

// syncfs(2).
SyscallResult SysSyncfs(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
  return uint64_t{0};
}

// statfs(2).
SyscallResult SysStatfs(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, args.Addr(0)));
  ASSIGN_OR_RETURN(fs::vfs::VirtualDentry vd, PlaceAt(t, kAtFdcwd, path, 0));
  return StatfsOf(t, vd, args.Addr(1));
}

// fstatfs(2).
SyscallResult SysFstatfs(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
  if (!file->location().ok()) {
    // Pipes, sockets and the caller's stdio: an anonymous filesystem, as pipefs.
    Statfs st{};
    st.type = 0x50495045;  // PIPEFS_MAGIC
    st.bsize = st.frsize = kPageSize;
    st.namelen = 255;
    RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), st));
    return uint64_t{0};
  }
  return StatfsOf(t, file->location(), args.Addr(1));
}

}  // namespace kekkai::syscalls

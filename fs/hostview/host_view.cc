#include "fs/hostview/host_view.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <utility>

#include "base/logging.h"
#include "fs/hostview/dirent_buffer.h"
#include "fs/hostview/host_directory.h"
#include "fs/hostview/host_regular_file.h"
#include "fs/hostview/path_file.h"
#include "fs/hostview/permission.h"
#include "fs/hostview/synthetic_directory.h"

namespace kekkai::fs::hostview {

namespace {

using namespace abi::linux;

// __O_TMPFILE: O_TMPFILE is this bit together with O_DIRECTORY.
constexpr uint32_t kOTmpfileBit = 020000000;
// What O_PATH keeps of the open flags (Linux's build_open_flags).
constexpr uint32_t kPathFlags = kODirectory | kONofollow | kOPath | kOCloexec;
// Flags that act at open time only; the description doesn't keep them.
constexpr uint32_t kOpenOnlyFlags = kOCreat | kOExcl | kONoctty | kOTrunc | kOCloexec;

// Anonymous device numbers (major 0) of the synthetic file systems, far above the
// ones the host hands out to its own mounts.
constexpr uint64_t kDevFsDevice = dev::MakeDev(0, 0xfff00);
constexpr uint64_t kProcFsDevice = dev::MakeDev(0, 0xfff01);

// The host's top-level directories whose trees the policy treats as private.
constexpr std::string_view kPrivateTopLevel[] = {"/home", "/root"};

abi::linux::Timespec Now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return {ts.tv_sec, ts.tv_nsec};
}

}  // namespace

Result<std::unique_ptr<HostView>> HostView::Create(Options opts) {
  if (opts.host_root.empty()) return Errno(EINVAL);
  FileDescriptor root(open(opts.host_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) {
    PLOG(ERROR) << "open(" << opts.host_root << ", O_PATH|O_DIRECTORY)";
    return LastErrno();
  }

  // Look at the host as it is, nothing hidden, to find where the private trees and
  // the visible directory really are.
  const Walker raw(root.get(), /*policy=*/nullptr, /*mounts=*/{});
  const vfs::Caller host_caller;
  Policy::Options popts;
  popts.extra_hidden = std::move(opts.extra_hidden);
  for (std::string_view top : kPrivateTopLevel) {
    Result<Resolution> link = raw.Resolve(host_caller, top, /*follow=*/false);
    if (!link.ok() || !link->node || !link->node->is_symlink()) continue;
    Result<Resolution> target = raw.Resolve(host_caller, top, /*follow=*/true);
    if (target.ok() && target->node && target->node->path != "/") {
      popts.private_aliases.push_back(target->node->path);
    }
  }
  if (!opts.visible_home_dir.empty()) {
    popts.visible_home_dir = opts.visible_home_dir;
    Result<Resolution> v = raw.Resolve(host_caller, opts.visible_home_dir, /*follow=*/true);
    if (v.ok() && v->node && v->node->is_dir()) popts.visible_home_dir = v->node->path;
  }
  ASSIGN_OR_RETURN(Policy policy, Policy::Create(std::move(popts)));
  return std::unique_ptr<HostView>(new HostView(std::move(root), std::move(policy), Now()));
}

HostView::HostView(FileDescriptor root, Policy policy, abi::linux::Timespec now)
    : root_(std::move(root)),
      policy_(std::make_shared<const Policy>(std::move(policy))),
      dev_(kDevFsDevice, now),
      proc_(kProcFsDevice, now),
      dev_mount_(dev_),
      proc_mount_(proc_),
      walker_(root_.get(), policy_.get(), {{"dev", &dev_mount_}, {"proc", &proc_mount_}}) {}

Result<vfs::FileRef> HostView::Open(const vfs::Caller& c, std::string_view path, uint32_t flags,
                                    uint32_t) {
  const bool path_only = (flags & kOPath) != 0;
  if (path_only) flags &= kPathFlags;
  const bool tmpfile = (flags & kOTmpfileBit) != 0;
  const uint32_t acc = flags & kOAccmode;
  // Access mode 3 asks for reading and writing, as O_RDWR does.
  const bool write = acc != kORdonly;
  if (tmpfile) {
    if ((flags & (kOTmpfileBit | kODirectory | kOCreat)) != (kOTmpfileBit | kODirectory) ||
        !write) {
      return Errno(EINVAL);
    }
  } else if ((flags & kOCreat) && (flags & kODirectory)) {
    return Errno(EINVAL);  // Linux 6.4 and later
  }
  const bool excl_create = (flags & kOCreat) && (flags & kOExcl);
  const bool follow = !(flags & kONofollow) && !excl_create;
  ASSIGN_OR_RETURN(Resolution r, walker_.Resolve(c, path, follow));

  if (tmpfile) {
    // An unnamed file in a directory: a write, refused once the directory is found.
    if (!r.node) return Errno(ENOENT);
    if (!r.node->is_dir()) return Errno(ENOTDIR);
    return Errno(EROFS);
  }
  if (!r.node) {
    if (!(flags & kOCreat)) return Errno(ENOENT);
    return Errno(r.trailing_slash ? EISDIR : EROFS);
  }
  Node& n = *r.node;
  if (flags & kOCreat) {
    if (flags & kOExcl) return Errno(EEXIST);
    if (n.is_dir()) return Errno(EISDIR);
  }
  if ((flags & kODirectory) && !n.is_dir()) return Errno(ENOTDIR);
  const uint32_t kept = flags & ~kOpenOnlyFlags;
  if (path_only) {
    FileDescriptor fd = n.is_host() ? std::move(n.fd) : FileDescriptor();
    return vfs::FileRef(std::make_shared<PathFile>(kept, n.path, std::move(fd), n.stat));
  }
  if (n.is_symlink()) return Errno(ELOOP);  // O_NOFOLLOW
  if (n.is_dir()) {
    if (write || (flags & kOTrunc)) return Errno(EISDIR);
    RETURN_IF_ERROR(CheckPermission(c.creds, n.stat, kMayRead));
    return OpenDirectory(c, std::move(n), kept);
  }

  if (!n.is_host()) {
    // A device: writable, and O_TRUNC means nothing to it.
    int mask = acc == kORdonly ? kMayRead : acc == kOWronly ? kMayWrite : kMayRead | kMayWrite;
    if (flags & kOTrunc) mask |= kMayWrite;
    RETURN_IF_ERROR(CheckPermission(c.creds, n.stat, mask));
    return n.fs->Open(c, n.rel, kept);
  }

  // A regular host file (the walker shows no other kind).
  if (write || (flags & kOTrunc)) return Errno(EROFS);
  RETURN_IF_ERROR(CheckPermission(c.creds, n.stat, kMayRead));
  // Opened by name in its directory, never following a symlink; O_NONBLOCK so that an
  // entry swapped for a FIFO since the walk can't block us, and the type is checked
  // again on what was opened.
  FileDescriptor fd(openat(r.parent->fd.get(), r.name.c_str(),
                           O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) return LastErrno();
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return LastErrno();
  if (!S_ISREG(st.st_mode)) return Errno(ENOENT);
  auto file = std::make_shared<HostMappable>(std::move(fd), st.st_dev, st.st_ino, n.path);
  return vfs::FileRef(std::make_shared<HostRegularFile>(kept, std::move(file)));
}

Result<vfs::FileRef> HostView::OpenDirectory(const vfs::Caller& c, Node dir, uint32_t flags) {
  if (dir.is_host()) {
    FileDescriptor fd(
        openat(dir.fd.get(), ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd.valid()) return LastErrno();
    struct stat st;
    if (fstat(fd.get(), &st) != 0) return LastErrno();
    if (!S_ISDIR(st.st_mode)) return Errno(ENOENT);
    std::vector<HostDirectory::Override> overrides;
    if (dir.path == "/") {
      // The synthetic file systems stand where the host's /dev and /proc are.
      overrides.push_back({"dev", dev_.RootStat().ino, kDtDir});
      ASSIGN_OR_RETURN(abi::linux::Stat proc_root, proc_.Stat(c, {}));
      overrides.push_back({"proc", proc_root.ino, kDtDir});
    }
    return vfs::FileRef(std::make_shared<HostDirectory>(flags, std::move(fd), dir.path, policy_,
                                                        std::move(overrides)));
  }
  std::vector<SyntheticDirectory::Entry> entries;
  entries.push_back({dir.stat.ino, kDtDir, "."});
  uint64_t parent_ino;
  if (dir.rel.empty()) {
    ASSIGN_OR_RETURN(Node root, walker_.Root());
    parent_ino = root.stat.ino;
  } else {
    const std::span<const std::string> parent(dir.rel.data(), dir.rel.size() - 1);
    ASSIGN_OR_RETURN(abi::linux::Stat st, dir.fs->Stat(c, parent));
    parent_ino = st.ino;
  }
  entries.push_back({parent_ino, kDtDir, ".."});
  ASSIGN_OR_RETURN(std::vector<std::string> names, dir.fs->List(c, dir.rel));
  std::vector<std::string> rel = dir.rel;
  for (std::string& name : names) {
    rel.push_back(name);
    ASSIGN_OR_RETURN(abi::linux::Stat st, dir.fs->Stat(c, rel));
    rel.pop_back();
    entries.push_back({st.ino, DirentType(st.mode), std::move(name)});
  }
  return vfs::FileRef(
      std::make_shared<SyntheticDirectory>(flags, dir.path, dir.stat, std::move(entries)));
}

Result<abi::linux::Stat> HostView::Stat(const vfs::Caller& c, std::string_view path, bool follow) {
  ASSIGN_OR_RETURN(Resolution r, walker_.Resolve(c, path, follow));
  if (!r.node) return Errno(ENOENT);
  return r.node->stat;
}

Result<std::string> HostView::Readlink(const vfs::Caller& c, std::string_view path) {
  ASSIGN_OR_RETURN(Resolution r, walker_.Resolve(c, path, /*follow=*/false));
  if (!r.node) return Errno(ENOENT);
  if (!r.node->is_symlink()) return Errno(EINVAL);
  return walker_.ReadLink(c, *r.node);
}

Result<void> HostView::Access(const vfs::Caller& c, std::string_view path, int mode, bool follow) {
  if ((mode & ~(R_OK | W_OK | X_OK)) != 0) return Errno(EINVAL);
  ASSIGN_OR_RETURN(Resolution r, walker_.Resolve(c, path, follow));
  if (!r.node) return Errno(ENOENT);
  const Node& n = *r.node;
  // As on a read-only mount: files, directories and symlinks can't be written;
  // devices can.
  const bool device = S_ISCHR(n.stat.mode) || S_ISBLK(n.stat.mode);
  if ((mode & W_OK) && !device) return Errno(EROFS);
  return CheckPermission(c.creds, n.stat, mode);
}

Result<std::string> HostView::ResolveDirectory(const vfs::Caller& c, std::string_view path) {
  ASSIGN_OR_RETURN(Resolution r, walker_.Resolve(c, path, /*follow=*/true));
  if (!r.node) return Errno(ENOENT);
  if (!r.node->is_dir()) return Errno(ENOTDIR);
  RETURN_IF_ERROR(CheckPermission(c.creds, r.node->stat, kMayExec));
  return std::move(r.node->path);
}

Result<void> HostView::CheckModify(const vfs::Caller& c, std::string_view path) {
  // Whatever the call, its parent must resolve to a directory first; then the
  // read-only view refuses it.
  ASSIGN_OR_RETURN(Resolution r, walker_.Resolve(c, path, /*follow=*/false));
  (void)r;
  return Errno(EROFS);
}

}  // namespace kekkai::fs::hostview

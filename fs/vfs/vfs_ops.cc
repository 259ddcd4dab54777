// Vfs: the path operations, with the checks Linux's fs/namei.c makes before a
// filesystem sees a call.
#include <algorithm>

#include "fs/vfs/path_file.h"
#include "fs/vfs/vfs.h"
#include "fs/vfs/vfs_internal.h"

namespace kekkai::fs::vfs {

namespace {

using abi::linux::kSIfmt;

uint32_t Fsuid(const sentry::auth::Credentials* c) { return c == nullptr ? 0 : c->fsuid; }
uint32_t Fsgid(const sentry::auth::Credentials* c) { return c == nullptr ? 0 : c->fsgid; }

bool InGroup(const sentry::auth::Credentials* c, uint32_t gid) {
  if (gid == Fsgid(c)) return true;
  return c != nullptr && std::find(c->groups.begin(), c->groups.end(), gid) != c->groups.end();
}

// Whether a write to a file of `type` on a read-only mount is refused (Linux
// refuses it for regular files, directories and symlinks; devices and FIFOs write
// elsewhere).
bool WriteNeedsWritableMount(uint32_t type) {
  return type == abi::linux::kSIfreg || type == abi::linux::kSIfdir ||
         type == abi::linux::kSIflnk;
}

// The flags a description keeps (F_GETFL): open(2) drops the creation flags and
// O_CLOEXEC, and x86-64 forces O_LARGEFILE.
uint32_t DescriptionFlags(uint32_t flags) {
  return (flags & ~static_cast<uint32_t>(abi::linux::kOCreat | abi::linux::kOExcl |
                                         abi::linux::kONoctty | abi::linux::kOTrunc |
                                         abi::linux::kOCloexec)) |
         abi::linux::kOLargefile;
}

int AccessMask(uint32_t flags) {
  int mask = 0;
  switch (flags & abi::linux::kOAccmode) {
    case abi::linux::kORdonly:
      mask = kMayRead;
      break;
    case abi::linux::kOWronly:
      mask = kMayWrite;
      break;
    default:
      mask = kMayRead | kMayWrite;
      break;
  }
  if (flags & abi::linux::kOTrunc) mask |= kMayWrite;
  return mask;
}

bool HasMounts(const DentryRef& d) {
  std::lock_guard<std::mutex> tree(TreeMutex());
  return d->mounts_ > 0;
}

// Whether `ancestor` is `d` or above it (same filesystem tree).
bool IsAncestor(const DentryRef& ancestor, DentryRef d) {
  std::lock_guard<std::mutex> tree(TreeMutex());
  for (; d != nullptr; d = d->parent_) {
    if (d == ancestor) return true;
  }
  return false;
}

}  // namespace

Result<void> Vfs::MayChangeDir(const PathContext& ctx, const VirtualDentry& dir) {
  if (IsDead(dir)) return Errno(ENOENT);
  if (dir.mount->read_only()) return Errno(EROFS);
  ASSIGN_OR_RETURN(abi::linux::Stat st, dir.dentry->inode()->Stat());
  return CheckPermission(ctx.creds, st, kMayWrite | kMayExec);
}

Result<void> Vfs::MayDelete(const PathContext& ctx, Inode& dir, Inode& child) {
  ASSIGN_OR_RETURN(abi::linux::Stat dst, dir.Stat());
  if ((dst.mode & abi::linux::kSIsvtx) == 0) return Ok();
  ASSIGN_OR_RETURN(abi::linux::Stat cst, child.Stat());
  const uint32_t uid = Fsuid(ctx.creds);
  if (cst.uid == uid || dst.uid == uid || HasCap(ctx.creds, sentry::auth::kCapFowner)) {
    return Ok();
  }
  return Errno(EPERM);
}

Result<NewNode> Vfs::NewNodeFor(const PathContext& ctx, Inode& dir, uint32_t mode) {
  ASSIGN_OR_RETURN(abi::linux::Stat dst, dir.Stat());
  NewNode node{mode, Fsuid(ctx.creds), Fsgid(ctx.creds), 0};
  if (dst.mode & abi::linux::kSIsgid) {
    node.gid = dst.gid;
    if ((mode & kSIfmt) == abi::linux::kSIfdir) node.mode |= abi::linux::kSIsgid;
  }
  return node;
}

// ---- open(2). ----

Result<FileRef> Vfs::Open(const PathContext& ctx, std::string_view path, uint32_t flags,
                          uint32_t mode, uint64_t resolve) {
  using namespace abi::linux;
  MaybePrune();
  if ((flags & kOTmpfile) == static_cast<uint32_t>(kOTmpfile)) {
    return OpenTmpfile(ctx, path, flags, mode);
  }
  if (flags & kOPath) {
    flags &= kOPath | kODirectory | kONofollow | kOCloexec;
  } else if (flags & kOCreat) {
    if (flags & kODirectory) return Errno(EINVAL);
    return OpenCreate(ctx, path, flags, mode, resolve);
  }
  Walker w(*this, ctx, resolve);
  const bool nofollow = (flags & kONofollow) != 0;
  ASSIGN_OR_RETURN(VirtualDentry vd, w.Walk(path, !nofollow, (flags & kODirectory) != 0, nullptr));
  return OpenResolved(ctx, vd, flags);
}

Result<FileRef> Vfs::OpenResolved(const PathContext& ctx, const VirtualDentry& vd,
                                  uint32_t flags) {
  using namespace abi::linux;
  Inode& inode = *vd.dentry->inode();
  if (flags & kOPath) {
    if ((flags & kODirectory) && !inode.is_dir()) return Errno(ENOTDIR);
    auto file = std::make_shared<PathFile>(DescriptionFlags(flags) & ~kOLargefile);
    file->set_location(vd);
    return FileRef(std::move(file));
  }
  if (inode.is_symlink()) return Errno(ELOOP);
  if ((flags & kODirectory) && !inode.is_dir()) return Errno(ENOTDIR);
  const int mask = AccessMask(flags);
  if (inode.is_dir() && (mask & kMayWrite)) return Errno(EISDIR);
  if ((mask & kMayWrite) && vd.mount->read_only() && WriteNeedsWritableMount(inode.type())) {
    return Errno(EROFS);
  }
  ASSIGN_OR_RETURN(abi::linux::Stat st, inode.Stat());
  RETURN_IF_ERROR(CheckPermission(ctx.creds, st, mask));
  if ((flags & kOTrunc) && inode.is_regular()) {
    SetAttr attr;
    attr.mask = SetAttr::kSize | SetAttr::kMtime | SetAttr::kCtime;
    attr.mtime = attr.ctime = Now();
    RETURN_IF_ERROR(inode.SetStat(attr));
  }
  ASSIGN_OR_RETURN(FileRef file, inode.Open(DescriptionFlags(flags)));
  file->set_location(vd);
  return file;
}

Result<FileRef> Vfs::OpenCreate(const PathContext& ctx, std::string_view path, uint32_t flags,
                                uint32_t mode, uint64_t resolve) {
  using namespace abi::linux;
  Walker w(*this, ctx, resolve);
  std::string target(path);
  for (;;) {
    Parent p;
    RETURN_IF_ERROR(w.Walk(target, true, false, &p));
    if (p.special() || p.trailing_slash) return Errno(EISDIR);
    std::unique_lock<std::mutex> lock(mutate_mu_);
    Result<DentryRef> child = Child(p.dir.dentry, p.name);
    if (child.ok()) {
      if (flags & kOExcl) return Errno(EEXIST);
      VirtualDentry vd = FollowMounts({p.dir.mount, *child});
      Inode& inode = *vd.dentry->inode();
      if (inode.is_symlink()) {
        if (flags & kONofollow) return Errno(ELOOP);
        if (resolve & kResolveNoSymlinks) return Errno(ELOOP);
        if (w.symlinks() + 1 > kMaxSymlinks) return Errno(ELOOP);
        w.set_symlinks(w.symlinks() + 1);
        // A magic link (/proc/self/fd/N) stands for its place: open that.
        if (Result<VirtualDentry> magic = inode.MagicTarget(); magic.ok()) {
          if (resolve & (kResolveNoMagiclinks | kResolveBeneath | kResolveInRoot)) {
            return Errno(EXDEV);
          }
          lock.unlock();
          if (flags & kOExcl) return Errno(EEXIST);
          if (magic->dentry->inode()->is_dir()) return Errno(EISDIR);
          return OpenResolved(ctx, *magic, flags);
        } else if (magic.error() != Errno(EINVAL)) {
          return magic.error();
        }
        ASSIGN_OR_RETURN(target, inode.Readlink());
        if (target.empty()) return Errno(ENOENT);
        // The walk goes on from the link's directory (or the root).
        w.set_start(p.dir);
        continue;
      }
      lock.unlock();
      if (inode.is_dir()) return Errno(EISDIR);
      return OpenResolved(ctx, vd, flags);
    }
    if (child.error() != Errno(ENOENT)) return child.error();
    RETURN_IF_ERROR(MayChangeDir(ctx, p.dir));
    Inode& dir = *p.dir.dentry->inode();
    ASSIGN_OR_RETURN(NewNode node, NewNodeFor(ctx, dir, kSIfreg | (mode & ~ctx.umask & 07777)));
    ASSIGN_OR_RETURN(auto created, dir.CreateFile(p.name, node, DescriptionFlags(flags)));
    DentryRef d = AddChild(p.dir.dentry, p.name, std::move(created.first));
    created.second->set_location({p.dir.mount, std::move(d)});
    return std::move(created.second);
  }
}

Result<FileRef> Vfs::OpenTmpfile(const PathContext& ctx, std::string_view path, uint32_t flags,
                                 uint32_t mode) {
  using namespace abi::linux;
  const uint32_t acc = flags & kOAccmode;
  if (acc != kOWronly && acc != kORdwr) return Errno(EINVAL);
  if (flags & kOCreat) return Errno(EINVAL);
  ASSIGN_OR_RETURN(VirtualDentry dir, Resolve(ctx, path, {.follow = true, .directory = true}));
  RETURN_IF_ERROR(MayChangeDir(ctx, dir));
  Inode& dinode = *dir.dentry->inode();
  ASSIGN_OR_RETURN(NewNode node, NewNodeFor(ctx, dinode, kSIfreg | (mode & ~ctx.umask & 07777)));
  const uint32_t keep = DescriptionFlags(flags) & ~static_cast<uint32_t>(kOTmpfile);
  ASSIGN_OR_RETURN(auto created, dinode.CreateTmpfile(node, keep));
  ASSIGN_OR_RETURN(abi::linux::Stat st, created.first->Stat());
  auto d = std::make_shared<Dentry>("#" + std::to_string(st.ino), dir.dentry, created.first);
  d->dead_ = true;
  d->tmpfile_ = (flags & kOExcl) == 0;
  created.second->set_location({dir.mount, std::move(d)});
  return std::move(created.second);
}

Result<FileRef> Vfs::OpenAt(const sentry::auth::Credentials* creds, const VirtualDentry& vd,
                            uint32_t flags) {
  PathContext ctx;
  ctx.creds = creds;
  return OpenResolved(ctx, vd, flags & ~static_cast<uint32_t>(abi::linux::kOCreat));
}

// ---- Attributes. ----

Result<abi::linux::Stat> Vfs::Stat(const PathContext& ctx, std::string_view path, bool follow) {
  ASSIGN_OR_RETURN(VirtualDentry vd, Resolve(ctx, path, {.follow = follow}));
  return vd.dentry->inode()->Stat();
}

Result<void> Vfs::Access(const PathContext& ctx, std::string_view path, int mode, bool follow) {
  ASSIGN_OR_RETURN(VirtualDentry vd, Resolve(ctx, path, {.follow = follow}));
  return AccessAt(ctx.creds, vd, mode);
}

Result<void> Vfs::AccessAt(const sentry::auth::Credentials* creds, const VirtualDentry& vd,
                           int mode) {
  mode &= kMayRead | kMayWrite | kMayExec;
  if (mode == 0) return Ok();
  Inode& inode = *vd.dentry->inode();
  if ((mode & kMayWrite) && vd.mount->read_only() && WriteNeedsWritableMount(inode.type())) {
    return Errno(EROFS);
  }
  ASSIGN_OR_RETURN(abi::linux::Stat st, inode.Stat());
  return CheckPermission(creds, st, mode);
}

Result<void> Vfs::SetStat(const PathContext& ctx, std::string_view path, bool follow,
                          const SetAttr& attr) {
  ASSIGN_OR_RETURN(VirtualDentry vd, Resolve(ctx, path, {.follow = follow}));
  if (attr.mask & SetAttr::kSize) {
    Inode& inode = *vd.dentry->inode();
    if (inode.is_dir()) return Errno(EISDIR);
    if (!inode.is_regular()) return Errno(EINVAL);
    if (vd.mount->read_only()) return Errno(EROFS);
    ASSIGN_OR_RETURN(abi::linux::Stat st, inode.Stat());
    RETURN_IF_ERROR(CheckPermission(ctx.creds, st, kMayWrite));
  }
  return SetStatAt(ctx.creds, vd, attr);
}

Result<void> Vfs::SetStatAt(const sentry::auth::Credentials* creds, const VirtualDentry& vd,
                            SetAttr attr) {
  using namespace abi::linux;
  Inode& inode = *vd.dentry->inode();
  // UTIME_OMIT drops a time; UTIME_NOW is the current time.
  const Timespec now = Now();
  if ((attr.mask & SetAttr::kAtime) && attr.atime.nsec == kUtimeOmit) attr.mask &= ~SetAttr::kAtime;
  if ((attr.mask & SetAttr::kMtime) && attr.mtime.nsec == kUtimeOmit) attr.mask &= ~SetAttr::kMtime;
  // Setting the times to "now" needs only write access; anything else, ownership.
  const bool utime_now =
      (attr.mask & (SetAttr::kAtime | SetAttr::kMtime)) &&
      (!(attr.mask & SetAttr::kAtime) || attr.atime.nsec == kUtimeNow) &&
      (!(attr.mask & SetAttr::kMtime) || attr.mtime.nsec == kUtimeNow);
  if ((attr.mask & SetAttr::kAtime) && attr.atime.nsec == kUtimeNow) attr.atime = now;
  if ((attr.mask & SetAttr::kMtime) && attr.mtime.nsec == kUtimeNow) attr.mtime = now;
  const bool chown = (attr.mask & SetAttr::kKillPriv) != 0;
  attr.mask &= ~SetAttr::kKillPriv;
  if (attr.mask == 0 && !chown) return Ok();
  if (vd.mount->read_only() && WriteNeedsWritableMount(inode.type())) return Errno(EROFS);
  ASSIGN_OR_RETURN(abi::linux::Stat st, inode.Stat());
  const uint32_t fsuid = Fsuid(creds);
  const bool owner = st.uid == fsuid;
  const bool fowner = owner || HasCap(creds, sentry::auth::kCapFowner);
  if (attr.mask & (SetAttr::kAtime | SetAttr::kMtime)) {
    if (!fowner) {
      if (!utime_now) return Errno(EPERM);
      RETURN_IF_ERROR(CheckPermission(creds, st, kMayWrite));
    }
  }
  if (attr.mask & SetAttr::kMode) {
    if (!fowner) return Errno(EPERM);
    attr.mode &= 07777;
    const uint32_t gid = (attr.mask & SetAttr::kGid) ? attr.gid : st.gid;
    if (!InGroup(creds, gid) && !HasCap(creds, sentry::auth::kCapFsetid)) attr.mode &= ~kSIsgid;
  }
  if (chown || (attr.mask & (SetAttr::kUid | SetAttr::kGid))) {
    // Linux's chown_ok and chgrp_ok.
    const bool cap_chown = HasCap(creds, sentry::auth::kCapChown);
    if ((attr.mask & SetAttr::kUid) && !cap_chown && !(owner && attr.uid == st.uid)) {
      return Errno(EPERM);
    }
    if ((attr.mask & SetAttr::kGid) && !cap_chown &&
        !(owner && (attr.gid == st.gid || InGroup(creds, attr.gid)))) {
      return Errno(EPERM);
    }
    // A change of owner drops set-user-ID, and set-group-ID of a group-executable
    // file (Linux's notify_change ATTR_KILL_SUID/SGID).
    if (!inode.is_dir() && !(attr.mask & SetAttr::kMode) &&
        (st.mode & (kSIsuid | kSIsgid))) {
      uint32_t mode = st.mode & 07777 & ~kSIsuid;
      if (st.mode & 010) mode &= ~kSIsgid;
      if (mode != (st.mode & 07777)) {
        attr.mask |= SetAttr::kMode;
        attr.mode = mode;
      }
    }
  }
  if ((attr.mask & SetAttr::kSize) && !inode.is_regular()) {
    return Errno(inode.is_dir() ? EISDIR : EINVAL);
  }
  attr.mask |= SetAttr::kCtime;
  attr.ctime = now;
  if ((attr.mask & SetAttr::kSize) && !(attr.mask & SetAttr::kMtime)) {
    attr.mask |= SetAttr::kMtime;
    attr.mtime = now;
  }
  return inode.SetStat(attr);
}

Result<abi::linux::Statfs> Vfs::StatfsAt(const VirtualDentry& vd) {
  ASSIGN_OR_RETURN(abi::linux::Statfs st, vd.mount->filesystem().Statfs());
  if (vd.mount->read_only()) st.flags |= abi::linux::kSt_rdonly;
  return st;
}

Result<std::string> Vfs::Readlink(const PathContext& ctx, std::string_view path) {
  ASSIGN_OR_RETURN(VirtualDentry vd, Resolve(ctx, path, {.follow = false}));
  return vd.dentry->inode()->Readlink();
}

// ---- Making names. ----

Result<void> Vfs::CheckFree(const Parent& p) {
  Result<DentryRef> child = Child(p.dir.dentry, p.name);
  if (child.ok()) return Errno(EEXIST);
  if (child.error() != Errno(ENOENT)) return child.error();
  return Ok();
}

Result<void> Vfs::Mkdir(const PathContext& ctx, std::string_view path, uint32_t mode) {
  ASSIGN_OR_RETURN(Parent p, ResolveParent(ctx, path));
  if (p.special()) return Errno(EEXIST);
  std::lock_guard<std::mutex> lock(mutate_mu_);
  RETURN_IF_ERROR(CheckFree(p));
  RETURN_IF_ERROR(MayChangeDir(ctx, p.dir));
  Inode& dir = *p.dir.dentry->inode();
  ASSIGN_OR_RETURN(NewNode node,
                   NewNodeFor(ctx, dir, abi::linux::kSIfdir | (mode & ~ctx.umask & 01777)));
  ASSIGN_OR_RETURN(InodeRef made, dir.Mkdir(p.name, node));
  AddChild(p.dir.dentry, p.name, std::move(made));
  return Ok();
}

Result<void> Vfs::Mknod(const PathContext& ctx, std::string_view path, uint32_t mode,
                        uint64_t dev) {
  using namespace abi::linux;
  uint32_t type = mode & kSIfmt;
  if (type == 0) type = kSIfreg;
  switch (type) {
    case kSIfreg:
    case kSIfifo:
    case kSIfsock:
      break;
    case kSIfchr:
    case kSIfblk:
      if (!HasCap(ctx.creds, sentry::auth::kCapMknod)) return Errno(EPERM);
      break;
    case kSIfdir:
      return Errno(EPERM);
    default:
      return Errno(EINVAL);
  }
  ASSIGN_OR_RETURN(Parent p, ResolveParent(ctx, path));
  if (p.special()) return Errno(EEXIST);
  if (p.trailing_slash) return Errno(ENOENT);
  std::lock_guard<std::mutex> lock(mutate_mu_);
  RETURN_IF_ERROR(CheckFree(p));
  RETURN_IF_ERROR(MayChangeDir(ctx, p.dir));
  Inode& dir = *p.dir.dentry->inode();
  ASSIGN_OR_RETURN(NewNode node, NewNodeFor(ctx, dir, type | (mode & ~ctx.umask & 07777)));
  InodeRef made;
  if (type == kSIfreg) {
    ASSIGN_OR_RETURN(auto created, dir.CreateFile(p.name, node, kORdonly | kOLargefile));
    made = std::move(created.first);
  } else {
    node.rdev = (type == kSIfchr || type == kSIfblk) ? dev : 0;
    ASSIGN_OR_RETURN(made, dir.Mknod(p.name, node));
  }
  AddChild(p.dir.dentry, p.name, std::move(made));
  return Ok();
}

Result<void> Vfs::Symlink(const PathContext& ctx, std::string_view target,
                          std::string_view linkpath) {
  if (target.empty()) return Errno(ENOENT);
  ASSIGN_OR_RETURN(Parent p, ResolveParent(ctx, linkpath));
  if (p.special()) return Errno(EEXIST);
  std::lock_guard<std::mutex> lock(mutate_mu_);
  RETURN_IF_ERROR(CheckFree(p));
  if (p.trailing_slash) return Errno(ENOENT);
  RETURN_IF_ERROR(MayChangeDir(ctx, p.dir));
  Inode& dir = *p.dir.dentry->inode();
  ASSIGN_OR_RETURN(NewNode node, NewNodeFor(ctx, dir, abi::linux::kSIflnk | 0777));
  ASSIGN_OR_RETURN(InodeRef made, dir.Symlink(p.name, target, node));
  AddChild(p.dir.dentry, p.name, std::move(made));
  return Ok();
}

Result<void> Vfs::LinkAt(const VirtualDentry& old_vd, const PathContext& ctx,
                         std::string_view new_path) {
  using namespace abi::linux;
  const InodeRef& inode = old_vd.dentry->inode();
  if (inode->is_dir()) return Errno(EPERM);
  ASSIGN_OR_RETURN(Parent p, ResolveParent(ctx, new_path));
  if (p.special()) return Errno(EEXIST);
  std::lock_guard<std::mutex> lock(mutate_mu_);
  RETURN_IF_ERROR(CheckFree(p));
  if (p.trailing_slash) return Errno(ENOENT);
  if (p.dir.mount != old_vd.mount) return Errno(EXDEV);
  RETURN_IF_ERROR(MayChangeDir(ctx, p.dir));
  ASSIGN_OR_RETURN(abi::linux::Stat st, inode->Stat());
  {
    std::lock_guard<std::mutex> tree(TreeMutex());
    if (st.nlink == 0 && !old_vd.dentry->tmpfile_) return Errno(ENOENT);
  }
  // fs.protected_hardlinks (on by default): only the owner, or one who could read
  // and write a plain file, may link it.
  if (st.uid != Fsuid(ctx.creds) && !HasCap(ctx.creds, sentry::auth::kCapFowner)) {
    const bool plain = (st.mode & kSIfmt) == kSIfreg && !(st.mode & kSIsuid) &&
                       !((st.mode & kSIsgid) && (st.mode & 010));
    if (!plain || !CheckPermission(ctx.creds, st, kMayRead | kMayWrite).ok()) {
      return Errno(EPERM);
    }
  }
  RETURN_IF_ERROR(p.dir.dentry->inode()->Link(p.name, inode));
  {
    std::lock_guard<std::mutex> tree(TreeMutex());
    old_vd.dentry->tmpfile_ = false;
  }
  AddChild(p.dir.dentry, p.name, inode);
  return Ok();
}

// ---- Removing names. ----

Result<void> Vfs::Unlink(const PathContext& ctx, std::string_view path) {
  ASSIGN_OR_RETURN(Parent p, ResolveParent(ctx, path));
  if (p.special()) return Errno(EISDIR);
  std::lock_guard<std::mutex> lock(mutate_mu_);
  ASSIGN_OR_RETURN(DentryRef child, Child(p.dir.dentry, p.name));
  Inode& inode = *child->inode();
  if (inode.is_dir()) return Errno(EISDIR);
  if (p.trailing_slash) return Errno(ENOTDIR);
  RETURN_IF_ERROR(MayChangeDir(ctx, p.dir));
  Inode& dir = *p.dir.dentry->inode();
  RETURN_IF_ERROR(MayDelete(ctx, dir, inode));
  if (HasMounts(child)) return Errno(EBUSY);
  RETURN_IF_ERROR(dir.Unlink(p.name, inode));
  Drop(child);
  return Ok();
}

Result<void> Vfs::Rmdir(const PathContext& ctx, std::string_view path) {
  ASSIGN_OR_RETURN(Parent p, ResolveParent(ctx, path));
  if (p.special()) return Errno(p.name.empty() ? EBUSY : p.name.size() == 1 ? EINVAL : ENOTEMPTY);
  std::lock_guard<std::mutex> lock(mutate_mu_);
  ASSIGN_OR_RETURN(DentryRef child, Child(p.dir.dentry, p.name));
  Inode& inode = *child->inode();
  if (!inode.is_dir()) return Errno(ENOTDIR);
  RETURN_IF_ERROR(MayChangeDir(ctx, p.dir));
  Inode& dir = *p.dir.dentry->inode();
  RETURN_IF_ERROR(MayDelete(ctx, dir, inode));
  const VirtualDentry vd{p.dir.mount, child};
  if (HasMounts(child) || vd == ctx.root) return Errno(EBUSY);
  RETURN_IF_ERROR(dir.Rmdir(p.name, inode));
  Drop(child);
  return Ok();
}

Result<void> Vfs::Rename(const PathContext& old_ctx, std::string_view old_path,
                         const PathContext& new_ctx, std::string_view new_path, uint32_t flags) {
  using namespace abi::linux;
  if (flags & ~(kRenameNoreplace | kRenameExchange | kRenameWhiteout)) return Errno(EINVAL);
  if ((flags & kRenameExchange) && (flags & (kRenameNoreplace | kRenameWhiteout))) {
    return Errno(EINVAL);
  }
  if (flags & kRenameWhiteout) return Errno(EINVAL);
  const bool exchange = (flags & kRenameExchange) != 0;
  ASSIGN_OR_RETURN(Parent op, ResolveParent(old_ctx, old_path));
  ASSIGN_OR_RETURN(Parent np, ResolveParent(new_ctx, new_path));
  if (op.special() || np.special()) return Errno(EBUSY);
  if (op.dir.mount != np.dir.mount) return Errno(EXDEV);
  std::lock_guard<std::mutex> lock(mutate_mu_);
  ASSIGN_OR_RETURN(DentryRef src, Child(op.dir.dentry, op.name));
  Result<DentryRef> dst_or = Child(np.dir.dentry, np.name);
  if (!dst_or.ok() && (dst_or.error() != Errno(ENOENT) || exchange)) return dst_or.error();
  DentryRef dst = dst_or.ok() ? *dst_or : nullptr;
  Inode& src_inode = *src->inode();
  const bool src_dir = src_inode.is_dir();
  if ((op.trailing_slash || np.trailing_slash) && !src_dir && !exchange) return Errno(ENOTDIR);
  RETURN_IF_ERROR(MayChangeDir(old_ctx, op.dir));
  RETURN_IF_ERROR(MayChangeDir(new_ctx, np.dir));
  Inode& odir = *op.dir.dentry->inode();
  Inode& ndir = *np.dir.dentry->inode();
  RETURN_IF_ERROR(MayDelete(old_ctx, odir, src_inode));
  if (dst != nullptr) RETURN_IF_ERROR(MayDelete(new_ctx, ndir, *dst->inode()));
  if (dst != nullptr && dst->inode() == src->inode()) return Ok();
  if (dst != nullptr && (flags & kRenameNoreplace)) return Errno(EEXIST);
  if (dst != nullptr && !exchange) {
    const bool dst_dir = dst->inode()->is_dir();
    if (src_dir && !dst_dir) return Errno(ENOTDIR);
    if (!src_dir && dst_dir) return Errno(EISDIR);
  }
  // A directory can't move below itself; with an exchange, neither can the other.
  if (src_dir && IsAncestor(src, np.dir.dentry)) return Errno(EINVAL);
  if (exchange && dst->inode()->is_dir() && IsAncestor(dst, op.dir.dentry)) return Errno(EINVAL);
  if (dst != nullptr && !exchange && dst->inode()->is_dir() && IsAncestor(dst, op.dir.dentry)) {
    return Errno(ENOTEMPTY);
  }
  if (HasMounts(src) || (dst != nullptr && HasMounts(dst))) return Errno(EBUSY);
  if (VirtualDentry{op.dir.mount, src} == old_ctx.root) return Errno(EBUSY);
  // Moving a directory to another parent rewrites its "..": write permission on it.
  if (src_dir && op.dir.dentry != np.dir.dentry) {
    ASSIGN_OR_RETURN(abi::linux::Stat st, src_inode.Stat());
    RETURN_IF_ERROR(CheckPermission(old_ctx.creds, st, kMayWrite));
  }
  RETURN_IF_ERROR(odir.Rename(op.name, src_inode, ndir, np.name,
                              dst != nullptr ? dst->inode().get() : nullptr, flags));
  std::lock_guard<std::mutex> tree(TreeMutex());
  auto& ochildren = op.dir.dentry->children_;
  auto& nchildren = np.dir.dentry->children_;
  if (auto it = ochildren.find(op.name); it != ochildren.end() && it->second == src) {
    ochildren.erase(it);
  }
  if (dst != nullptr) {
    if (auto it = nchildren.find(np.name); it != nchildren.end() && it->second == dst) {
      nchildren.erase(it);
    }
    if (exchange) {
      dst->name_ = op.name;
      dst->parent_ = op.dir.dentry;
      ochildren[op.name] = dst;
    } else {
      dst->dead_ = true;
    }
  }
  src->name_ = np.name;
  src->parent_ = np.dir.dentry;
  nchildren[np.name] = src;
  return Ok();
}

}  // namespace kekkai::fs::vfs

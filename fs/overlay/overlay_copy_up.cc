// OverlayInode: copy-up — making the upper copy of a lower file before it changes.
#include <cstring>
#include <vector>

#include "fs/overlay/overlay_inode.h"
#include "sentry/usermem/vector_memory.h"

namespace kekkai::fs::overlay {

namespace {

using sentry::usermem::GuestRange;
using sentry::usermem::IoSequence;
using sentry::usermem::VectorMemory;

// How much file data one step of a copy-up moves.
constexpr size_t kCopyChunk = 256 << 10;

// Copies up to `limit` bytes of `lower` (a regular file) into `dst`, open for
// writing.
Result<void> CopyData(vfs::Inode& lower, vfs::FileDescription& dst, uint64_t limit) {
  if (limit == 0) return Ok();
  ASSIGN_OR_RETURN(vfs::FileRef src, lower.Open(abi::linux::kORdonly | abi::linux::kOLargefile));
  VectorMemory mem(kCopyChunk);
  uint64_t off = 0;
  while (off < limit) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kCopyChunk, limit - off));
    ASSIGN_OR_RETURN(size_t n, src->PRead(std::span(mem.bytes().data(), want), off));
    if (n == 0) break;
    size_t done = 0;
    while (done < n) {
      IoSequence io(mem, {GuestRange{GuestAddr(VectorMemory::kBase + done), n - done}});
      ASSIGN_OR_RETURN(size_t w, dst.Write(io, off + done));
      if (w == 0) return Errno(EIO);
      done += w;
    }
    off += n;
  }
  return Ok();
}

// Copies every extended attribute of `from` to `to`.
Result<void> CopyXattrs(vfs::Inode& from, vfs::Inode& to) {
  Result<std::vector<std::string>> names = from.ListXattr();
  if (!names.ok()) {
    // A lower layer without extended attributes has none to copy; one whose
    // attributes the gofer may not read (a host directory it can search but not
    // open) shows none, as listing them in the sandbox would.
    if (names.error() == Errno(EOPNOTSUPP) || names.error() == Errno(EACCES) ||
        names.error() == Errno(EPERM)) {
      return Ok();
    }
    return names.error();
  }
  for (const std::string& name : *names) {
    Result<std::string> value = from.GetXattr(name);
    if (!value.ok()) {
      if (value.error() == Errno(ENODATA)) continue;  // Removed meanwhile.
      return value.error();
    }
    RETURN_IF_ERROR(to.SetXattr(name, *value, 0));
  }
  return Ok();
}

// Removes `name` (`inode`) from the upper directory `dir`, whatever it is.
void RemoveStaged(vfs::Inode& dir, std::string_view name, vfs::Inode& inode) {
  if (inode.is_dir()) {
    (void)dir.Rmdir(name, inode);
  } else {
    (void)dir.Unlink(name, inode);
  }
}

}  // namespace

Result<void> OverlayInode::CopyUpLocked(uint64_t size_limit) {
  if (upper() != nullptr) return Ok();
  // The chain of directories not copied up yet, innermost first.
  std::vector<OverlayRef> chain{self()};
  for (;;) {
    std::optional<Place> p = chain.back()->FirstPlace();
    if (!p || p->first->upper() != nullptr) break;
    chain.push_back(p->first);
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    std::optional<Place> p = (*it)->FirstPlace();
    if ((*it)->is_dir() && !p) return Errno(ENOENT);  // A removed directory.
    RETURN_IF_ERROR((*it)->CopyUpOneLocked(p ? p->first : nullptr, p ? p->second : "",
                                           *it == self() ? size_limit : UINT64_MAX));
  }
  return Ok();
}

Result<void> OverlayInode::CopyUpOneLocked(const OverlayRef& dir, std::string_view name,
                                           uint64_t size_limit) {
  using namespace abi::linux;
  const Layers l = layers();
  if (l.upper != nullptr) return Ok();
  if (l.lower == nullptr) return Errno(EIO);
  vfs::Inode& lower = *l.lower;
  if (dir != nullptr) {
    // Another inode of the same file (an older one, kept by a linked file's
    // names after the VFS let the dentry go) may have copied it up already.
    Result<vfs::InodeRef> there = dir->upper()->Lookup(name);
    if (there.ok()) {
      const OverlayFs::UpperNote note = fs_.Note(**there);
      const bool same = (*there)->type() == type() &&
                        (is_dir() ? !note.opaque && !note.redirect : note.origin_ino == ino_);
      if (!same) return Errno(ENOENT);  // This name no longer leads here.
      std::lock_guard<std::mutex> lock(mu_);
      upper_ = *std::move(there);
      if (!is_dir()) lower_.reset();
      return Ok();
    }
    if (there.error() != Errno(ENOENT)) return there.error();
  }
  ASSIGN_OR_RETURN(abi::linux::Stat st, lower.Stat());
  vfs::Inode& work = *fs_.work_;
  const vfs::NewNode node{st.mode, st.uid, st.gid, st.rdev};
  // Made in the work directory, then renamed into place whole.
  const std::string temp = fs_.TempName();
  vfs::InodeRef made;
  vfs::FileRef file;
  switch (st.mode & kSIfmt) {
    case kSIfdir: {
      ASSIGN_OR_RETURN(made, work.Mkdir(temp, node));
      break;
    }
    case kSIfreg: {
      std::pair<vfs::InodeRef, vfs::FileRef> created;
      if (dir == nullptr) {
        ASSIGN_OR_RETURN(created, work.CreateTmpfile(node, kORdwr | kOLargefile));
      } else {
        ASSIGN_OR_RETURN(created, work.CreateFile(temp, node, kORdwr | kOLargefile));
      }
      made = std::move(created.first);
      file = std::move(created.second);
      break;
    }
    case kSIflnk: {
      ASSIGN_OR_RETURN(std::string target, lower.Readlink());
      ASSIGN_OR_RETURN(made, work.Symlink(temp, target, node));
      break;
    }
    default: {
      if (dir == nullptr) return Errno(ENOENT);
      ASSIGN_OR_RETURN(made, work.Mknod(temp, node));
      break;
    }
  }
  Result<void> filled = [&]() -> Result<void> {
    if (file != nullptr) RETURN_IF_ERROR(CopyData(lower, *file, size_limit));
    RETURN_IF_ERROR(CopyXattrs(lower, *made));
    // Last: the data and attributes written above changed them.
    vfs::SetAttr attr;
    attr.mask = vfs::SetAttr::kMode | vfs::SetAttr::kUid | vfs::SetAttr::kGid |
                vfs::SetAttr::kAtime | vfs::SetAttr::kMtime;
    attr.mode = st.mode & 07777;
    attr.uid = st.uid;
    attr.gid = st.gid;
    attr.atime = st.atime;
    attr.mtime = st.mtime;
    RETURN_IF_ERROR(made->SetStat(attr));
    if (dir != nullptr) {
      RETURN_IF_ERROR(work.Rename(temp, *made, *dir->upper(), name, nullptr, 0));
    }
    return Ok();
  }();
  if (!filled.ok()) {
    if (dir != nullptr) RemoveStaged(work, temp, *made);
    return filled.error();
  }
  OverlayFs::UpperNote note;
  note.origin_ino = ino_;
  note.linked = linked_;
  fs_.SetNote(made, note);
  {
    std::lock_guard<std::mutex> lock(mu_);
    upper_ = made;
    // A non-directory needs its lower file no more (a directory still merges it).
    if (!is_dir()) lower_.reset();
  }
  if (linked_) {
    fs_.PinLinked(self());
    if (dir != nullptr) fs_.HideLinkedName(*this);  // That name is an upper one now.
  }
  return Ok();
}

Result<void> OverlayInode::EnsureUpperEntryLocked(const OverlayRef& dir, std::string_view name) {
  vfs::InodeRef dir_upper = dir->upper();
  if (dir_upper == nullptr) return Errno(EIO);
  vfs::InodeRef mine = upper();
  if (mine == nullptr) return CopyUpOneLocked(dir, name, UINT64_MAX);
  Result<vfs::InodeRef> there = dir_upper->Lookup(name);
  if (there.ok()) return Ok();
  if (there.error() != Errno(ENOENT)) return there.error();
  // Another name of a linked file was copied up: this one becomes an upper name
  // of the same file.
  RETURN_IF_ERROR(dir_upper->Link(name, mine));
  fs_.HideLinkedName(*this);
  return Ok();
}

Result<std::vector<std::string>> OverlayInode::LowerPathLocked() {
  std::vector<std::string> names;
  OverlayRef cur = self();
  for (;;) {
    if (cur == fs_.root_) break;
    {
      std::lock_guard<std::mutex> lock(cur->mu_);
      if (cur->redirect_) {
        names.insert(names.begin(), cur->redirect_->begin(), cur->redirect_->end());
        break;
      }
    }
    std::optional<Place> p = cur->FirstPlace();
    if (!p) return Errno(ENOENT);
    names.insert(names.begin(), p->second);
    cur = p->first;
  }
  return names;
}

}  // namespace kekkai::fs::overlay

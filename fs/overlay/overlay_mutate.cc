// OverlayInode: the directory operations — names made, removed and moved in the
// upper layer, with whiteouts over lower names.
#include "base/logging.h"
#include "fs/overlay/overlay_file.h"
#include "fs/overlay/overlay_inode.h"
#include "fs/overlay/overlay_whiteout.h"

namespace kekkai::fs::overlay {

namespace {

using abi::linux::kRenameExchange;

OverlayInode* AsOverlay(vfs::Inode& inode, OverlayFs& fs) {
  auto* o = dynamic_cast<OverlayInode*>(&inode);
  return o != nullptr && &o->filesystem() == &fs ? o : nullptr;
}

// Returns the upper entry `name` of `dir` (a whiteout or not), or nullptr.
Result<vfs::InodeRef> UpperEntry(vfs::Inode& dir, std::string_view name) {
  Result<vfs::InodeRef> r = dir.Lookup(name);
  if (r.ok()) return *std::move(r);
  if (r.error() == Errno(ENOENT)) return vfs::InodeRef();
  return r.error();
}

// Removes the upper directory `dir` (named `name` in `parent`), which holds
// nothing but whiteouts.
Result<void> RemoveUpperDir(vfs::Inode& parent, std::string_view name, vfs::Inode& dir) {
  ASSIGN_OR_RETURN(std::vector<vfs::DirEntry> entries, dir.ReadDir());
  for (const vfs::DirEntry& e : entries) {
    ASSIGN_OR_RETURN(vfs::InodeRef c, dir.Lookup(e.name));
    if (c->is_dir()) return Errno(ENOTEMPTY);
    RETURN_IF_ERROR(dir.Unlink(e.name, *c));
  }
  return parent.Rmdir(name, dir);
}

// Removes every whiteout in the upper directory `dir` (whose merged view is
// empty: it holds nothing else).
Result<void> ClearWhiteouts(vfs::Inode& dir) {
  ASSIGN_OR_RETURN(std::vector<vfs::DirEntry> entries, dir.ReadDir());
  for (const vfs::DirEntry& e : entries) {
    ASSIGN_OR_RETURN(vfs::InodeRef c, dir.Lookup(e.name));
    ASSIGN_OR_RETURN(bool whiteout, IsWhiteout(*c));
    if (!whiteout) return Errno(ENOTEMPTY);
    RETURN_IF_ERROR(dir.Unlink(e.name, *c));
  }
  return Ok();
}

}  // namespace

// Whether the lower directory of `dir` has `name`.
static Result<bool> LowerHas(const vfs::InodeRef& lower, std::string_view name) {
  if (lower == nullptr) return false;
  Result<vfs::InodeRef> r = lower->Lookup(name);
  if (r.ok()) return true;
  if (r.error() == Errno(ENOENT)) return false;
  return r.error();
}

// What removing `name` from a (copied-up) directory finds: its upper entry
// (nullptr if only the lower layer has it) and whether the lower layer has it.
struct Removal {
  vfs::InodeRef upper;
  bool lower_has = false;
};
// ENOENT when a whiteout hides the name.
static Result<Removal> FindRemoval(const vfs::InodeRef& upper, const vfs::InodeRef& lower,
                                   std::string_view name) {
  Removal r;
  ASSIGN_OR_RETURN(r.upper, UpperEntry(*upper, name));
  if (r.upper != nullptr) {
    ASSIGN_OR_RETURN(bool whiteout, IsWhiteout(*r.upper));
    if (whiteout) return Errno(ENOENT);
  }
  ASSIGN_OR_RETURN(r.lower_has, LowerHas(lower, name));
  return r;
}

// Puts `made` (just created in the work directory as `temp`) at `name` in the
// upper directory `dir`, over the whiteout `whiteout` there.
static Result<void> PlaceOverWhiteout(vfs::Inode& work, const std::string& temp,
                                      const vfs::InodeRef& made, vfs::Inode& dir,
                                      std::string_view name, const vfs::InodeRef& whiteout) {
  Result<void> r = work.Rename(temp, *made, dir, name, whiteout.get(), 0);
  if (!r.ok()) {
    if (made->is_dir()) {
      (void)work.Rmdir(temp, *made);
    } else {
      (void)work.Unlink(temp, *made);
    }
  }
  return r;
}

Result<OverlayRef> OverlayInode::CreateUpperLocked(std::string_view name, const MakeUpper& make,
                                                  const std::function<void()>& undo) {
  RETURN_IF_ERROR(CopyUpLocked());
  vfs::InodeRef dir = upper();
  ASSIGN_OR_RETURN(vfs::InodeRef whiteout, UpperEntry(*dir, name));
  vfs::InodeRef made;
  if (whiteout == nullptr) {
    ASSIGN_OR_RETURN(made, make(*dir, name, /*over_whiteout=*/false));
  } else {
    const std::string temp = fs_.TempName();
    ASSIGN_OR_RETURN(made, make(*fs_.work_, temp, /*over_whiteout=*/true));
    Result<void> placed = PlaceOverWhiteout(*fs_.work_, temp, made, *dir, name, whiteout);
    if (!placed.ok()) {
      if (undo) undo();
      return placed.error();
    }
  }
  ASSIGN_OR_RETURN(abi::linux::Stat st, made->Stat());
  auto inode =
      std::make_shared<OverlayInode>(fs_, made->type(), st.ino | kUpperInoBit, made, nullptr);
  inode->AddPlace(self(), name);
  return inode;
}

Result<std::pair<vfs::InodeRef, vfs::FileRef>> OverlayInode::CreateFile(std::string_view name,
                                                                        const vfs::NewNode& node,
                                                                        uint32_t flags) {
  std::lock_guard<std::mutex> lock(fs_.mutate_mu_);
  vfs::FileRef opened;
  ASSIGN_OR_RETURN(OverlayRef inode,
                   CreateUpperLocked(name, [&](vfs::Inode& dir, std::string_view n, bool)
                                               -> Result<vfs::InodeRef> {
                     ASSIGN_OR_RETURN(auto created, dir.CreateFile(n, node, flags));
                     opened = std::move(created.second);
                     return std::move(created.first);
                   }));
  vfs::FileRef file =
      std::make_shared<OverlayFile>(flags, inode, std::move(opened), /*from_lower=*/false);
  return std::pair{vfs::InodeRef(inode), std::move(file)};
}

Result<std::pair<vfs::InodeRef, vfs::FileRef>> OverlayInode::CreateTmpfile(const vfs::NewNode& node,
                                                                           uint32_t flags) {
  std::lock_guard<std::mutex> lock(fs_.mutate_mu_);
  RETURN_IF_ERROR(CopyUpLocked());
  ASSIGN_OR_RETURN(auto created, fs_.work_->CreateTmpfile(node, flags));
  ASSIGN_OR_RETURN(abi::linux::Stat st, created.first->Stat());
  auto inode = std::make_shared<OverlayInode>(fs_, abi::linux::kSIfreg, st.ino | kUpperInoBit,
                                              created.first, nullptr);
  vfs::FileRef file = std::make_shared<OverlayFile>(flags, inode, std::move(created.second),
                                                    /*from_lower=*/false);
  return std::pair{vfs::InodeRef(inode), std::move(file)};
}

Result<vfs::InodeRef> OverlayInode::Mknod(std::string_view name, const vfs::NewNode& node) {
  if ((node.mode & abi::linux::kSIfmt) == abi::linux::kSIfchr && node.rdev == 0) {
    return Errno(EPERM);  // That is what a whiteout is.
  }
  std::lock_guard<std::mutex> lock(fs_.mutate_mu_);
  ASSIGN_OR_RETURN(OverlayRef inode,
                   CreateUpperLocked(name, [&](vfs::Inode& dir, std::string_view n, bool) {
                     return dir.Mknod(n, node);
                   }));
  return vfs::InodeRef(inode);
}

Result<vfs::InodeRef> OverlayInode::Mkdir(std::string_view name, const vfs::NewNode& node) {
  std::lock_guard<std::mutex> lock(fs_.mutate_mu_);
  vfs::InodeRef made;
  ASSIGN_OR_RETURN(
      OverlayRef inode,
      CreateUpperLocked(
          name,
          [&](vfs::Inode& dir, std::string_view n, bool over_whiteout) -> Result<vfs::InodeRef> {
            ASSIGN_OR_RETURN(made, dir.Mkdir(n, node));
            if (over_whiteout) {
              // Over a whiteout: opaque, so the lower directory of that name
              // stays hidden (marked before the name appears).
              OverlayFs::UpperNote note;
              note.opaque = true;
              fs_.SetNote(made, note);
            }
            return made;
          },
          [&] { fs_.DropNote(*made); }));
  return vfs::InodeRef(inode);
}

Result<vfs::InodeRef> OverlayInode::MakeMountpoint(std::string_view name) {
  if (!is_dir()) return Errno(ENOTDIR);
  return Mkdir(name, vfs::NewNode{abi::linux::kSIfdir | 0755, 0, 0, 0});
}

Result<vfs::InodeRef> OverlayInode::Symlink(std::string_view name, std::string_view target,
                                            const vfs::NewNode& node) {
  std::lock_guard<std::mutex> lock(fs_.mutate_mu_);
  ASSIGN_OR_RETURN(OverlayRef inode,
                   CreateUpperLocked(name, [&](vfs::Inode& dir, std::string_view n, bool) {
                     return dir.Symlink(n, target, node);
                   }));
  return vfs::InodeRef(inode);
}

Result<void> OverlayInode::Link(std::string_view name, const vfs::InodeRef& target) {
  OverlayInode* t = AsOverlay(*target, fs_);
  if (t == nullptr) return Errno(EXDEV);
  if (t->is_dir()) return Errno(EPERM);
  std::lock_guard<std::mutex> lock(fs_.mutate_mu_);
  RETURN_IF_ERROR(CopyUpLocked());
  RETURN_IF_ERROR(t->CopyUpLocked());
  vfs::InodeRef dir = upper();
  vfs::InodeRef tu = t->upper();
  ASSIGN_OR_RETURN(vfs::InodeRef whiteout, UpperEntry(*dir, name));
  if (whiteout == nullptr) {
    RETURN_IF_ERROR(dir->Link(name, tu));
  } else {
    const std::string temp = fs_.TempName();
    RETURN_IF_ERROR(fs_.work_->Link(temp, tu));
    RETURN_IF_ERROR(PlaceOverWhiteout(*fs_.work_, temp, tu, *dir, name, whiteout));
  }
  t->AddPlace(self(), name);
  return Ok();
}

Result<void> OverlayInode::Unlink(std::string_view name, vfs::Inode& child) {
  OverlayInode* c = AsOverlay(child, fs_);
  if (c == nullptr) return Errno(EXDEV);
  std::lock_guard<std::mutex> lock(fs_.mutate_mu_);
  RETURN_IF_ERROR(CopyUpLocked());
  const Layers l = layers();
  ASSIGN_OR_RETURN(Removal target, FindRemoval(l.upper, l.lower, name));
  const vfs::InodeRef& uc = target.upper;
  const bool lower_has = target.lower_has;
  if (uc == nullptr) {
    // A lower name: hide it.
    if (!lower_has) return Errno(ENOENT);
    RETURN_IF_ERROR(MakeWhiteout(*l.upper, name));
    fs_.HideLinkedName(*c);
  } else if (lower_has) {
    // Replaced by a whiteout in one step.
    const std::string temp = fs_.TempName();
    ASSIGN_OR_RETURN(vfs::InodeRef wh, MakeWhiteout(*fs_.work_, temp));
    Result<void> r = fs_.work_->Rename(temp, *wh, *l.upper, name, uc.get(), 0);
    if (!r.ok()) {
      (void)fs_.work_->Unlink(temp, *wh);
      return r.error();
    }
  } else {
    RETURN_IF_ERROR(l.upper->Unlink(name, *uc));
  }
  if (uc != nullptr) {
    Result<abi::linux::Stat> st = uc->Stat();
    if (st.ok() && st->nlink == 0) fs_.DropNote(*uc);
  }
  c->RemovePlace(this, name);
  return Ok();
}

Result<void> OverlayInode::Rmdir(std::string_view name, vfs::Inode& child) {
  OverlayInode* c = AsOverlay(child, fs_);
  if (c == nullptr) return Errno(EXDEV);
  std::lock_guard<std::mutex> lock(fs_.mutate_mu_);
  ASSIGN_OR_RETURN(std::vector<vfs::DirEntry> entries, c->ReadDir());
  if (!entries.empty()) return Errno(ENOTEMPTY);
  RETURN_IF_ERROR(CopyUpLocked());
  const Layers l = layers();
  ASSIGN_OR_RETURN(Removal target, FindRemoval(l.upper, l.lower, name));
  const vfs::InodeRef& uc = target.upper;
  const bool lower_has = target.lower_has;
  if (uc == nullptr) {
    if (!lower_has) return Errno(ENOENT);
    RETURN_IF_ERROR(MakeWhiteout(*l.upper, name));
  } else {
    // The upper directory (holding only whiteouts) moves to the work directory
    // in one step — swapped with a whiteout when the lower layer has the name —
    // and is emptied and removed there.
    const std::string temp = fs_.TempName();
    if (lower_has) {
      ASSIGN_OR_RETURN(vfs::InodeRef wh, MakeWhiteout(*fs_.work_, temp));
      Result<void> r = fs_.work_->Rename(temp, *wh, *l.upper, name, uc.get(), kRenameExchange);
      if (!r.ok()) {
        (void)fs_.work_->Unlink(temp, *wh);
        return r.error();
      }
    } else {
      RETURN_IF_ERROR(l.upper->Rename(name, *uc, *fs_.work_, temp, nullptr, 0));
    }
    if (Result<void> r = RemoveUpperDir(*fs_.work_, temp, *uc); !r.ok()) {
      LOG(WARNING) << "overlay: can't clear a removed directory: errno " << r.error().value();
    }
    fs_.DropNote(*uc);
  }
  {
    std::lock_guard<std::mutex> clock(c->mu_);
    c->removed_ = true;
  }
  c->RemovePlace(this, name);
  return Ok();
}

Result<void> OverlayInode::Rename(std::string_view name, vfs::Inode& child, vfs::Inode& new_dir,
                                  std::string_view new_name, vfs::Inode* replaced, uint32_t flags) {
  OverlayInode* to = AsOverlay(new_dir, fs_);
  OverlayInode* c = AsOverlay(child, fs_);
  OverlayInode* r = replaced != nullptr ? AsOverlay(*replaced, fs_) : nullptr;
  if (to == nullptr || c == nullptr || (replaced != nullptr && r == nullptr)) return Errno(EXDEV);
  if (flags & ~(abi::linux::kRenameNoreplace | kRenameExchange)) return Errno(EINVAL);
  const bool exchange = (flags & kRenameExchange) != 0;
  if (exchange && r == nullptr) return Errno(ENOENT);
  if (r == c) return Ok();
  const OverlayRef from_dir = self();
  const OverlayRef to_dir = to->self();
  const OverlayRef moved = c->self();
  const OverlayRef other = r != nullptr ? r->self() : nullptr;
  std::lock_guard<std::mutex> lock(fs_.mutate_mu_);
  if (!exchange && other != nullptr && other->is_dir()) {
    ASSIGN_OR_RETURN(std::vector<vfs::DirEntry> entries, other->ReadDir());
    if (!entries.empty()) return Errno(ENOTEMPTY);
  }
  RETURN_IF_ERROR(CopyUpLocked());
  RETURN_IF_ERROR(to->CopyUpLocked());
  // The moved file gets an upper entry at its old name (a directory alone, not
  // what it holds); with an exchange the other one too.
  RETURN_IF_ERROR(moved->EnsureUpperEntryLocked(from_dir, name));
  if (exchange) RETURN_IF_ERROR(other->EnsureUpperEntryLocked(to_dir, new_name));
  // A directory with a lower layer keeps finding it through a redirect; one
  // without becomes opaque, so it never merges with a lower namesake at its new
  // place.
  const auto dir_note = [&](const OverlayRef& d, OverlayFs::UpperNote* note,
                            std::optional<std::vector<std::string>>* redirect) -> Result<void> {
    *note = fs_.Note(*d->upper());
    if (d->layers().lower != nullptr) {
      ASSIGN_OR_RETURN(*redirect, d->LowerPathLocked());
      note->redirect = *redirect;
    } else {
      note->opaque = true;
    }
    return Ok();
  };
  OverlayFs::UpperNote moved_note, other_note;
  std::optional<std::vector<std::string>> moved_redirect, other_redirect;
  if (moved->is_dir()) RETURN_IF_ERROR(dir_note(moved, &moved_note, &moved_redirect));
  if (exchange && other->is_dir()) RETURN_IF_ERROR(dir_note(other, &other_note, &other_redirect));

  const Layers fl = layers();
  const Layers tl = to->layers();
  ASSIGN_OR_RETURN(vfs::InodeRef src, UpperEntry(*fl.upper, name));
  if (src == nullptr) return Errno(EIO);
  ASSIGN_OR_RETURN(vfs::InodeRef dst, UpperEntry(*tl.upper, new_name));
  bool dst_whiteout = false;
  if (dst != nullptr) {
    ASSIGN_OR_RETURN(dst_whiteout, IsWhiteout(*dst));
  }
  if (!exchange && dst != nullptr && !dst_whiteout && dst->is_dir()) {
    // An empty-looking directory replaced: only whiteouts are left in it.
    RETURN_IF_ERROR(ClearWhiteouts(*dst));
  }
  bool old_needs_whiteout = false;
  if (!exchange) {
    ASSIGN_OR_RETURN(old_needs_whiteout, LowerHas(fl.lower, name));
  }
  if (old_needs_whiteout) {
    // The old name becomes a whiteout as the file leaves it: swap one in, then
    // move the file from the work directory to its new name.
    const std::string temp = fs_.TempName();
    ASSIGN_OR_RETURN(vfs::InodeRef wh, MakeWhiteout(*fs_.work_, temp));
    Result<void> swapped =
        fs_.work_->Rename(temp, *wh, *fl.upper, name, src.get(), kRenameExchange);
    if (!swapped.ok()) {
      (void)fs_.work_->Unlink(temp, *wh);
      return swapped.error();
    }
    Result<void> placed = fs_.work_->Rename(temp, *src, *tl.upper, new_name, dst.get(), 0);
    if (!placed.ok()) {
      (void)fs_.work_->Rename(temp, *src, *fl.upper, name, wh.get(), kRenameExchange);
      (void)fs_.work_->Unlink(temp, *wh);
      return placed.error();
    }
  } else {
    RETURN_IF_ERROR(fl.upper->Rename(name, *src, *tl.upper, new_name, dst.get(),
                                     exchange ? kRenameExchange : 0));
  }

  // Bookkeeping: notes, hidden lower names of linked files, places.
  if (moved->is_dir()) {
    fs_.SetNote(src, moved_note);
    std::lock_guard<std::mutex> mlock(moved->mu_);
    moved->redirect_ = moved_redirect;
  }
  if (exchange && other->is_dir()) {
    fs_.SetNote(dst, other_note);
    std::lock_guard<std::mutex> olock(other->mu_);
    other->redirect_ = other_redirect;
  }
  if (!exchange && other != nullptr) {
    if (dst == nullptr || dst_whiteout) {
      fs_.HideLinkedName(*other);  // Its lower name is hidden now.
    } else if (dst->is_dir()) {
      fs_.DropNote(*dst);
    } else if (Result<abi::linux::Stat> st = dst->Stat(); st.ok() && st->nlink == 0) {
      fs_.DropNote(*dst);
    }
    if (other->is_dir()) {
      std::lock_guard<std::mutex> olock(other->mu_);
      other->removed_ = true;
    }
    other->RemovePlace(to, new_name);
  }
  moved->RemovePlace(this, name);
  moved->AddPlace(to_dir, new_name);
  if (exchange) {
    other->RemovePlace(to, new_name);
    other->AddPlace(from_dir, name);
  }
  return Ok();
}

}  // namespace kekkai::fs::overlay

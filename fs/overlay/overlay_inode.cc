// OverlayInode: attributes, lookup, listing, open and extended attributes.
#include "fs/overlay/overlay_inode.h"

#include <algorithm>
#include <set>

#include "fs/overlay/overlay_file.h"
#include "fs/overlay/overlay_whiteout.h"
#include "fs/vfs/directory_file.h"
#include "fs/vfs/dirent_buffer.h"

namespace kekkai::fs::overlay {

using abi::linux::kSIfdir;

OverlayInode::OverlayInode(OverlayFs& fs, uint32_t type, uint64_t ino, vfs::InodeRef upper,
                           vfs::InodeRef lower)
    : vfs::Inode(type), fs_(fs), ino_(ino), upper_(std::move(upper)), lower_(std::move(lower)) {}

OverlayInode::~OverlayInode() {
  std::vector<Place> todo = std::move(places_);
  while (!todo.empty()) {
    OverlayRef parent = std::move(todo.back().first);
    todo.pop_back();
    if (parent != nullptr && parent.use_count() == 1) {
      // The last reference: take its parents before it goes.
      for (Place& p : parent->places_) todo.push_back(std::move(p));
      parent->places_.clear();
    }
  }
}

vfs::Filesystem& OverlayInode::filesystem() { return fs_; }

vfs::InodeRef OverlayInode::upper() const {
  std::lock_guard<std::mutex> lock(mu_);
  return upper_;
}

OverlayInode::Layers OverlayInode::layers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {upper_, lower_};
}

// ---- Names. ----

// A place is known by its directory's inode number and the name, not by the
// directory object: once the dentry cache drops a directory, the next lookup
// makes a new object for it, which must replace the old one here rather than
// pile up (a linked file's inode outlives its dentries). Directories holding
// names of one file are on one host filesystem, so their numbers differ.
void OverlayInode::AddPlace(const OverlayRef& dir, std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (is_dir()) places_.clear();  // A directory has one name.
  for (Place& p : places_) {
    if (p.first->ino_ == dir->ino_ && p.second == name) {
      p.first = dir;
      return;
    }
  }
  places_.emplace_back(dir, std::string(name));
}

void OverlayInode::RemovePlace(const OverlayInode* dir, std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(places_,
                [&](const Place& p) { return p.first->ino_ == dir->ino_ && p.second == name; });
}

std::optional<OverlayInode::Place> OverlayInode::FirstPlace() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (places_.empty()) return std::nullopt;
  return places_.front();
}

// ---- Attributes. ----

Result<abi::linux::Stat> OverlayInode::Stat() {
  const Layers l = layers();
  const vfs::InodeRef& from = l.upper != nullptr ? l.upper : l.lower;
  if (from == nullptr) return Errno(EIO);
  ASSIGN_OR_RETURN(abi::linux::Stat st, from->Stat());
  st.dev = fs_.device();
  st.ino = ino_;
  if (is_dir()) {
    if (l.upper != nullptr && l.lower != nullptr) st.nlink = 1;
  } else if (linked_) {
    // The upper names plus the lower names not hidden.
    const uint64_t hidden = fs_.HiddenLinkedNames(*this);
    const uint64_t lower_names = linked_st_.nlink > hidden ? linked_st_.nlink - hidden : 0;
    st.nlink = (l.upper != nullptr ? st.nlink : 0) + lower_names;
  }
  return st;
}

Result<void> OverlayInode::SetStat(const vfs::SetAttr& attr) {
  std::lock_guard<std::mutex> lock(fs_.mutate_mu_);
  const bool resize = (attr.mask & vfs::SetAttr::kSize) != 0;
  RETURN_IF_ERROR(CopyUpLocked(resize ? attr.size : UINT64_MAX));
  return upper()->SetStat(attr);
}

// ---- Lookup and listing. ----

Result<vfs::InodeRef> OverlayInode::FromUpper(vfs::InodeRef uc, std::string_view name,
                                              const vfs::InodeRef& lower) {
  const OverlayFs::UpperNote note = fs_.Note(*uc);
  ASSIGN_OR_RETURN(abi::linux::Stat ust, uc->Stat());
  const uint64_t upper_ino = ust.ino | kUpperInoBit;
  if (uc->is_dir()) {
    vfs::InodeRef lc;
    if (note.opaque) {
      // Hides its lower namesake.
    } else if (note.redirect) {
      ASSIGN_OR_RETURN(lc, fs_.WalkLower(*note.redirect));
    } else if (lower != nullptr) {
      Result<vfs::InodeRef> r = lower->Lookup(name);
      if (r.ok() && (*r)->is_dir()) {
        lc = *std::move(r);
      } else if (!r.ok() && r.error() != Errno(ENOENT)) {
        return r.error();
      }
    }
    auto inode = std::make_shared<OverlayInode>(fs_, kSIfdir, note.origin_ino.value_or(upper_ino),
                                                std::move(uc), std::move(lc));
    inode->redirect_ = note.redirect;
    inode->AddPlace(self(), name);
    return vfs::InodeRef(inode);
  }
  if (note.linked && note.origin_ino) {
    if (OverlayRef shared = fs_.LinkedByUpper(*uc, *note.origin_ino)) {
      shared->AddPlace(self(), name);
      return vfs::InodeRef(shared);
    }
  }
  auto inode = std::make_shared<OverlayInode>(fs_, uc->type(), note.origin_ino.value_or(upper_ino),
                                              std::move(uc), nullptr);
  inode->AddPlace(self(), name);
  return vfs::InodeRef(inode);
}

Result<vfs::InodeRef> OverlayInode::FromLower(vfs::InodeRef lc, std::string_view name) {
  ASSIGN_OR_RETURN(abi::linux::Stat st, lc->Stat());
  if (lc->is_dir()) {
    auto inode = std::make_shared<OverlayInode>(fs_, kSIfdir, st.ino, nullptr, std::move(lc));
    inode->AddPlace(self(), name);
    return vfs::InodeRef(inode);
  }
  if (st.nlink > 1) return vfs::InodeRef(fs_.SharedLinked(st, std::move(lc), self(), name));
  auto inode = std::make_shared<OverlayInode>(fs_, lc->type(), st.ino, nullptr, std::move(lc));
  inode->AddPlace(self(), name);
  return vfs::InodeRef(inode);
}

Result<vfs::InodeRef> OverlayInode::Lookup(std::string_view name) {
  if (!is_dir()) return Errno(ENOTDIR);
  Layers l;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (removed_) return Errno(ENOENT);
    l = {upper_, lower_};
  }
  if (l.upper != nullptr) {
    Result<vfs::InodeRef> r = l.upper->Lookup(name);
    if (r.ok()) {
      ASSIGN_OR_RETURN(bool whiteout, IsWhiteout(**r));
      if (whiteout) return Errno(ENOENT);
      return FromUpper(*std::move(r), name, l.lower);
    }
    if (r.error() != Errno(ENOENT)) return r.error();
  }
  if (l.lower == nullptr) return Errno(ENOENT);
  ASSIGN_OR_RETURN(vfs::InodeRef lc, l.lower->Lookup(name));
  return FromLower(std::move(lc), name);
}

Result<std::vector<vfs::DirEntry>> OverlayInode::ReadDir() {
  if (!is_dir()) return Errno(ENOTDIR);
  Layers l;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (removed_) return std::vector<vfs::DirEntry>{};
    l = {upper_, lower_};
  }
  std::vector<vfs::DirEntry> out;
  std::set<std::string, std::less<>> hidden;  // Every upper name, whiteouts too.
  if (l.upper != nullptr) {
    ASSIGN_OR_RETURN(std::vector<vfs::DirEntry> upper, l.upper->ReadDir());
    for (vfs::DirEntry& e : upper) {
      hidden.insert(e.name);
      Result<vfs::InodeRef> uc = l.upper->Lookup(e.name);
      if (!uc.ok()) continue;  // Gone meanwhile.
      ASSIGN_OR_RETURN(bool whiteout, IsWhiteout(**uc));
      if (whiteout) continue;
      const OverlayFs::UpperNote note = fs_.Note(**uc);
      e.ino = note.origin_ino.value_or(e.ino | kUpperInoBit);
      out.push_back(std::move(e));
    }
  }
  if (l.lower != nullptr) {
    ASSIGN_OR_RETURN(std::vector<vfs::DirEntry> lower, l.lower->ReadDir());
    for (vfs::DirEntry& e : lower) {
      if (!hidden.contains(e.name)) out.push_back(std::move(e));
    }
  }
  return out;
}

// ---- Open, symlinks and extended attributes. ----

Result<vfs::FileRef> OverlayInode::Open(uint32_t flags) {
  if (is_dir()) return vfs::FileRef(std::make_shared<vfs::DirectoryFile>(flags, self()));
  const uint32_t acc = flags & abi::linux::kOAccmode;
  const bool write = acc == abi::linux::kOWronly || acc == abi::linux::kORdwr;
  if (is_regular() && write) {
    std::lock_guard<std::mutex> lock(fs_.mutate_mu_);
    RETURN_IF_ERROR(CopyUpLocked());
  }
  const Layers l = layers();
  const bool from_lower = l.upper == nullptr;
  const vfs::InodeRef& from = from_lower ? l.lower : l.upper;
  if (from == nullptr) return Errno(EIO);
  ASSIGN_OR_RETURN(vfs::FileRef inner, from->Open(flags));
  // FIFOs, sockets and devices are the layer's business (a FIFO is a pipe).
  if (!is_regular()) return inner;
  return vfs::FileRef(std::make_shared<OverlayFile>(flags, self(), std::move(inner), from_lower));
}

Result<vfs::InodeRef> OverlayInode::Current() const {
  const Layers l = layers();
  vfs::InodeRef from = l.upper != nullptr ? l.upper : l.lower;
  if (from == nullptr) return Errno(EIO);
  return from;
}

Result<std::string> OverlayInode::Readlink() {
  ASSIGN_OR_RETURN(vfs::InodeRef from, Current());
  return from->Readlink();
}

Result<std::string> OverlayInode::GetXattr(std::string_view name) {
  ASSIGN_OR_RETURN(vfs::InodeRef from, Current());
  return from->GetXattr(name);
}

Result<std::vector<std::string>> OverlayInode::ListXattr() {
  ASSIGN_OR_RETURN(vfs::InodeRef from, Current());
  return from->ListXattr();
}

Result<void> OverlayInode::SetXattr(std::string_view name, std::string_view value, uint32_t flags) {
  std::lock_guard<std::mutex> lock(fs_.mutate_mu_);
  RETURN_IF_ERROR(CopyUpLocked());
  return upper()->SetXattr(name, value, flags);
}

Result<void> OverlayInode::RemoveXattr(std::string_view name) {
  std::lock_guard<std::mutex> lock(fs_.mutate_mu_);
  // Removing what isn't there changes nothing: answer without a copy-up.
  if (upper() == nullptr) RETURN_IF_ERROR(GetXattr(name));
  RETURN_IF_ERROR(CopyUpLocked());
  return upper()->RemoveXattr(name);
}

}  // namespace kekkai::fs::overlay

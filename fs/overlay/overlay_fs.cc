#include "fs/overlay/overlay_fs.h"

#include "fs/overlay/overlay_inode.h"

namespace kekkai::fs::overlay {

namespace {

// Whether `a` and `b` are the attributes of one lower file, unchanged.
bool SameLowerFile(const abi::linux::Stat& a, const abi::linux::Stat& b) {
  return a.dev == b.dev && a.ino == b.ino && a.mode == b.mode && a.uid == b.uid && a.gid == b.gid &&
         a.size == b.size && a.mtime.sec == b.mtime.sec && a.mtime.nsec == b.mtime.nsec &&
         a.ctime.sec == b.ctime.sec && a.ctime.nsec == b.ctime.nsec;
}

}  // namespace

OverlayFs::OverlayFs(Passkey, std::shared_ptr<tmpfs::Tmpfs> upper,
                     std::shared_ptr<vfs::Filesystem> lower, vfs::InodeRef lower_root,
                     uint64_t device)
    : upper_fs_(std::move(upper)),
      lower_fs_(std::move(lower)),
      lower_root_(std::move(lower_root)),
      device_(device) {}

OverlayFs::~OverlayFs() {
  // Pinned linked files hold their parents; drop them before the rest.
  std::multimap<uint64_t, LinkedFile> linked;
  {
    std::lock_guard<std::mutex> lock(notes_mu_);
    linked.swap(linked_);
  }
}

Result<std::shared_ptr<OverlayFs>> OverlayFs::Create(std::shared_ptr<tmpfs::Tmpfs> upper,
                                                     std::shared_ptr<vfs::Filesystem> lower,
                                                     vfs::InodeRef lower_root, uint64_t device) {
  if (!lower_root->is_dir()) return Errno(ENOTDIR);
  ASSIGN_OR_RETURN(abi::linux::Stat st, lower_root->Stat());
  auto fs = std::make_shared<OverlayFs>(Passkey{}, upper, std::move(lower), std::move(lower_root),
                                        device);
  ASSIGN_OR_RETURN(vfs::InodeRef upper_root, upper->NewRoot(st.mode & 07777, st.uid, st.gid));
  ASSIGN_OR_RETURN(fs->work_, upper->NewRoot(0700, 0, 0));
  vfs::SetAttr times;
  times.mask = vfs::SetAttr::kAtime | vfs::SetAttr::kMtime;
  times.atime = st.atime;
  times.mtime = st.mtime;
  RETURN_IF_ERROR(upper_root->SetStat(times));
  UpperNote note;
  note.origin_ino = st.ino;
  fs->SetNote(upper_root, note);
  fs->root_ =
      std::make_shared<OverlayInode>(*fs, abi::linux::kSIfdir, st.ino, upper_root, fs->lower_root_);
  return fs;
}

Result<abi::linux::Statfs> OverlayFs::Statfs() {
  ASSIGN_OR_RETURN(abi::linux::Statfs st, upper_fs_->Statfs());
  st.type = kOverlayMagic;
  return st;
}

vfs::InodeRef OverlayFs::Root() const { return root_; }

OverlayFs::UpperNote OverlayFs::Note(const vfs::Inode& upper) {
  std::lock_guard<std::mutex> lock(notes_mu_);
  auto it = notes_.find(&upper);
  if (it == notes_.end()) return {};
  if (it->second.upper.lock().get() != &upper) {
    notes_.erase(it);  // A note of a freed inode whose address was reused.
    return {};
  }
  return it->second;
}

void OverlayFs::SetNote(const vfs::InodeRef& upper, UpperNote note) {
  note.upper = upper;
  std::lock_guard<std::mutex> lock(notes_mu_);
  notes_[upper.get()] = std::move(note);
}

void OverlayFs::DropNote(const vfs::Inode& upper) {
  std::lock_guard<std::mutex> lock(notes_mu_);
  notes_.erase(&upper);
}

OverlayFs::LinkedFile* OverlayFs::FindLinkedLocked(const abi::linux::Stat& st) {
  auto [begin, end] = linked_.equal_range(st.ino);
  for (auto it = begin; it != end; ++it) {
    if (SameLowerFile(it->second.lower_st, st)) return &it->second;
  }
  return nullptr;
}

OverlayRef OverlayFs::SharedLinked(const abi::linux::Stat& st, vfs::InodeRef lower,
                                   const OverlayRef& parent, std::string_view name) {
  OverlayRef inode;
  {
    std::lock_guard<std::mutex> lock(notes_mu_);
    LinkedFile* e = FindLinkedLocked(st);
    if (e != nullptr) inode = e->strong != nullptr ? e->strong : e->weak.lock();
    if (inode == nullptr) {
      inode = std::make_shared<OverlayInode>(*this, st.mode, st.ino, nullptr, std::move(lower));
      inode->linked_ = true;
      inode->linked_st_ = st;
      if (e != nullptr) {
        e->weak = inode;
      } else {
        linked_.emplace(st.ino, LinkedFile{st, inode, nullptr, 0});
      }
    }
  }
  inode->AddPlace(parent, name);
  return inode;
}

void OverlayFs::PinLinked(const OverlayRef& inode) {
  std::lock_guard<std::mutex> lock(notes_mu_);
  if (LinkedFile* e = FindLinkedLocked(inode->linked_st_)) e->strong = inode;
}

void OverlayFs::HideLinkedName(const OverlayInode& inode) {
  if (!inode.linked_) return;
  std::lock_guard<std::mutex> lock(notes_mu_);
  if (LinkedFile* e = FindLinkedLocked(inode.linked_st_)) ++e->hidden;
}

uint64_t OverlayFs::HiddenLinkedNames(const OverlayInode& inode) {
  std::lock_guard<std::mutex> lock(notes_mu_);
  LinkedFile* e = FindLinkedLocked(inode.linked_st_);
  return e == nullptr ? 0 : e->hidden;
}

OverlayRef OverlayFs::LinkedByUpper(const vfs::Inode& upper, uint64_t ino) {
  std::lock_guard<std::mutex> lock(notes_mu_);
  auto [begin, end] = linked_.equal_range(ino);
  for (auto it = begin; it != end; ++it) {
    if (it->second.strong != nullptr && it->second.strong->upper().get() == &upper) {
      return it->second.strong;
    }
  }
  return nullptr;
}

std::string OverlayFs::TempName() {
  return "#" + std::to_string(next_temp_.fetch_add(1, std::memory_order_relaxed));
}

Result<vfs::InodeRef> OverlayFs::WalkLower(const std::vector<std::string>& path) {
  vfs::InodeRef cur = lower_root_;
  for (const std::string& name : path) {
    ASSIGN_OR_RETURN(cur, cur->Lookup(name));
  }
  if (!cur->is_dir()) return Errno(ENOTDIR);
  return cur;
}

}  // namespace kekkai::fs::overlay

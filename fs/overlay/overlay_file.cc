#include "fs/overlay/overlay_file.h"

#include "fs/overlay/overlay_inode.h"

namespace kekkai::fs::overlay {

OverlayFile::OverlayFile(uint32_t flags, OverlayRef inode, vfs::FileRef inner, bool from_lower)
    : FileDescription(flags),
      inode_(std::move(inode)),
      inner_(std::move(inner)),
      from_lower_(from_lower) {}

Result<vfs::FileRef> OverlayFile::Inner() {
  std::lock_guard<std::mutex> lock(mu_);
  if (from_lower_) {
    if (vfs::InodeRef upper = inode_->upper()) {
      // Copied up since: carry on with the upper copy, at the same offset.
      ASSIGN_OR_RETURN(vfs::FileRef file, upper->Open(flags()));
      ASSIGN_OR_RETURN(uint64_t at, inner_->Seek(0, abi::linux::kSeekCur));
      RETURN_IF_ERROR(file->Seek(static_cast<int64_t>(at), abi::linux::kSeekSet));
      inner_ = std::move(file);
      from_lower_ = false;
      located_ = false;
    }
  }
  // The VFS sets our place after Open; the layer's file takes it on first use
  // (mappings and /proc name files by it).
  if (!located_ && location().ok()) {
    inner_->set_location(location());
    located_ = true;
  }
  return inner_;
}

void OverlayFile::SetStatusFlags(uint32_t flags) {
  std::lock_guard<std::mutex> lock(mu_);
  FileDescription::SetStatusFlags(flags);
  inner_->SetStatusFlags(flags);
}

Result<size_t> OverlayFile::Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) {
  ASSIGN_OR_RETURN(vfs::FileRef f, Inner());
  return f->Read(dst, offset);
}

Result<size_t> OverlayFile::Write(sentry::usermem::IoSequence& src,
                                  std::optional<uint64_t> offset) {
  ASSIGN_OR_RETURN(vfs::FileRef f, Inner());
  return f->Write(src, offset);
}

Result<uint64_t> OverlayFile::Seek(int64_t offset, int whence) {
  ASSIGN_OR_RETURN(vfs::FileRef f, Inner());
  return f->Seek(offset, whence);
}

Result<uint64_t> OverlayFile::Ioctl(sentry::usermem::GuestMemory& mem, uint32_t cmd, uint64_t arg) {
  ASSIGN_OR_RETURN(vfs::FileRef f, Inner());
  return f->Ioctl(mem, cmd, arg);
}

Result<abi::linux::Stat> OverlayFile::Stat() { return inode_->Stat(); }

uint32_t OverlayFile::Readiness(uint32_t mask) {
  Result<vfs::FileRef> f = Inner();
  return f.ok() ? (*f)->Readiness(mask) : mask;
}

void OverlayFile::EventRegister(sentry::waiter::Entry* e) {
  std::lock_guard<std::mutex> lock(mu_);
  inner_->EventRegister(e);
}

void OverlayFile::EventUnregister(sentry::waiter::Entry* e) {
  std::lock_guard<std::mutex> lock(mu_);
  inner_->EventUnregister(e);
}

Result<size_t> OverlayFile::PRead(std::span<std::byte> dst, uint64_t offset) {
  ASSIGN_OR_RETURN(vfs::FileRef f, Inner());
  return f->PRead(dst, offset);
}

std::shared_ptr<sentry::memmap::Mappable> OverlayFile::GetMappable() {
  Result<vfs::FileRef> f = Inner();
  return f.ok() ? (*f)->GetMappable() : nullptr;
}

Result<void> OverlayFile::Sync() {
  ASSIGN_OR_RETURN(vfs::FileRef f, Inner());
  return f->Sync();
}

Result<void> OverlayFile::Allocate(uint32_t mode, uint64_t offset, uint64_t len) {
  ASSIGN_OR_RETURN(vfs::FileRef f, Inner());
  return f->Allocate(mode, offset, len);
}

}  // namespace kekkai::fs::overlay

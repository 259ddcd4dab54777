// OverlayFile: an open regular file of an overlay. I/O goes to the layer's own
// open file (so mmap maps the layer's file); fstat shows the overlay's attributes;
// and a file opened read-only before a copy-up switches to the upper copy at its
// next call, keeping its offset (Linux does the same since 4.19), so every open
// file of the overlay sees writes made after a copy-up.
#ifndef KEKKAI_FS_OVERLAY_OVERLAY_FILE_H_
#define KEKKAI_FS_OVERLAY_OVERLAY_FILE_H_

#include <memory>
#include <mutex>

#include "fs/overlay/overlay_fs.h"
#include "fs/vfs/file_description.h"

namespace kekkai::fs::overlay {

class OverlayFile final : public vfs::FileDescription {
 public:
  // `inner` is `inode`'s layer file opened with `flags`; `from_lower` says it is
  // the lower layer's.
  OverlayFile(uint32_t flags, OverlayRef inode, vfs::FileRef inner, bool from_lower);

  Result<size_t> Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) override;
  Result<size_t> Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) override;
  Result<uint64_t> Seek(int64_t offset, int whence) override;
  Result<uint64_t> Ioctl(sentry::usermem::GuestMemory& mem, uint32_t cmd, uint64_t arg) override;
  Result<abi::linux::Stat> Stat() override;
  uint32_t Readiness(uint32_t mask) override;
  void EventRegister(sentry::waiter::Entry* e) override;
  void EventUnregister(sentry::waiter::Entry* e) override;
  std::string Name() const override { return path(); }
  Result<size_t> PRead(std::span<std::byte> dst, uint64_t offset) override;
  std::shared_ptr<sentry::memmap::Mappable> GetMappable() override;
  Result<void> Sync() override;
  Result<void> Allocate(uint32_t mode, uint64_t offset, uint64_t len) override;
  // O_APPEND and O_NONBLOCK decide what the layer file does: it gets them too.
  void SetStatusFlags(uint32_t flags) override;

 private:
  // Returns the layer file to use now, switching to the upper copy after a
  // copy-up (EIO-like errors of reopening it propagate).
  Result<vfs::FileRef> Inner();

  const OverlayRef inode_;
  std::mutex mu_;  // Guards what follows.
  vfs::FileRef inner_;
  bool from_lower_;
  bool located_ = false;  // inner_ knows where it was opened.
};

}  // namespace kekkai::fs::overlay

#endif  // KEKKAI_FS_OVERLAY_OVERLAY_FILE_H_

// HostDirectory: a host directory opened through the host view. Its listing is the
// host's getdents64, less what the policy hides and less FIFOs, sockets and
// devices; the directory offset is the host's, so lseek and telldir cookies work.
#ifndef KEKKAI_FS_HOSTVIEW_HOST_DIRECTORY_H_
#define KEKKAI_FS_HOSTVIEW_HOST_DIRECTORY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/file_descriptor.h"
#include "fs/hostview/policy.h"
#include "fs/vfs/file_description.h"

namespace kekkai::fs::hostview {

class HostDirectory final : public vfs::FileDescription {
 public:
  // An entry the listing shows in place of the host's (a synthetic file system
  // mounted on the root: /dev, /proc).
  struct Override {
    std::string name;
    uint64_t ino;
    uint8_t type;
  };

  // Owns `fd`, the host directory open O_RDONLY|O_DIRECTORY, at canonical guest
  // `path`, listed under `policy`. `overrides` replace host entries (the root's
  // mount points); at the root, ".." shows the root itself.
  HostDirectory(uint32_t flags, FileDescriptor fd, std::string path,
                std::shared_ptr<const Policy> policy, std::vector<Override> overrides = {});

  // EISDIR.
  Result<size_t> Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) override;
  Result<size_t> PRead(std::span<std::byte> dst, uint64_t offset) override;
  // EBADF: never open for writing.
  Result<size_t> Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) override;
  // The host's lseek on the directory (0 rewinds; a d_off resumes after its entry).
  Result<uint64_t> Seek(int64_t offset, int whence) override;
  Result<abi::linux::Stat> Stat() override;
  Result<size_t> Getdents(sentry::usermem::GuestMemory& mem, GuestAddr buf, size_t len) override;
  std::string Name() const override { return path_; }
  std::string path() const override { return path_; }

 private:
  // Returns whether the host entry `name` of d_type `type` is left out.
  bool Hidden(std::string_view name, uint8_t type) const;

  const FileDescriptor fd_;
  const std::string path_;
  const std::shared_ptr<const Policy> policy_;
  const std::vector<Override> overrides_;
};

}  // namespace kekkai::fs::hostview

#endif  // KEKKAI_FS_HOSTVIEW_HOST_DIRECTORY_H_

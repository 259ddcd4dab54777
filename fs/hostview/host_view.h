// HostView: the guest's file tree until the VFS and the gofer arrive — the host's
// root read-only, less what DESIGN.md hides (Policy), with the sandbox's own /dev
// (fs/dev) and /proc (fs/proc) on top. Paths are walked by the Walker, in the
// sentry; files open with fixed safe flags, never for writing, and only if regular
// or directories, so a guest can change no host file and never opens a FIFO or a
// device of the host.
#ifndef KEKKAI_FS_HOSTVIEW_HOST_VIEW_H_
#define KEKKAI_FS_HOSTVIEW_HOST_VIEW_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_descriptor.h"
#include "base/result.h"
#include "fs/dev/dev_fs.h"
#include "fs/hostview/policy.h"
#include "fs/hostview/synthetic_fs.h"
#include "fs/hostview/walker.h"
#include "fs/proc/proc_fs.h"
#include "fs/vfs/view.h"

namespace kekkai::fs::hostview {

class HostView final : public vfs::View {
 public:
  struct Options {
    // The host directory the guest sees as "/".
    std::string host_root = "/";
    // The caller's cwd if it lies under /home, /root, /run, /tmp or /var/tmp:
    // shown, read-only, with the directories on the way to it. A guest path;
    // symlinks in it are resolved.
    std::string visible_home_dir;
    // More guest paths to hide (Policy::Options::extra_hidden).
    std::vector<std::string> extra_hidden;
  };

  // Opens `opts.host_root` (O_PATH; the one host path the view opens by name) and
  // builds the policy: EINVAL for bad options, or the error of opening the root.
  static Result<std::unique_ptr<HostView>> Create(Options opts);

  HostView(const HostView&) = delete;
  HostView& operator=(const HostView&) = delete;

  Result<vfs::FileRef> Open(const vfs::Caller& c, std::string_view path, uint32_t flags,
                            uint32_t mode) override;
  Result<abi::linux::Stat> Stat(const vfs::Caller& c, std::string_view path, bool follow) override;
  Result<std::string> Readlink(const vfs::Caller& c, std::string_view path) override;
  // W_OK is EROFS for everything but the devices; X_OK needs an x bit on files.
  Result<void> Access(const vfs::Caller& c, std::string_view path, int mode, bool follow) override;
  Result<std::string> ResolveDirectory(const vfs::Caller& c, std::string_view path) override;
  Result<void> CheckModify(const vfs::Caller& c, std::string_view path) override;

  const Policy& policy() const { return *policy_; }

 private:
  HostView(FileDescriptor root, Policy policy, abi::linux::Timespec now);

  // Opens directory `dir` for reading.
  Result<vfs::FileRef> OpenDirectory(const vfs::Caller& c, Node dir, uint32_t flags);

  const FileDescriptor root_;
  // Shared with the directories opened, which filter their listings by it.
  const std::shared_ptr<const Policy> policy_;
  const dev::DevFs dev_;
  const proc::ProcFs proc_;
  const DevMount dev_mount_;
  const ProcMount proc_mount_;
  const Walker walker_;
};

}  // namespace kekkai::fs::hostview

#endif  // KEKKAI_FS_HOSTVIEW_HOST_VIEW_H_

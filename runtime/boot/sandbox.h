// Sandbox: wires one sandbox together, as gVisor's runsc/boot does — the
// MemoryFile, the platform, the guest's file view, the kernel with the x86-64
// syscall table, and the first process (found on PATH in the view, loaded through
// the same exec path as execve(2), with the caller's stdio).
#ifndef KEKKAI_RUNTIME_BOOT_SANDBOX_H_
#define KEKKAI_RUNTIME_BOOT_SANDBOX_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "fs/host/stdio_place.h"
#include "fs/vfs/vfs.h"
#include "gofer/client.h"
#include "platform/platform.h"
#include "sentry/kernel/kernel.h"
#include "sentry/mm/memory_file.h"

namespace kekkai::runtime::boot {

struct SandboxConfig {
  std::string platform = "ptrace";
  bool strace = false;
  std::vector<std::string> argv;  // argv[0] is looked up on PATH unless it has a '/'.
  std::vector<std::string> envp;
  std::string cwd = "/";           // The guest's working directory.
  // The caller's directory, shown even where the policy hides the host's tree:
  // writable in the sandbox through an overlay (the host unchanged), writable
  // through to the host with --overlay=none, as the rootfs.
  std::string caller_cwd;
  std::string hostname = "kekkai";
  // The host directory served as /; empty: the host's / (minus what the policy
  // hides, with the sandbox's own /tmp, /var/tmp, /root, /home, /run). It is
  // read-only below an in-sandbox overlay (fs/overlay): guest writes go to a
  // tmpfs and the host stays unchanged.
  std::string rootfs;
  bool rootfs_writable = false;    // --overlay=none: the rootfs itself, writable.
  struct Volume {
    std::string host, guest;
    bool read_only = false;
  };
  std::vector<Volume> volumes;
};

class Sandbox {
 public:
  // Builds the sandbox — starts the gofer, mounts the file tree — and loads the
  // program. Call from a thread that lives as long as the sandbox (the gofer dies
  // with it). Errors: ENOENT (program not found),
  // EACCES/ENOEXEC/ELOOP/E2BIG (it can't be run), ENOTDIR (no such working
  // directory), ENODEV (no usable platform); `error` gets a one-line reason.
  static Result<std::unique_ptr<Sandbox>> Create(SandboxConfig cfg, std::string* error);
  ~Sandbox();

  // Starts the first process, waits for it to exit and returns its wait status.
  int Run();
  // Forwards a signal kekkai received to the first process. Thread-safe; a no-op
  // once Run returned.
  void Signal(int sig);

 private:
  Sandbox() = default;
  // Starts the gofer and builds the file tree (vfs_, memfd_dir_).
  Result<void> BuildFiles(const SandboxConfig& cfg, std::string* error);
  bool RootfsTmpIsEmpty();

  std::unique_ptr<sentry::mm::MemoryFile> memory_file_;
  std::unique_ptr<platform::Platform> platform_;
  pid_t gofer_pid_ = -1;
  std::shared_ptr<gofer::Client> gofer_;
  std::unique_ptr<fs::vfs::Vfs> vfs_;
  fs::vfs::VirtualDentry memfd_dir_;
  // What the guest sees of the host (/proc, /sys, uname): read once in Create.
  sentry::kernel::HostFacts host_facts_;
  fs::host::StdioPlaces stdio_places_;
  fs::vfs::FileRef tty_;  // The caller's terminal (/dev/tty), if any.
  std::unique_ptr<sentry::kernel::SyscallTable> syscalls_;
  std::unique_ptr<sentry::kernel::Kernel> kernel_;
  sentry::kernel::Kernel::InitProcess init_;
  std::mutex signal_mu_;
  bool running_ = false;
};

}  // namespace kekkai::runtime::boot

#endif  // KEKKAI_RUNTIME_BOOT_SANDBOX_H_

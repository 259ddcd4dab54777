// Sandbox: wires one sandbox together, as gVisor's runsc/boot does — the
// MemoryFile, the platform, the kernel with the x86-64 syscall table, the first
// process's address space, program image and stdio.
#ifndef KEKKAI_RUNTIME_BOOT_SANDBOX_H_
#define KEKKAI_RUNTIME_BOOT_SANDBOX_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/file_descriptor.h"
#include "base/result.h"
#include "platform/platform.h"
#include "sentry/kernel/kernel.h"
#include "sentry/mm/memory_file.h"

namespace kekkai::runtime::boot {

struct SandboxConfig {
  std::string platform = "ptrace";
  bool strace = false;
  FileDescriptor program;          // The executable, opened on the host.
  std::string execfn;              // The path as the guest sees it (AT_EXECFN).
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  std::string cwd = "/";
  std::string hostname = "kekkai";
};

class Sandbox {
 public:
  // Builds the sandbox and loads the program. ENOEXEC for a program that can't be
  // loaded, E2BIG for arguments too large, ENODEV for an unusable platform.
  static Result<std::unique_ptr<Sandbox>> Create(SandboxConfig cfg);
  ~Sandbox();

  // Starts the first process, waits for it to exit and returns its wait status.
  int Run();
  // Forwards a signal kekkai received to the first process. Thread-safe; a no-op
  // once Run returned.
  void Signal(int sig);

 private:
  Sandbox() = default;

  std::unique_ptr<sentry::mm::MemoryFile> memory_file_;
  std::unique_ptr<platform::Platform> platform_;
  std::unique_ptr<sentry::kernel::SyscallTable> syscalls_;
  std::unique_ptr<sentry::kernel::Kernel> kernel_;
  sentry::kernel::Kernel::InitProcess init_;
  std::mutex signal_mu_;
  bool running_ = false;
};

}  // namespace kekkai::runtime::boot

#endif  // KEKKAI_RUNTIME_BOOT_SANDBOX_H_

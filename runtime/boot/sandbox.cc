#include "runtime/boot/sandbox.h"

#include "base/logging.h"
#include "fs/host/host_file.h"
#include "platform/ptrace/ptrace_platform.h"
#include "sentry/loader/executable_source.h"
#include "sentry/loader/loader.h"
#include "sentry/mm/memory_manager.h"
#include "syscalls/syscalls.h"

namespace kekkai::runtime::boot {

Result<std::unique_ptr<Sandbox>> Sandbox::Create(SandboxConfig cfg) {
  std::unique_ptr<Sandbox> s(new Sandbox());
  ASSIGN_OR_RETURN(s->memory_file_, sentry::mm::MemoryFile::Create());
  if (cfg.platform != "ptrace") return Errno(ENODEV);
  ASSIGN_OR_RETURN(s->platform_, platform::ptrace::NewPtracePlatform(s->memory_file_->fd()));
  s->syscalls_ = std::make_unique<sentry::kernel::SyscallTable>(syscalls::X86_64Table());

  sentry::kernel::KernelOptions ko;
  ko.platform = s->platform_.get();
  ko.memory_file = s->memory_file_.get();
  ko.syscalls = s->syscalls_.get();
  ko.hostname = cfg.hostname;
  ko.strace = cfg.strace;
  ASSIGN_OR_RETURN(s->kernel_, sentry::kernel::Kernel::Create(ko));

  ASSIGN_OR_RETURN(std::unique_ptr<platform::AddressSpace> as, s->platform_->NewAddressSpace());
  auto mm = std::make_shared<sentry::mm::MemoryManager>(*s->memory_file_, std::move(as));
  sentry::loader::HostFileSource program(std::move(cfg.program));
  sentry::loader::LoadRequest req;
  req.file = &program;
  req.execfn = cfg.execfn;
  req.argv = cfg.argv;
  req.envp = cfg.envp;
  req.open_interpreter = [](const std::string&)
      -> Result<std::unique_ptr<sentry::loader::ExecutableSource>> {
    // Dynamically linked programs need files from the VFS, which doesn't exist yet.
    return Errno(ENOEXEC);
  };
  ASSIGN_OR_RETURN(sentry::loader::LoadResult loaded, sentry::loader::Load(*mm, req));

  auto fds = std::make_shared<fs::vfs::FdTable>();
  for (int fd = 0; fd <= 2; ++fd) {
    auto f = fs::host::HostFile::Create(s->kernel_->reactor(), fd);
    if (!f.ok()) continue;  // A closed stdio fd stays closed in the guest too.
    RETURN_IF_ERROR(fds->InstallAt(fd, std::move(f).value(), false, 3));
  }

  s->init_.mm = std::move(mm);
  s->init_.fds = std::move(fds);
  s->init_.cwd = cfg.cwd;
  const std::string& a0 = cfg.argv.empty() ? cfg.execfn : cfg.argv[0];
  s->init_.comm = a0.substr(a0.rfind('/') + 1).substr(0, 15);
  s->init_.entry = loaded.entry;
  s->init_.stack_pointer = loaded.stack_pointer;
  return s;
}

Sandbox::~Sandbox() {
  {
    std::lock_guard lock(signal_mu_);
    running_ = false;
  }
  // The kernel goes first: it owns the tasks, whose address spaces belong to the
  // platform.
  kernel_.reset();
  init_ = {};
  platform_.reset();
}

int Sandbox::Run() {
  auto t = kernel_->StartInit(std::move(init_));
  if (!t.ok()) {
    LOG(ERROR) << "can't start the first process: errno " << t.error().value();
    return 125 << 8;
  }
  {
    std::lock_guard lock(signal_mu_);
    running_ = true;
  }
  const int status = kernel_->WaitForInit();
  std::lock_guard lock(signal_mu_);
  running_ = false;
  return status;
}

void Sandbox::Signal(int sig) {
  std::lock_guard lock(signal_mu_);
  if (running_) kernel_->SignalInit(sig);
}

}  // namespace kekkai::runtime::boot

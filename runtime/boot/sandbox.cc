#include "runtime/boot/sandbox.h"

#include <cstring>

#include "abi/linux/types.h"
#include "base/logging.h"
#include "fs/host/host_file.h"
#include "fs/hostview/host_view.h"
#include "platform/ptrace/ptrace_platform.h"
#include "sentry/loader/exec.h"
#include "sentry/mm/memory_manager.h"
#include "syscalls/syscalls.h"

namespace kekkai::runtime::boot {

namespace {

std::string PathVar(const std::vector<std::string>& envp) {
  for (const auto& kv : envp) {
    if (kv.rfind("PATH=", 0) == 0) return kv.substr(5);
  }
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

// Finds `prog` as execvp(3) would, on PATH inside the view: the first executable
// regular file; EACCES if only non-executable ones exist; ENOENT if none.
Result<std::string> FindOnPath(fs::vfs::View& view, const fs::vfs::Caller& c,
                               const std::string& prog, const std::string& path_var,
                               const std::string& cwd) {
  if (prog.find('/') != std::string::npos) return prog;
  bool denied = false;
  size_t start = 0;
  while (start <= path_var.size()) {
    size_t end = path_var.find(':', start);
    if (end == std::string::npos) end = path_var.size();
    std::string dir = path_var.substr(start, end - start);
    start = end + 1;
    const std::string candidate =
        sentry::loader::AbsolutePath(cwd, (dir.empty() ? "." : dir) + "/" + prog);
    auto st = view.Stat(c, candidate, /*follow=*/true);
    if (!st.ok() || (st->mode & abi::linux::kSIfmt) != abi::linux::kSIfreg) continue;
    if (view.Access(c, candidate, /*X_OK=*/1, true).ok()) return candidate;
    denied = true;
  }
  return Errno(denied ? EACCES : ENOENT);
}

}  // namespace

Result<std::unique_ptr<Sandbox>> Sandbox::Create(SandboxConfig cfg, std::string* error) {
  std::unique_ptr<Sandbox> s(new Sandbox());
  ASSIGN_OR_RETURN(s->memory_file_, sentry::mm::MemoryFile::Create());
  if (cfg.platform != "ptrace") {
    *error = "platform " + cfg.platform + " is not available";
    return Errno(ENODEV);
  }
  ASSIGN_OR_RETURN(s->platform_, platform::ptrace::NewPtracePlatform(s->memory_file_->fd()));

  fs::hostview::HostView::Options vo;
  vo.visible_home_dir = cfg.caller_cwd;
  auto view = fs::hostview::HostView::Create(vo);
  if (!view.ok()) {
    *error = std::string("can't open the host's root: ") + strerror(view.error().value());
    return view.error();
  }
  s->view_ = std::move(view).value();
  s->syscalls_ = std::make_unique<sentry::kernel::SyscallTable>(syscalls::X86_64Table());

  sentry::kernel::KernelOptions ko;
  ko.platform = s->platform_.get();
  ko.memory_file = s->memory_file_.get();
  ko.syscalls = s->syscalls_.get();
  ko.view = s->view_.get();
  ko.hostname = cfg.hostname;
  ko.strace = cfg.strace;
  ASSIGN_OR_RETURN(s->kernel_, sentry::kernel::Kernel::Create(ko));

  sentry::auth::Credentials creds;
  const fs::vfs::Caller caller{&creds, 1, ""};
  auto cwd = s->view_->ResolveDirectory(caller, cfg.cwd);
  if (!cwd.ok()) {
    *error = "working directory " + cfg.cwd + ": " + strerror(cwd.error().value()) +
             " in the sandbox";
    return Errno(ENOTDIR);
  }
  const std::string& prog = cfg.argv[0];
  auto found = FindOnPath(*s->view_, caller, prog, PathVar(cfg.envp), *cwd);
  if (!found.ok()) {
    *error = prog + (found.error().value() == ENOENT ? ": executable file not found in $PATH"
                                                     : ": permission denied");
    return found.error();
  }

  sentry::loader::ExecRequest req;
  req.view = s->view_.get();
  req.caller = caller;
  req.cwd = *cwd;
  req.filename = *found;
  req.argv = cfg.argv;
  req.envp = cfg.envp;
  sentry::kernel::Kernel* k = s->kernel_.get();
  req.new_mm = [k] { return k->NewMemoryManager(); };
  auto image = sentry::loader::Exec(req);
  if (!image.ok()) {
    const int e = image.error().value();
    if (e == ENOEXEC) {
      *error = prog + ": exec format error";
    } else if (e == E2BIG) {
      *error = prog + ": argument list too long";
    } else {
      *error = prog + ": " + strerror(e);
    }
    return image.error();
  }

  auto fds = std::make_shared<fs::vfs::FdTable>();
  for (int fd = 0; fd <= 2; ++fd) {
    auto f = fs::host::HostFile::Create(s->kernel_->reactor(), fd);
    if (!f.ok()) continue;  // A closed stdio fd stays closed in the guest too.
    RETURN_IF_ERROR(fds->InstallAt(fd, std::move(f).value(), false, 3));
  }

  s->init_.mm = std::move(image->mm);
  s->init_.fds = std::move(fds);
  s->init_.cwd = *cwd;
  s->init_.comm = prog.substr(prog.rfind('/') + 1).substr(0, 15);
  s->init_.exe = image->exe;
  s->init_.creds = creds;
  s->init_.entry = image->load.entry;
  s->init_.stack_pointer = image->load.stack_pointer;
  return s;
}

Sandbox::~Sandbox() {
  {
    std::lock_guard lock(signal_mu_);
    running_ = false;
  }
  // The kernel goes first: it owns the tasks, whose address spaces belong to the
  // platform and whose files belong to the view.
  kernel_.reset();
  init_ = {};
  view_.reset();
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

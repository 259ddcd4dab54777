#include "runtime/boot/sandbox.h"

#include <cstring>

#include "abi/linux/types.h"
#include "base/logging.h"
#include <sys/wait.h>
#include <unistd.h>

#include "fs/dev/dev_fs.h"
#include "fs/gofer/gofer_fs.h"
#include "fs/host/host_file.h"
#include "fs/host/stdio_place.h"
#include "fs/overlay/overlay_fs.h"
#include "fs/proc/proc_fs.h"
#include "fs/sys/sys_fs.h"
#include "fs/tmpfs/tmpfs.h"
#include "fs/vfs/dentry.h"
#include "fs/vfs/mount.h"
#include "gofer/policy.h"
#include "gofer/spawn.h"
#include "platform/ptrace/ptrace_platform.h"
#include "runtime/boot/host_facts.h"
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

// Finds `prog` as execvp(3) would, on PATH inside the sandbox: the first executable
// regular file; EACCES if only non-executable ones exist; ENOENT if none.
Result<std::string> FindOnPath(fs::vfs::Vfs& vfs, const fs::vfs::PathContext& ctx,
                               const std::string& prog, const std::string& path_var) {
  if (prog.find('/') != std::string::npos) return prog;
  bool denied = false;
  size_t start = 0;
  while (start <= path_var.size()) {
    size_t end = path_var.find(':', start);
    if (end == std::string::npos) end = path_var.size();
    std::string dir = path_var.substr(start, end - start);
    start = end + 1;
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + prog;
    auto st = vfs.Stat(ctx, candidate, /*follow=*/true);
    if (!st.ok() || (st->mode & abi::linux::kSIfmt) != abi::linux::kSIfreg) continue;
    if (vfs.Access(ctx, candidate, /*X_OK=*/1, true).ok()) return candidate;
    denied = true;
  }
  return Errno(denied ? EACCES : ENOENT);
}

// st_dev numbers of the sandbox's filesystems: major 0, as Linux's anonymous
// devices (tmpfs, proc) get.
uint64_t AnonDevice(uint32_t minor) { return fs::dev::MakeDev(0, minor); }

// Each tmpfs holds at most half the sandbox's memory (the host's RAM, read at
// start-up), as Linux's default size=.
uint64_t TmpfsSizeLimit(const sentry::kernel::HostFacts& facts) {
  return facts.mem_total_bytes / 2;
}

// The directories of the default rootfs that are the sandbox's own tmpfs, with
// their modes.
struct PrivateDir {
  const char* path;
  uint32_t mode;
};
constexpr PrivateDir kPrivateDirs[] = {
    {"/tmp", 01777}, {"/var/tmp", 01777}, {"/root", 0700},
    {"/home", 0755}, {"/run", 0755},
};

}  // namespace

// Whether the rootfs has no /tmp, or an empty one (asked through the VFS: the
// sentry opens no host path).
bool Sandbox::RootfsTmpIsEmpty() {
  fs::vfs::PathContext ctx;
  ctx.root = ctx.start = vfs_->root();
  auto tmp = vfs_->Resolve(ctx, "/tmp", {.directory = true});
  if (!tmp.ok()) return tmp.error() == Errno(ENOENT);
  auto entries = tmp->dentry->inode()->ReadDir();
  return entries.ok() && entries->empty();
}

// Builds the file tree: the gofer and its trees, then the mounts.
Result<void> Sandbox::BuildFiles(const SandboxConfig& cfg, std::string* error) {
  const uint64_t tmpfs_size = TmpfsSizeLimit(host_facts_);
  using gofer::TreeSpec;
  const bool default_root = cfg.rootfs.empty();
  std::vector<TreeSpec> trees;
  TreeSpec root_tree;
  root_tree.path = default_root ? "/" : cfg.rootfs;
  root_tree.read_only = !cfg.rootfs_writable;
  if (default_root) root_tree.policy = gofer::Policy::Options{};
  trees.push_back(root_tree);
  // The caller's directory is shown even inside a tree the policy hides
  // (/home/me/project), served as a tree of its own: below an overlay by default,
  // writable with --overlay=none, as the rootfs.
  int cwd_tree = -1;
  if (default_root && !cfg.caller_cwd.empty()) {
    ASSIGN_OR_RETURN(gofer::Policy policy, gofer::Policy::Create({}));
    if (policy.IsHidden(cfg.caller_cwd)) {
      cwd_tree = static_cast<int>(trees.size());
      trees.push_back(TreeSpec{cfg.caller_cwd, !cfg.rootfs_writable, std::nullopt});
    }
  }
  const size_t first_volume = trees.size();
  for (const auto& v : cfg.volumes) trees.push_back(TreeSpec{v.host, v.read_only, std::nullopt});

  auto spawned = gofer::SpawnGofer(trees);
  if (!spawned.ok()) {
    *error = std::string("can't start the gofer: ") + strerror(spawned.error().value());
    return spawned.error();
  }
  gofer_pid_ = spawned->pid;
  gofer_ = gofer::Client::Create(std::move(spawned->sock));

  uint32_t minor = 1;
  const auto gofer_root = [&](size_t tree, std::shared_ptr<fs::gofer::GoferFs>* fs)
      -> Result<fs::vfs::InodeRef> {
    *fs = std::make_shared<fs::gofer::GoferFs>(gofer_, AnonDevice(minor++), *memory_file_);
    return (*fs)->Root(static_cast<uint32_t>(tree));
  };
  const auto tmpfs = [&](const char* path, uint32_t mode) -> Result<void> {
    auto fs = fs::tmpfs::Tmpfs::Create(*memory_file_, AnonDevice(minor++), tmpfs_size);
    ASSIGN_OR_RETURN(fs::vfs::InodeRef root, fs->NewRoot(mode, 0, 0));
    return vfs_->MountAt(path, fs, std::move(root), false);
  };
  // A writable in-sandbox overlay over the read-only tree `lower` (the rootfs, the
  // caller's directory): guest writes land in a tmpfs, never on the host.
  const auto overlay = [&](std::shared_ptr<fs::gofer::GoferFs> lower_fs, fs::vfs::InodeRef lower)
      -> Result<std::shared_ptr<fs::overlay::OverlayFs>> {
    auto upper = fs::tmpfs::Tmpfs::Create(*memory_file_, AnonDevice(minor++), tmpfs_size);
    return fs::overlay::OverlayFs::Create(std::move(upper), std::move(lower_fs), std::move(lower),
                                          AnonDevice(minor++));
  };

  vfs_ = std::make_unique<fs::vfs::Vfs>();
  std::shared_ptr<fs::gofer::GoferFs> rootfs;
  auto root = gofer_root(0, &rootfs);
  if (!root.ok()) {
    *error = "can't serve " + root_tree.path + " as the root: " + strerror(root.error().value());
    return root.error();
  }
  if (cfg.rootfs_writable) {
    RETURN_IF_ERROR(vfs_->MountRoot(rootfs, *std::move(root), false));
  } else {
    auto ov = overlay(rootfs, *std::move(root));
    if (!ov.ok()) {
      *error = "can't make the overlay over " + root_tree.path + ": " +
               strerror(ov.error().value());
      return ov.error();
    }
    RETURN_IF_ERROR(vfs_->MountRoot(*ov, (*ov)->Root(), false));
  }

  fs::dev::DevOptions dev_opts;
  dev_opts.device = AnonDevice(minor++);
  // /dev/tty is the caller's terminal, if kekkai runs on one (opened at start-up,
  // privately, as the stdio are: the sentry opens no host path for the guest).
  dev_opts.open_tty = [this](uint32_t) -> Result<fs::vfs::FileRef> {
    if (tty_ == nullptr) return Errno(ENXIO);
    return tty_;
  };
  fs::dev::DevFs dev = fs::dev::NewDevFs(dev_opts);
  RETURN_IF_ERROR(vfs_->MountAt("/dev", dev.fs, dev.root, false));
  fs::proc::ProcFs proc = fs::proc::NewProcFs(AnonDevice(minor++));
  RETURN_IF_ERROR(vfs_->MountAt("/proc", proc.fs, proc.root, false));
  fs::sys::SysFs sys = fs::sys::NewSysFs({AnonDevice(minor++), host_facts_.num_cpus});
  RETURN_IF_ERROR(vfs_->MountAt("/sys", sys.fs, sys.root, false));
  RETURN_IF_ERROR(tmpfs("/dev/shm", 01777));
  if (default_root) {
    for (const PrivateDir& d : kPrivateDirs) RETURN_IF_ERROR(tmpfs(d.path, d.mode));
  } else if (RootfsTmpIsEmpty()) {
    // As runsc does: a tmpfs at /tmp unless the image has files there.
    RETURN_IF_ERROR(tmpfs("/tmp", 01777));
  }
  if (cwd_tree >= 0) {
    std::shared_ptr<fs::gofer::GoferFs> fs;
    ASSIGN_OR_RETURN(fs::vfs::InodeRef r, gofer_root(static_cast<size_t>(cwd_tree), &fs));
    if (cfg.rootfs_writable) {
      RETURN_IF_ERROR(vfs_->MountAt(cfg.caller_cwd, fs, std::move(r), false));
    } else {
      ASSIGN_OR_RETURN(std::shared_ptr<fs::overlay::OverlayFs> ov, overlay(fs, std::move(r)));
      RETURN_IF_ERROR(vfs_->MountAt(cfg.caller_cwd, ov, ov->Root(), false));
    }
  }
  for (size_t i = 0; i < cfg.volumes.size(); ++i) {
    const auto& v = cfg.volumes[i];
    std::shared_ptr<fs::gofer::GoferFs> fs;
    auto r = gofer_root(first_volume + i, &fs);
    if (!r.ok()) {
      *error = "volume " + v.host + ": " + strerror(r.error().value());
      return r.error();
    }
    if (auto m = vfs_->MountAt(v.guest, fs, *std::move(r), v.read_only); !m.ok()) {
      *error = "volume " + v.host + ": can't mount at " + v.guest + ": " +
               strerror(m.error().value());
      return m.error();
    }
  }

  // memfd_create's files: an internal tmpfs, outside the tree.
  auto memfd_fs =
      fs::tmpfs::Tmpfs::Create(*memory_file_, AnonDevice(minor++), tmpfs_size);
  ASSIGN_OR_RETURN(fs::vfs::InodeRef memfd_root, memfd_fs->NewRoot(01777, 0, 0));
  auto memfd_dentry = std::make_shared<fs::vfs::Dentry>(memfd_root);
  memfd_dir_ = {std::make_shared<fs::vfs::Mount>(memfd_fs, memfd_dentry, false, 0), memfd_dentry};
  return Ok();
}

Result<std::unique_ptr<Sandbox>> Sandbox::Create(SandboxConfig cfg, std::string* error) {
  std::unique_ptr<Sandbox> s(new Sandbox());
  s->host_facts_ = ReadHostFacts();
  ASSIGN_OR_RETURN(s->memory_file_, sentry::mm::MemoryFile::Create());
  if (cfg.platform != "ptrace") {
    *error = "platform " + cfg.platform + " is not available";
    return Errno(ENODEV);
  }
  ASSIGN_OR_RETURN(s->platform_, platform::ptrace::NewPtracePlatform(s->memory_file_->fd()));
  RETURN_IF_ERROR(s->BuildFiles(cfg, error));
  s->syscalls_ = std::make_unique<sentry::kernel::SyscallTable>(syscalls::X86_64Table());

  sentry::kernel::KernelOptions ko;
  ko.platform = s->platform_.get();
  ko.memory_file = s->memory_file_.get();
  ko.syscalls = s->syscalls_.get();
  ko.vfs = s->vfs_.get();
  ko.memfd_dir = s->memfd_dir_;
  ko.hostname = cfg.hostname;
  ko.strace = cfg.strace;
  ko.host = s->host_facts_;
  ASSIGN_OR_RETURN(s->kernel_, sentry::kernel::Kernel::Create(ko));

  sentry::auth::Credentials creds;
  fs::vfs::PathContext ctx;
  ctx.creds = &creds;
  ctx.root = ctx.start = s->vfs_->root();
  auto cwd = s->vfs_->Resolve(ctx, cfg.cwd, {.directory = true});
  if (!cwd.ok()) {
    *error = "working directory " + cfg.cwd + ": " + strerror(cwd.error().value()) +
             " in the sandbox";
    return Errno(ENOTDIR);
  }
  ctx.start = *cwd;
  const std::string& prog = cfg.argv[0];
  auto found = FindOnPath(*s->vfs_, ctx, prog, PathVar(cfg.envp));
  if (!found.ok()) {
    *error = prog + (found.error().value() == ENOENT ? ": executable file not found in $PATH"
                                                     : ": permission denied");
    return found.error();
  }

  sentry::loader::ExecRequest req;
  req.vfs = s->vfs_.get();
  req.ctx = ctx;
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
    s->stdio_places_.Place(*f);
    RETURN_IF_ERROR(fds->InstallAt(fd, std::move(f).value(), false, 3));
  }

  for (int fd = 0; fd <= 2 && s->tty_ == nullptr; ++fd) {
    if (!isatty(fd)) continue;
    if (auto tty = fs::host::HostFile::Create(s->kernel_->reactor(), fd); tty.ok()) {
      s->stdio_places_.Place(*tty);
      s->tty_ = *std::move(tty);
    }
  }

  s->init_.mm = std::move(image->mm);
  s->init_.fds = std::move(fds);
  s->init_.root = ctx.root;
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
  // The terminal's file waits through the kernel's reactor: it goes before it.
  tty_.reset();
  // The kernel goes first: it owns the tasks, whose address spaces belong to the
  // platform and whose files belong to the file tree.
  kernel_.reset();
  init_ = {};
  memfd_dir_ = {};
  vfs_.reset();
  // Closing the last reference to the socket ends the gofer.
  gofer_.reset();
  if (gofer_pid_ > 0) {
    while (waitpid(gofer_pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
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

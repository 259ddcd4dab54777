#include "fs/proc/proc_fs.h"

#include <string>
#include <utility>

#include "fs/proc/proc_internal.h"
#include "fs/vfs/dirent_buffer.h"
#include "fs/vfs/vfs.h"

namespace kekkai::fs::proc {

namespace {

constexpr int64_t kProcSuperMagic = 0x9fa0;
// Inode numbers the listings show for names made on lookup (the nodes get
// their own when looked up).
constexpr uint64_t kFdInoBase = 0x10000, kPidInoBase = 0x100000;

// The thread a file is about: thread `tid` of process `pid`, or the process
// itself (its main thread) when tid is 0.
struct TaskRef {
  int32_t pid = 0;
  int32_t tid = 0;

  Result<Task*> Find() const { return tid == 0 ? FindProcess(pid) : FindThread(pid, tid); }
  bool whole_process() const { return tid == 0; }
};

// Returns the target's task after checking that the caller may read its memory
// (ptrace read access).
Result<Task*> FindReadable(const TaskRef& target) {
  ASSIGN_OR_RETURN(Task* t, target.Find());
  RETURN_IF_ERROR(MayReadMemory(*Task::Current(), *t));
  return t;
}

// A node of /proc/PID: owned by the process's effective ids, as in Linux.
template <typename Base>
class Owned : public Base {
 public:
  template <typename... Args>
  explicit Owned(int32_t pid, Args&&... args) : Base(std::forward<Args>(args)...), pid_(pid) {}

 protected:
  std::pair<uint32_t, uint32_t> Owner() override { return ProcessOwner(pid_); }

 private:
  const int32_t pid_;
};

// /proc/PID and /proc/PID/task/TID: gone when the thread is.
class TaskDirectory : public kernfs::Directory {
 public:
  TaskDirectory(kernfs::KernFs& fs, uint32_t perm, TaskRef target)
      : Directory(fs, perm), target_(target) {}
  bool Valid() override { return target_.Find().ok(); }

 protected:
  std::pair<uint32_t, uint32_t> Owner() override { return ProcessOwner(target_.pid); }
  const TaskRef target_;
};

// /proc/PID/fd/N.
class FdLink : public Owned<kernfs::MagicLink> {
 public:
  FdLink(kernfs::KernFs& fs, TaskRef target, int32_t fd)
      : Owned(target.pid, fs,
              [target, fd]() -> Result<vfs::VirtualDentry> {
                ASSIGN_OR_RETURN(Task* t, FindReadable(target));
                ASSIGN_OR_RETURN(vfs::FileRef file, t->fd_table().Get(fd));
                if (!file->location().ok()) return Errno(ENOENT);
                return file->location();
              }),
        target_(target),
        fd_(fd) {}
  bool Valid() override {
    Result<Task*> t = target_.Find();
    return t.ok() && (*t)->fd_table().Get(fd_).ok();
  }
  Result<std::string> Readlink() override {
    ASSIGN_OR_RETURN(Task* t, FindReadable(target_));
    ASSIGN_OR_RETURN(vfs::FileRef file, t->fd_table().Get(fd_));
    return file->Name();
  }

 private:
  const TaskRef target_;
  const int32_t fd_;
};

// /proc/PID/fdinfo/N.
class FdinfoFile : public Owned<kernfs::DataFile> {
 public:
  FdinfoFile(kernfs::KernFs& fs, TaskRef target, int32_t fd)
      : Owned(target.pid, fs, 0444,
              [target, fd]() -> Result<std::string> {
                ASSIGN_OR_RETURN(Task* t, FindReadable(target));
                return FdinfoText(*t, fd);
              }),
        target_(target),
        fd_(fd) {}
  bool Valid() override {
    Result<Task*> t = target_.Find();
    return t.ok() && (*t)->fd_table().Get(fd_).ok();
  }

 private:
  const TaskRef target_;
  const int32_t fd_;
};

// /proc/PID/fd and /proc/PID/fdinfo: an entry per open fd.
class FdDirectory : public TaskDirectory {
 public:
  FdDirectory(kernfs::KernFs& fs, TaskRef target, bool info)
      : TaskDirectory(fs, 0500, target), info_(info) {}

 protected:
  Result<vfs::InodeRef> DynamicLookup(std::string_view name) override {
    std::optional<int32_t> fd = ParseNumber(name);
    if (!fd) return Errno(ENOENT);
    ASSIGN_OR_RETURN(Task* t, FindReadable(target_));
    if (!t->fd_table().Get(*fd).ok()) return Errno(ENOENT);
    if (info_) return vfs::InodeRef(std::make_shared<FdinfoFile>(kernfs(), target_, *fd));
    return vfs::InodeRef(std::make_shared<FdLink>(kernfs(), target_, *fd));
  }
  std::vector<vfs::DirEntry> DynamicEntries() override {
    std::vector<vfs::DirEntry> out;
    Result<Task*> t = FindReadable(target_);
    if (!t.ok()) return out;
    for (int32_t fd : (*t)->fd_table().Fds()) {
      out.push_back({std::to_string(fd), kFdInoBase + static_cast<uint64_t>(fd),
                     info_ ? vfs::kDtReg : vfs::kDtLnk});
    }
    return out;
  }

 private:
  const bool info_;
};

void AddTaskEntries(kernfs::KernFs& fs, kernfs::Directory& dir, TaskRef target);

// /proc/PID/task: a directory per thread.
class ThreadsDirectory : public TaskDirectory {
 public:
  ThreadsDirectory(kernfs::KernFs& fs, int32_t pid) : TaskDirectory(fs, 0555, TaskRef{pid, 0}) {}

 protected:
  Result<vfs::InodeRef> DynamicLookup(std::string_view name) override {
    std::optional<int32_t> tid = ParseNumber(name);
    if (!tid) return Errno(ENOENT);
    const TaskRef target{target_.pid, *tid};
    RETURN_IF_ERROR(target.Find());
    auto dir = std::make_shared<TaskDirectory>(kernfs(), 0555, target);
    AddTaskEntries(kernfs(), *dir, target);
    return vfs::InodeRef(dir);
  }
  std::vector<vfs::DirEntry> DynamicEntries() override {
    std::vector<vfs::DirEntry> out;
    Task* caller = Task::Current();
    if (caller == nullptr) return out;
    ThreadGroup* tg = caller->kernel().FindThreadGroup(target_.pid);
    if (tg == nullptr) return out;
    std::lock_guard lock(caller->kernel().signal_mu());
    for (Task* t : tg->tasks()) {
      out.push_back({std::to_string(t->tid()), kPidInoBase + static_cast<uint64_t>(t->tid()),
                     vfs::kDtDir});
    }
    return out;
  }
};

// Adds a file of /proc/PID whose text `make(task)` generates, for a task the
// caller may read (ptrace read access) when `checked`.
template <typename Make>
void AddFile(kernfs::KernFs& fs, kernfs::Directory& dir, const char* name, uint32_t perm,
             TaskRef target, bool checked, Make make) {
  dir.Add(name, std::make_shared<Owned<kernfs::DataFile>>(
                    target.pid, fs, perm, [target, checked, make]() -> Result<std::string> {
                      ASSIGN_OR_RETURN(Task* t, checked ? FindReadable(target) : target.Find());
                      return make(*t);
                    }));
}

void AddTaskEntries(kernfs::KernFs& fs, kernfs::Directory& dir, TaskRef target) {
  dir.Add("exe", std::make_shared<Owned<kernfs::Symlink>>(
                     target.pid, fs, [target]() -> Result<std::string> {
                       ASSIGN_OR_RETURN(Task* t, FindReadable(target));
                       return t->exe();
                     }));
  dir.Add("cwd", std::make_shared<Owned<kernfs::MagicLink>>(
                     target.pid, fs, [target]() -> Result<vfs::VirtualDentry> {
                       ASSIGN_OR_RETURN(Task* t, FindReadable(target));
                       return t->cwd();
                     }));
  dir.Add("root", std::make_shared<Owned<kernfs::MagicLink>>(
                      target.pid, fs, [target]() -> Result<vfs::VirtualDentry> {
                        ASSIGN_OR_RETURN(Task* t, FindReadable(target));
                        return t->root();
                      }));
  dir.Add("fd", std::make_shared<FdDirectory>(fs, target, /*info=*/false));
  dir.Add("fdinfo", std::make_shared<FdDirectory>(fs, target, /*info=*/true));
  const bool whole = target.whole_process();
  AddFile(fs, dir, "stat", 0444, target, false,
          [whole](Task& t) { return StatText(t, whole); });
  AddFile(fs, dir, "statm", 0444, target, false, [](Task& t) { return StatmText(t); });
  AddFile(fs, dir, "status", 0444, target, false,
          [whole](Task& t) { return StatusText(t, whole); });
  AddFile(fs, dir, "cmdline", 0444, target, false, [](Task& t) { return CmdlineText(t); });
  AddFile(fs, dir, "environ", 0400, target, true, [](Task& t) {
    const auto& ex = t.mm().exec_info();
    return ReadGuestRange(t, ex.envp_start, ex.envp_end, uint64_t{6} << 20);
  });
  AddFile(fs, dir, "auxv", 0400, target, true, [](Task& t) {
    const auto& ex = t.mm().exec_info();
    return ReadGuestRange(t, ex.auxv_start, ex.auxv_end, kPageSize);
  });
  AddFile(fs, dir, "maps", 0444, target, true, [](Task& t) { return MapsText(t); });
  AddFile(fs, dir, "smaps", 0444, target, true, [](Task& t) { return SmapsText(t); });
  AddFile(fs, dir, "limits", 0444, target, false, [](Task& t) { return LimitsText(t); });
  AddFile(fs, dir, "mounts", 0444, target, false, [](Task& t) { return MountsText(t); });
  AddFile(fs, dir, "mountinfo", 0444, target, false, [](Task& t) { return MountinfoText(t); });
  // comm: the thread's name; a thread of the same process may rename it (a
  // write takes at most 15 bytes, up to a NUL: a newline stays), as Linux's comm_write.
  dir.Add("comm", std::make_shared<Owned<kernfs::DataFile>>(
                      target.pid, fs, 0644,
                      [target]() -> Result<std::string> {
                        ASSIGN_OR_RETURN(Task* t, target.Find());
                        return t->comm() + "\n";
                      },
                      [target](std::string_view data) -> Result<size_t> {
                        ASSIGN_OR_RETURN(Task* t, target.Find());
                        if (&t->thread_group() != &Task::Current()->thread_group()) {
                          return Errno(EINVAL);
                        }
                        std::string_view name = data.substr(0, 15);
                        name = name.substr(0, name.find('\0'));
                        t->set_comm(std::string(name));
                        return data.size();
                      }));
}

std::shared_ptr<TaskDirectory> NewProcessDirectory(kernfs::KernFs& fs, int32_t pid) {
  auto dir = std::make_shared<TaskDirectory>(fs, 0555, TaskRef{pid, 0});
  AddTaskEntries(fs, *dir, TaskRef{pid, 0});
  dir->Add("task", std::make_shared<ThreadsDirectory>(fs, pid));
  return dir;
}

// /proc itself: fixed entries, and a directory per process of the sandbox.
class ProcRoot : public kernfs::Directory {
 public:
  explicit ProcRoot(kernfs::KernFs& fs) : Directory(fs, 0555) {}

 protected:
  Result<vfs::InodeRef> DynamicLookup(std::string_view name) override {
    std::optional<int32_t> pid = ParseNumber(name);
    if (!pid) return Errno(ENOENT);
    RETURN_IF_ERROR(FindProcess(*pid));
    return vfs::InodeRef(NewProcessDirectory(kernfs(), *pid));
  }
  std::vector<vfs::DirEntry> DynamicEntries() override {
    std::vector<vfs::DirEntry> out;
    Task* caller = Task::Current();
    if (caller == nullptr) return out;
    for (int32_t pid : caller->kernel().ThreadGroupIds()) {
      if (!FindProcess(pid).ok()) continue;
      out.push_back({std::to_string(pid), kPidInoBase + static_cast<uint64_t>(pid), vfs::kDtDir});
    }
    return out;
  }
};

// A file of /proc whose text `make(caller, facts)` generates.
template <typename Make>
std::shared_ptr<kernfs::DataFile> SystemFile(kernfs::KernFs& fs, uint32_t perm, Make make) {
  return std::make_shared<kernfs::DataFile>(fs, perm, [make]() -> Result<std::string> {
    Task* caller = Task::Current();
    if (caller == nullptr) return Errno(ENOENT);
    return make(*caller, caller->kernel().host_facts());
  });
}

using Facts = sentry::kernel::HostFacts;

std::shared_ptr<kernfs::Directory> NewSysDirectory(kernfs::KernFs& fs) {
  auto number = [&fs](auto field) {
    return SystemFile(fs, 0644, [field](Task&, const Facts& h) {
      return std::to_string(field(h)) + "\n";
    });
  };
  auto sys = std::make_shared<kernfs::Directory>(fs, 0555);
  auto kernel = std::make_shared<kernfs::Directory>(fs, 0555);
  kernel->Add("hostname", SystemFile(fs, 0644, [](Task& c, const Facts&) {
                return c.kernel().hostname() + "\n";
              }));
  kernel->Add("domainname", SystemFile(fs, 0644, [](Task&, const Facts&) {
                return std::string("(none)\n");
              }));
  kernel->Add("ostype",
              SystemFile(fs, 0444, [](Task&, const Facts& h) { return h.os_type + "\n"; }));
  kernel->Add("osrelease",
              SystemFile(fs, 0444, [](Task&, const Facts& h) { return h.release + "\n"; }));
  kernel->Add("version",
              SystemFile(fs, 0444, [](Task&, const Facts& h) { return h.version + "\n"; }));
  kernel->Add("pid_max", number([](const Facts& h) { return h.pid_max; }));
  kernel->Add("cap_last_cap", SystemFile(fs, 0444, [](Task&, const Facts&) {
                return std::to_string(sentry::auth::kCapLastCap) + "\n";
              }));
  kernel->Add("ngroups_max", SystemFile(fs, 0444, [](Task&, const Facts&) {
                return std::string("65536\n");
              }));
  auto random = std::make_shared<kernfs::Directory>(fs, 0555);
  random->Add("boot_id",
              SystemFile(fs, 0444, [](Task&, const Facts& h) { return h.boot_id + "\n"; }));
  random->Add("uuid",
              std::make_shared<kernfs::DataFile>(fs, 0444, [] { return RandomUuidText(); }));
  kernel->Add("random", random);
  sys->Add("kernel", kernel);

  auto vm = std::make_shared<kernfs::Directory>(fs, 0555);
  vm->Add("overcommit_memory", number([](const Facts& h) { return h.overcommit_memory; }));
  vm->Add("max_map_count", number([](const Facts&) {
            return static_cast<uint64_t>(sentry::mm::MemoryManager::kMaxMapCount);
          }));
  vm->Add("mmap_min_addr",
          number([](const Facts&) { return sentry::mm::MemoryManager::kMinUserAddress; }));
  sys->Add("vm", vm);

  auto fsdir = std::make_shared<kernfs::Directory>(fs, 0555);
  fsdir->Add("file-max", number([](const Facts& h) { return h.file_max; }));
  fsdir->Add("nr_open", number([](const Facts& h) { return h.nr_open; }));
  sys->Add("fs", fsdir);
  return sys;
}

}  // namespace

ProcFs NewProcFs(uint64_t device) {
  auto fs = std::make_shared<kernfs::KernFs>("proc", kProcSuperMagic, device);
  auto root = std::make_shared<ProcRoot>(*fs);
  root->Add("self", std::make_shared<kernfs::Symlink>(*fs, []() -> Result<std::string> {
    Task* t = Task::Current();
    if (t == nullptr) return Errno(ENOENT);
    return std::to_string(t->tgid());
  }));
  root->Add("thread-self", std::make_shared<kernfs::Symlink>(*fs, []() -> Result<std::string> {
    Task* t = Task::Current();
    if (t == nullptr) return Errno(ENOENT);
    return std::to_string(t->tgid()) + "/task/" + std::to_string(t->tid());
  }));
  root->Add("mounts", std::make_shared<kernfs::Symlink>(*fs, std::string("self/mounts")));
  root->Add("meminfo", SystemFile(*fs, 0444, MeminfoText));
  root->Add("cpuinfo", SystemFile(*fs, 0444, [](Task&, const Facts& h) { return h.cpuinfo; }));
  root->Add("stat", SystemFile(*fs, 0444, CpuStatText));
  root->Add("uptime", SystemFile(*fs, 0444, UptimeText));
  root->Add("loadavg", SystemFile(*fs, 0444, [](Task& c, const Facts&) { return LoadavgText(c); }));
  root->Add("version", SystemFile(*fs, 0444, [](Task&, const Facts& h) { return VersionText(h); }));
  root->Add("filesystems",
            SystemFile(*fs, 0444, [](Task&, const Facts&) { return FilesystemsText(); }));
  root->Add("sys", NewSysDirectory(*fs));
  return {std::move(fs), std::move(root)};
}

}  // namespace kekkai::fs::proc

#include "fs/proc/proc_fs.h"

#include <charconv>
#include <string>

#include "fs/vfs/dirent_buffer.h"
#include "fs/vfs/vfs.h"
#include "sentry/kernel/task.h"

namespace kekkai::fs::proc {

namespace {

using sentry::kernel::Task;

constexpr int64_t kProcSuperMagic = 0x9fa0;

// Parses a decimal fd or pid spelled as Linux spells it (no sign, no leading zero).
std::optional<int32_t> ParseNumber(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  int32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// The calling task if it belongs to process `pid`.
Task* CallerIn(int32_t pid) {
  Task* t = Task::Current();
  return t != nullptr && t->tgid() == pid ? t : nullptr;
}

// A process's nodes belong to its effective ids, as in Linux.
class PidDirectory : public kernfs::Directory {
 public:
  PidDirectory(kernfs::KernFs& fs, int32_t pid) : Directory(fs, 0555), pid_(pid) {}
  bool Valid() override { return CallerIn(pid_) != nullptr; }

 protected:
  std::pair<uint32_t, uint32_t> Owner() override {
    Task* t = CallerIn(pid_);
    return t ? std::pair{t->creds().euid, t->creds().egid} : std::pair{0u, 0u};
  }

 private:
  const int32_t pid_;
};

// /proc/PID/fd/N.
class FdLink : public kernfs::MagicLink {
 public:
  FdLink(kernfs::KernFs& fs, int32_t pid, int32_t fd)
      : MagicLink(fs, [pid, fd]() -> Result<vfs::VirtualDentry> {
          Task* t = CallerIn(pid);
          if (t == nullptr) return Errno(ENOENT);
          ASSIGN_OR_RETURN(vfs::FileRef file, t->fd_table().Get(fd));
          if (!file->location().ok()) return Errno(ENOENT);
          return file->location();
        }),
        pid_(pid),
        fd_(fd) {}
  bool Valid() override {
    Task* t = CallerIn(pid_);
    return t != nullptr && t->fd_table().Get(fd_).ok();
  }
  Result<std::string> Readlink() override {
    Task* t = CallerIn(pid_);
    if (t == nullptr) return Errno(ENOENT);
    ASSIGN_OR_RETURN(vfs::FileRef file, t->fd_table().Get(fd_));
    return file->Name();
  }

 private:
  const int32_t pid_, fd_;
};

// /proc/PID/fd.
class FdDirectory : public PidDirectory {
 public:
  FdDirectory(kernfs::KernFs& fs, int32_t pid) : PidDirectory(fs, pid), pid_(pid) {}

 protected:
  Result<vfs::InodeRef> DynamicLookup(std::string_view name) override {
    Task* t = CallerIn(pid_);
    std::optional<int32_t> fd = ParseNumber(name);
    if (t == nullptr || !fd || !t->fd_table().Get(*fd).ok()) return Errno(ENOENT);
    return vfs::InodeRef(std::make_shared<FdLink>(kernfs(), pid_, *fd));
  }
  std::vector<vfs::DirEntry> DynamicEntries() override {
    std::vector<vfs::DirEntry> out;
    Task* t = CallerIn(pid_);
    if (t == nullptr) return out;
    for (int32_t fd : t->fd_table().Fds()) {
      out.push_back({std::to_string(fd), static_cast<uint64_t>(0x10000 + fd), vfs::kDtLnk});
    }
    return out;
  }

 private:
  const int32_t pid_;
};

// /proc itself: `self` and the caller's pid.
class ProcRoot : public kernfs::Directory {
 public:
  explicit ProcRoot(kernfs::KernFs& fs) : Directory(fs, 0555) {}

 protected:
  Result<vfs::InodeRef> DynamicLookup(std::string_view name) override {
    std::optional<int32_t> pid = ParseNumber(name);
    if (!pid || CallerIn(*pid) == nullptr) return Errno(ENOENT);
    return vfs::InodeRef(NewPidDirectory(*pid));
  }
  std::vector<vfs::DirEntry> DynamicEntries() override {
    Task* t = Task::Current();
    if (t == nullptr) return {};
    return {{std::to_string(t->tgid()), static_cast<uint64_t>(0x100000 + t->tgid()),
             vfs::kDtDir}};
  }

 private:
  std::shared_ptr<PidDirectory> NewPidDirectory(int32_t pid) {
    kernfs::KernFs& fs = kernfs();
    auto dir = std::make_shared<PidDirectory>(fs, pid);
    dir->Add("exe", std::make_shared<kernfs::Symlink>(fs, [pid]() -> Result<std::string> {
      Task* t = CallerIn(pid);
      if (t == nullptr) return Errno(ENOENT);
      return t->exe();
    }));
    dir->Add("cwd", std::make_shared<kernfs::MagicLink>(fs, [pid]() -> Result<vfs::VirtualDentry> {
      Task* t = CallerIn(pid);
      if (t == nullptr) return Errno(ENOENT);
      return t->cwd();
    }));
    dir->Add("root", std::make_shared<kernfs::MagicLink>(fs, [pid]() -> Result<vfs::VirtualDentry> {
      Task* t = CallerIn(pid);
      if (t == nullptr) return Errno(ENOENT);
      return t->root();
    }));
    dir->Add("fd", std::make_shared<FdDirectory>(fs, pid));
    return dir;
  }
};

}  // namespace

ProcFs NewProcFs(uint64_t device) {
  auto fs = std::make_shared<kernfs::KernFs>("proc", kProcSuperMagic, device);
  auto root = std::make_shared<ProcRoot>(*fs);
  root->Add("self", std::make_shared<kernfs::Symlink>(*fs, []() -> Result<std::string> {
    Task* t = Task::Current();
    if (t == nullptr) return Errno(ENOENT);
    return std::to_string(t->tgid());
  }));
  return {std::move(fs), std::move(root)};
}

}  // namespace kekkai::fs::proc

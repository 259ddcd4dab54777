#include "sentry/loader/exec.h"

#include <sys/stat.h>

#include "abi/linux/types.h"
#include "sentry/mm/memory_manager.h"

namespace kekkai::sentry::loader {

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Opens `vd` as a program: a regular file the caller may execute (reading it needs
// no read permission, as on Linux).
Result<fs::vfs::FileRef> OpenProgram(const ExecRequest& req, const fs::vfs::VirtualDentry& vd) {
  fs::vfs::Inode& inode = *vd.dentry->inode();
  if (!inode.is_regular()) return Errno(EACCES);
  ASSIGN_OR_RETURN(abi::linux::Stat st, inode.Stat());
  RETURN_IF_ERROR(fs::vfs::CheckPermission(req.ctx.creds, st, fs::vfs::kMayExec));
  return fs::vfs::Vfs::OpenAt(nullptr, vd, abi::linux::kORdonly);
}

}  // namespace

Result<size_t> FileSource::ReadAt(std::span<std::byte> dst, uint64_t offset) {
  return file_->PRead(dst, offset);
}

Result<uint64_t> FileSource::Size() {
  ASSIGN_OR_RETURN(abi::linux::Stat st, file_->Stat());
  return static_cast<uint64_t>(st.size);
}

Result<std::optional<Shebang>> ParseShebang(std::span<const std::byte> head) {
  const std::string_view buf(reinterpret_cast<const char*>(head.data()),
                             std::min(head.size(), kShebangMax));
  if (buf.size() < 2 || buf[0] != '#' || buf[1] != '!') return std::optional<Shebang>();
  // The line ends at a newline; without one, the buffer's end cuts it.
  size_t end = buf.find('\n');
  const bool cut = end == std::string_view::npos;
  if (cut) end = buf.size();
  std::string_view line = buf.substr(2, end - 2);
  while (!line.empty() && IsBlank(line.front())) line.remove_prefix(1);
  size_t name_end = 0;
  while (name_end < line.size() && !IsBlank(line[name_end]) && line[name_end] != '\0') ++name_end;
  // A name running into the end of a cut buffer may be truncated: refuse it.
  if (cut && name_end == line.size()) return Errno(ENOEXEC);
  std::string_view rest = line.substr(name_end);
  while (!rest.empty() && (IsBlank(rest.back()) || rest.back() == '\0')) rest.remove_suffix(1);
  while (!rest.empty() && IsBlank(rest.front())) rest.remove_prefix(1);
  if (name_end == 0) return Errno(ENOEXEC);
  Shebang s;
  s.interpreter = std::string(line.substr(0, name_end));
  if (!rest.empty()) s.arg = std::string(rest);
  return std::optional<Shebang>(std::move(s));
}

Result<ExecImage> Exec(const ExecRequest& req) {
  if (req.vfs == nullptr || !req.new_mm) return Errno(EINVAL);
  if (req.filename.empty() && !req.program.ok()) return Errno(ENOENT);
  // The name the current file goes by: as given to execve, then as each #! line
  // names its interpreter (binfmt_script's bprm->interp).
  std::string name = req.filename;
  fs::vfs::VirtualDentry vd = req.program;
  if (!vd.ok()) {
    ASSIGN_OR_RETURN(vd, req.vfs->Resolve(req.ctx, name, {.follow = !req.nofollow}));
  }
  std::vector<std::string> argv = req.argv;
  for (int depth = 0;; ++depth) {
    if (vd.dentry->inode()->is_symlink()) return Errno(ELOOP);
    ASSIGN_OR_RETURN(fs::vfs::FileRef file, OpenProgram(req, vd));
    std::byte head[kShebangMax];
    ASSIGN_OR_RETURN(size_t n, file->PRead(head, 0));
    ASSIGN_OR_RETURN(std::optional<Shebang> shebang, ParseShebang(std::span(head, n)));
    if (shebang) {
      if (depth >= kMaxInterpreterDepth) return Errno(ELOOP);
      // argv becomes: interpreter, [arg], the script as named, the script's argv[1:].
      std::vector<std::string> next = {shebang->interpreter};
      if (shebang->arg) next.push_back(*shebang->arg);
      next.push_back(name);
      for (size_t i = 1; i < argv.size(); ++i) next.push_back(argv[i]);
      argv = std::move(next);
      name = shebang->interpreter;
      ASSIGN_OR_RETURN(vd, req.vfs->Resolve(req.ctx, name, {.follow = true}));
      continue;
    }
    ASSIGN_OR_RETURN(std::shared_ptr<mm::MemoryManager> mm, req.new_mm());
    FileSource source(file);
    LoadRequest lr;
    lr.file = &source;
    lr.execfn = req.filename;
    lr.exe_path = fs::vfs::PathOf(vd);
    lr.argv = argv;
    lr.envp = req.envp;
    if (req.ctx.creds != nullptr) {
      lr.uid = req.ctx.creds->uid;
      lr.euid = req.ctx.creds->euid;
      lr.gid = req.ctx.creds->gid;
      lr.egid = req.ctx.creds->egid;
    }
    lr.stack_rlimit = req.stack_rlimit;
    lr.open_interpreter = [&](const std::string& path)
        -> Result<std::unique_ptr<ExecutableSource>> {
      // The interpreter needs only to be a regular file, not executable (as Linux).
      ASSIGN_OR_RETURN(fs::vfs::FileRef interp,
                       req.vfs->Open(req.ctx, path, abi::linux::kORdonly, 0));
      ASSIGN_OR_RETURN(abi::linux::Stat st, interp->Stat());
      if ((st.mode & abi::linux::kSIfmt) != abi::linux::kSIfreg) return Errno(EACCES);
      return std::unique_ptr<ExecutableSource>(new FileSource(std::move(interp)));
    };
    ASSIGN_OR_RETURN(LoadResult load, Load(*mm, lr));
    return ExecImage{std::move(mm), std::move(load), lr.exe_path};
  }
}

}  // namespace kekkai::sentry::loader

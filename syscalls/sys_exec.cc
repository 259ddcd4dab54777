// execve(2), execveat(2).
#include "abi/linux/types.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/thread_group.h"
#include "sentry/loader/exec.h"
#include "syscalls/path.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;

namespace {

// MAX_ARG_STRLEN: one argument or environment string, NUL included.
constexpr size_t kMaxArgStrlen = 32 * 4096;
// Whatever the stack limit, exec never takes more than this in total (the loader
// applies the exact rlimit-based limit).
constexpr size_t kMaxArgTotal = 6 << 20;

// Copies a NULL-terminated guest array of strings, bounded as Linux bounds it.
Result<std::vector<std::string>> CopyInStrings(Task& t, GuestAddr array, size_t* total) {
  std::vector<std::string> out;
  if (Raw(array) == 0) return out;
  for (uint64_t i = 0;; ++i) {
    ASSIGN_OR_RETURN(uint64_t p, t.mm().CopyInObj<uint64_t>(array + i * sizeof(uint64_t)));
    if (p == 0) break;
    auto s = t.mm().CopyInString(GuestAddr(p), kMaxArgStrlen - 1);
    if (!s.ok()) return s.error().value() == ENAMETOOLONG ? Errno(E2BIG) : s.error();
    *total += s->size() + 1 + sizeof(uint64_t);
    if (*total > kMaxArgTotal) return Errno(E2BIG);
    out.push_back(std::move(s).value());
  }
  return out;
}

SyscallResult ExecveAt(Task& t, int32_t dirfd, GuestAddr path_addr, GuestAddr argv_addr,
                       GuestAddr envp_addr, int32_t flags) {
  if ((flags & ~(kAtEmptyPath | kAtSymlinkNofollow)) != 0) return Errno(EINVAL);
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr, (flags & kAtEmptyPath) != 0));
  size_t total = 0;
  ASSIGN_OR_RETURN(std::vector<std::string> argv, CopyInStrings(t, argv_addr, &total));
  ASSIGN_OR_RETURN(std::vector<std::string> envp, CopyInStrings(t, envp_addr, &total));

  sentry::loader::ExecRequest req;
  req.vfs = &t.kernel().vfs();
  if (path.empty()) {
    // execveat(fd, "", AT_EMPTY_PATH): the file the fd names.
    ASSIGN_OR_RETURN(req.program, PlaceOf(t, dirfd));
    req.filename = fs::vfs::PathOf(req.program);
    req.ctx = t.path_context();
  } else {
    ASSIGN_OR_RETURN(req.ctx, ContextAt(t, dirfd, path));
    // AT_EXECFN and a script's argv get the path as spelled, made absolute
    // when it is relative to an fd (Linux's "/dev/fd/N/path" is not used).
    req.filename = path;
    if (path[0] != '/' && dirfd != kAtFdcwd) {
      std::string dir = fs::vfs::PathOf(req.ctx.start);
      req.filename = (dir == "/" ? "/" : dir + "/") + path;
      req.ctx.start = t.cwd();  // An interpreter's relative path starts at the cwd.
    }
  }
  req.nofollow = (flags & kAtSymlinkNofollow) != 0;
  req.argv = std::move(argv);
  req.envp = std::move(envp);
  {
    std::lock_guard lock(t.kernel().signal_mu());
    req.stack_rlimit = t.thread_group().rlimits()[kRlimitStack].cur;
  }
  req.new_mm = [&t] { return t.kernel().NewMemoryManager(); };
  ASSIGN_OR_RETURN(sentry::loader::ExecImage image, sentry::loader::Exec(req));

  const std::string base = req.filename.substr(req.filename.rfind('/') + 1);
  t.ExecReplace(std::move(image.mm), image.load.entry, image.load.stack_pointer,
                std::move(image.exe), base.substr(0, 15));
  return Errno(kernel::kEJustReturn);
}

}  // namespace

// execve(2). Only single-threaded processes exist so far, so there are no other
// threads to end.
SyscallResult SysExecve(Task& t, const SyscallArgs& args) {
  return ExecveAt(t, kAtFdcwd, args.Addr(0), args.Addr(1), args.Addr(2), 0);
}

// execveat(2).
SyscallResult SysExecveat(Task& t, const SyscallArgs& args) {
  return ExecveAt(t, args.Int(0), args.Addr(1), args.Addr(2), args.Addr(3), args.Int(4));
}

}  // namespace kekkai::syscalls

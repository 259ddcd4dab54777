// Extended attributes: getxattr(2), lgetxattr(2), fgetxattr(2), listxattr(2),
// llistxattr(2), flistxattr(2), setxattr(2), lsetxattr(2), fsetxattr(2),
// removexattr(2), lremovexattr(2), fremovexattr(2). No filesystem keeps extended
// attributes yet (issue 5): the file is looked up as Linux does, then the answer
// is that of a filesystem without them — an empty list, and EOPNOTSUPP for the rest.
#include "abi/linux/types.h"
#include "sentry/kernel/task.h"
#include "syscalls/path.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;

namespace {

// Looks up the file a path xattr call names; `follow` unless it's an l* call.
Result<void> CheckPath(Task& t, GuestAddr path_addr, bool follow) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr));
  RETURN_IF_ERROR(PlaceAt(t, kAtFdcwd, path, follow ? 0 : kAtSymlinkNofollow));
  return Ok();
}

Result<void> CheckFd(Task& t, int32_t fd) {
  ASSIGN_OR_RETURN(fs::vfs::FileRef file, t.fd_table().Get(fd));
  if (file->flags() & kOPath) return Errno(EBADF);
  return Ok();
}

// Checks the attribute name: ERANGE if empty or longer than XATTR_NAME_MAX.
Result<void> CheckName(Task& t, GuestAddr name_addr) {
  Result<std::string> name = t.mm().CopyInString(name_addr, 255);
  if (!name.ok()) return name.error() == Errno(ENAMETOOLONG) ? Errno(ERANGE) : name.error();
  if (name->empty()) return Errno(ERANGE);
  return Ok();
}

}  // namespace

// getxattr(2), lgetxattr(2), setxattr(2), lsetxattr(2), removexattr(2),
// lremovexattr(2).
SyscallResult SysGetxattr(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(CheckPath(t, args.Addr(0), true));
  RETURN_IF_ERROR(CheckName(t, args.Addr(1)));
  return Errno(EOPNOTSUPP);
}
SyscallResult SysLgetxattr(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(CheckPath(t, args.Addr(0), false));
  RETURN_IF_ERROR(CheckName(t, args.Addr(1)));
  return Errno(EOPNOTSUPP);
}
SyscallResult SysSetxattr(Task& t, const SyscallArgs& args) { return SysGetxattr(t, args); }
SyscallResult SysLsetxattr(Task& t, const SyscallArgs& args) { return SysLgetxattr(t, args); }
SyscallResult SysRemovexattr(Task& t, const SyscallArgs& args) { return SysGetxattr(t, args); }
SyscallResult SysLremovexattr(Task& t, const SyscallArgs& args) {
  return SysLgetxattr(t, args);
}

// fgetxattr(2), fsetxattr(2), fremovexattr(2).
SyscallResult SysFgetxattr(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(CheckFd(t, args.Int(0)));
  RETURN_IF_ERROR(CheckName(t, args.Addr(1)));
  return Errno(EOPNOTSUPP);
}
SyscallResult SysFsetxattr(Task& t, const SyscallArgs& args) { return SysFgetxattr(t, args); }
SyscallResult SysFremovexattr(Task& t, const SyscallArgs& args) { return SysFgetxattr(t, args); }

// listxattr(2), llistxattr(2), flistxattr(2): no attributes.
SyscallResult SysListxattr(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(CheckPath(t, args.Addr(0), true));
  return uint64_t{0};
}
SyscallResult SysLlistxattr(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(CheckPath(t, args.Addr(0), false));
  return uint64_t{0};
}
SyscallResult SysFlistxattr(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(CheckFd(t, args.Int(0)));
  return uint64_t{0};
}

}  // namespace kekkai::syscalls

// Extended attributes: getxattr(2), lgetxattr(2), fgetxattr(2), listxattr(2),
// llistxattr(2), flistxattr(2), setxattr(2), lsetxattr(2), fsetxattr(2),
// removexattr(2), lremovexattr(2), fremovexattr(2). The arguments are taken in the
// order Linux (6.13 and later) takes them — flags, name, value, then the file — and
// the VFS makes the namespace and permission checks (fs/vfs/xattr.cc).
#include <optional>
#include <vector>

#include "abi/linux/types.h"
#include "sentry/kernel/task.h"
#include "syscalls/path.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;
using fs::vfs::Vfs;
using fs::vfs::VirtualDentry;

namespace {

// The most listxattr(2) returns (XATTR_LIST_MAX).
constexpr size_t kXattrListMax = 65536;

// The file a path xattr call names; `follow` unless it's an l* call.
Result<VirtualDentry> PathPlace(Task& t, GuestAddr path_addr, bool follow) {
  ASSIGN_OR_RETURN(std::string path, CopyInPath(t, path_addr));
  return PlaceAt(t, kAtFdcwd, path, follow ? 0 : kAtSymlinkNofollow);
}

// The file an f* xattr call names: EBADF for an O_PATH fd, as Linux.
Result<VirtualDentry> FdPlace(Task& t, int32_t fd) {
  ASSIGN_OR_RETURN(fs::vfs::FileRef file, t.fd_table().Get(fd));
  if (file->flags() & kOPath) return Errno(EBADF);
  if (!file->location().ok()) return Errno(EOPNOTSUPP);
  return file->location();
}

// The attribute name: ERANGE if empty or longer than XATTR_NAME_MAX.
Result<std::string> CopyInName(Task& t, GuestAddr name_addr) {
  Result<std::string> name = t.mm().CopyInString(name_addr, fs::vfs::kXattrNameMax);
  if (!name.ok()) return name.error() == Errno(ENAMETOOLONG) ? Errno(ERANGE) : name.error();
  if (name->empty()) return Errno(ERANGE);
  return name;
}

// The arguments of a set call: flags, name, value.
struct SetArgs {
  std::string name;
  std::string value;
  uint32_t flags = 0;
};
Result<SetArgs> CopyInSetArgs(Task& t, GuestAddr name_addr, GuestAddr value_addr, uint64_t size,
                              int32_t flags) {
  if (flags & ~static_cast<int32_t>(fs::vfs::kXattrCreate | fs::vfs::kXattrReplace)) {
    return Errno(EINVAL);
  }
  SetArgs a;
  a.flags = static_cast<uint32_t>(flags);
  ASSIGN_OR_RETURN(a.name, CopyInName(t, name_addr));
  if (size > fs::vfs::kXattrSizeMax) return Errno(E2BIG);
  a.value.resize(size);
  if (size > 0) {
    RETURN_IF_ERROR(t.mm().CopyInFull(value_addr, std::as_writable_bytes(std::span(a.value))));
  }
  return a;
}

// Copies `value` out as getxattr(2) does: its size when `size` is 0, ERANGE when
// it doesn't fit.
SyscallResult CopyOutValue(Task& t, GuestAddr dst, uint64_t size, std::string_view value) {
  if (size == 0) return uint64_t{value.size()};
  if (size < value.size()) return Errno(ERANGE);
  RETURN_IF_ERROR(t.mm().CopyOutFull(dst, std::as_bytes(std::span(value))));
  return uint64_t{value.size()};
}

using Place = Result<VirtualDentry> (*)(Task&, const SyscallArgs&);
Result<VirtualDentry> Fd(Task& t, const SyscallArgs& args);

// Linux looks an fd up before anything else, a path after the other arguments.
// Returns the place if `place` goes first, else nothing yet.
Result<std::optional<VirtualDentry>> EarlyPlace(Task& t, Place place, const SyscallArgs& args) {
  if (place != Fd) return std::optional<VirtualDentry>();
  ASSIGN_OR_RETURN(VirtualDentry vd, place(t, args));
  return std::optional<VirtualDentry>(std::move(vd));
}
Result<VirtualDentry> LatePlace(Task& t, Place place, const SyscallArgs& args,
                                std::optional<VirtualDentry> early) {
  if (early) return std::move(*early);
  return place(t, args);
}

SyscallResult Get(Task& t, Place place, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(std::optional<VirtualDentry> early, EarlyPlace(t, place, args));
  ASSIGN_OR_RETURN(std::string name, CopyInName(t, args.Addr(1)));
  ASSIGN_OR_RETURN(VirtualDentry vd, LatePlace(t, place, args, std::move(early)));
  ASSIGN_OR_RETURN(std::string value, Vfs::GetXattrAt(&t.creds(), vd, name));
  return CopyOutValue(t, args.Addr(2), args.Uint(3), value);
}

SyscallResult Set(Task& t, Place place, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(std::optional<VirtualDentry> early, EarlyPlace(t, place, args));
  ASSIGN_OR_RETURN(SetArgs a, CopyInSetArgs(t, args.Addr(1), args.Addr(2), args.Uint(3),
                                            args.Int(4)));
  ASSIGN_OR_RETURN(VirtualDentry vd, LatePlace(t, place, args, std::move(early)));
  RETURN_IF_ERROR(Vfs::SetXattrAt(&t.creds(), vd, a.name, a.value, a.flags));
  return uint64_t{0};
}

SyscallResult List(Task& t, Place place, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(VirtualDentry vd, place(t, args));
  ASSIGN_OR_RETURN(std::vector<std::string> names, Vfs::ListXattrAt(&t.creds(), vd));
  std::string list;
  for (const std::string& n : names) {
    list += n;
    list += '\0';
  }
  const uint64_t size = args.Uint(2);
  if (list.size() > kXattrListMax) return Errno(size == 0 || size >= kXattrListMax ? E2BIG : ERANGE);
  return CopyOutValue(t, args.Addr(1), size, list);
}

SyscallResult Remove(Task& t, Place place, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(std::optional<VirtualDentry> early, EarlyPlace(t, place, args));
  ASSIGN_OR_RETURN(std::string name, CopyInName(t, args.Addr(1)));
  ASSIGN_OR_RETURN(VirtualDentry vd, LatePlace(t, place, args, std::move(early)));
  RETURN_IF_ERROR(Vfs::RemoveXattrAt(&t.creds(), vd, name));
  return uint64_t{0};
}

Result<VirtualDentry> Follow(Task& t, const SyscallArgs& args) {
  return PathPlace(t, args.Addr(0), true);
}
Result<VirtualDentry> NoFollow(Task& t, const SyscallArgs& args) {
  return PathPlace(t, args.Addr(0), false);
}
Result<VirtualDentry> Fd(Task& t, const SyscallArgs& args) { return FdPlace(t, args.Int(0)); }

}  // namespace

SyscallResult SysGetxattr(Task& t, const SyscallArgs& args) { return Get(t, Follow, args); }
SyscallResult SysLgetxattr(Task& t, const SyscallArgs& args) { return Get(t, NoFollow, args); }
SyscallResult SysFgetxattr(Task& t, const SyscallArgs& args) { return Get(t, Fd, args); }
SyscallResult SysSetxattr(Task& t, const SyscallArgs& args) { return Set(t, Follow, args); }
SyscallResult SysLsetxattr(Task& t, const SyscallArgs& args) { return Set(t, NoFollow, args); }
SyscallResult SysFsetxattr(Task& t, const SyscallArgs& args) { return Set(t, Fd, args); }
SyscallResult SysListxattr(Task& t, const SyscallArgs& args) { return List(t, Follow, args); }
SyscallResult SysLlistxattr(Task& t, const SyscallArgs& args) { return List(t, NoFollow, args); }
SyscallResult SysFlistxattr(Task& t, const SyscallArgs& args) { return List(t, Fd, args); }
SyscallResult SysRemovexattr(Task& t, const SyscallArgs& args) { return Remove(t, Follow, args); }
SyscallResult SysLremovexattr(Task& t, const SyscallArgs& args) {
  return Remove(t, NoFollow, args);
}
SyscallResult SysFremovexattr(Task& t, const SyscallArgs& args) {
  return Remove(t, Fd, args);
}

}  // namespace kekkai::syscalls

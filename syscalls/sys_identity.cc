// Changing who a task is: setuid(2), setgid(2), setreuid(2), setregid(2),
// setresuid(2), setresgid(2), setfsuid(2), setfsgid(2), setgroups(2), capget(2),
// capset(2). The rules live in sentry/auth; these handlers move arguments across
// the guest boundary. The getters are in sys_thread.cc.
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "sentry/auth/credentials.h"
#include "sentry/kernel/task.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

namespace auth = sentry::auth;

namespace {

// struct __user_cap_header_struct and struct __user_cap_data_struct
// (linux/capability.h).
struct CapUserHeader {
  uint32_t version;
  int32_t pid;
};
static_assert(sizeof(CapUserHeader) == 8);
struct CapUserData {
  uint32_t effective;
  uint32_t permitted;
  uint32_t inheritable;
};
static_assert(sizeof(CapUserData) == 12);

constexpr uint32_t kCapVersion1 = 0x19980330;  // One CapUserData: capabilities 0-31.
constexpr uint32_t kCapVersion2 = 0x20071026;  // As version 3 (deprecated).
constexpr uint32_t kCapVersion3 = 0x20080522;  // Two CapUserData: capabilities 0-63.

// Returns the id argument `i`, or nullopt for -1 ("leave unchanged").
std::optional<uint32_t> IdArg(const SyscallArgs& args, int i) {
  const uint32_t id = args.Uint(i);
  return id == auth::kNoId ? std::nullopt : std::optional<uint32_t>(id);
}

// Applies `change` to a copy of the task's credentials and installs the copy if
// it succeeded.
template <typename F>
SyscallResult ChangeCreds(Task& t, F change) {
  auth::Credentials c = t.creds();
  RETURN_IF_ERROR(change(c));
  t.set_creds(std::move(c));
  return uint64_t{0};
}

// cap_validate_magic: returns how many CapUserData the header's version uses. For
// an unknown version, writes the preferred one into the header and fails with
// EINVAL.
Result<size_t> CapDataCount(Task& t, GuestAddr header) {
  ASSIGN_OR_RETURN(uint32_t version, t.mm().CopyInObj<uint32_t>(header));
  switch (version) {
    case kCapVersion1:
      return size_t{1};
    case kCapVersion2:
    case kCapVersion3:
      return size_t{2};
    default:
      RETURN_IF_ERROR(t.mm().CopyOutObj(header, kCapVersion3));
      return Errno(EINVAL);
  }
}

}  // namespace

// setuid(2).
SyscallResult SysSetuid(Task& t, const SyscallArgs& args) {
  return ChangeCreds(t, [&](auth::Credentials& c) { return auth::SetUid(c, args.Uint(0)); });
}

// setgid(2).
SyscallResult SysSetgid(Task& t, const SyscallArgs& args) {
  return ChangeCreds(t, [&](auth::Credentials& c) { return auth::SetGid(c, args.Uint(0)); });
}

// setreuid(2).
SyscallResult SysSetreuid(Task& t, const SyscallArgs& args) {
  return ChangeCreds(t, [&](auth::Credentials& c) {
    return auth::SetReUid(c, IdArg(args, 0), IdArg(args, 1));
  });
}

// setregid(2).
SyscallResult SysSetregid(Task& t, const SyscallArgs& args) {
  return ChangeCreds(t, [&](auth::Credentials& c) {
    return auth::SetReGid(c, IdArg(args, 0), IdArg(args, 1));
  });
}

// setresuid(2).
SyscallResult SysSetresuid(Task& t, const SyscallArgs& args) {
  return ChangeCreds(t, [&](auth::Credentials& c) {
    return auth::SetResUid(c, IdArg(args, 0), IdArg(args, 1), IdArg(args, 2));
  });
}

// setresgid(2).
SyscallResult SysSetresgid(Task& t, const SyscallArgs& args) {
  return ChangeCreds(t, [&](auth::Credentials& c) {
    return auth::SetResGid(c, IdArg(args, 0), IdArg(args, 1), IdArg(args, 2));
  });
}

// setfsuid(2). Never fails: returns the old fsuid.
SyscallResult SysSetfsuid(Task& t, const SyscallArgs& args) {
  auth::Credentials c = t.creds();
  const uint32_t old = auth::SetFsUid(c, args.Uint(0));
  t.set_creds(std::move(c));
  return uint64_t{old};
}

// setfsgid(2).
SyscallResult SysSetfsgid(Task& t, const SyscallArgs& args) {
  auth::Credentials c = t.creds();
  const uint32_t old = auth::SetFsGid(c, args.Uint(0));
  t.set_creds(std::move(c));
  return uint64_t{old};
}

// setgroups(2).
SyscallResult SysSetgroups(Task& t, const SyscallArgs& args) {
  // Linux's order: privilege, then size, then the list.
  if (!t.creds().HasCapability(auth::kCapSetgid)) return Errno(EPERM);
  const uint32_t size = args.Uint(0);
  if (size > auth::kMaxGroups) return Errno(EINVAL);
  std::vector<uint32_t> groups(size);
  if (size > 0) {
    RETURN_IF_ERROR(t.mm().CopyInFull(args.Addr(1), std::as_writable_bytes(std::span(groups))));
  }
  return ChangeCreds(t,
                     [&](auth::Credentials& c) { return auth::SetGroups(c, std::move(groups)); });
}

// capget(2). Only the caller's own sets: any other pid is ESRCH (there is one
// thread per process until clone(2) exists).
SyscallResult SysCapget(Task& t, const SyscallArgs& args) {
  const GuestAddr header = args.Addr(0);
  const GuestAddr data = args.Addr(1);
  Result<size_t> count = CapDataCount(t, header);
  // A NULL data pointer asks only for the preferred version, which an unknown
  // version has just been told.
  if (data == GuestAddr(0)) {
    if (!count.ok() && count.error() != Errno(EINVAL)) return count.error();
    return uint64_t{0};
  }
  if (!count.ok()) return count.error();
  ASSIGN_OR_RETURN(int32_t pid,
                   t.mm().CopyInObj<int32_t>(header + offsetof(CapUserHeader, pid)));
  if (pid < 0) return Errno(EINVAL);
  if (pid != 0 && pid != t.tid()) return Errno(ESRCH);
  const auth::Credentials& c = t.creds();
  const CapUserData out[2] = {
      {static_cast<uint32_t>(c.cap_effective), static_cast<uint32_t>(c.cap_permitted),
       static_cast<uint32_t>(c.cap_inheritable)},
      {static_cast<uint32_t>(c.cap_effective >> 32), static_cast<uint32_t>(c.cap_permitted >> 32),
       static_cast<uint32_t>(c.cap_inheritable >> 32)},
  };
  RETURN_IF_ERROR(t.mm().CopyOutFull(data, std::as_bytes(std::span(out, *count))));
  return uint64_t{0};
}

// capset(2). Only the caller's own sets, as in Linux.
SyscallResult SysCapset(Task& t, const SyscallArgs& args) {
  const GuestAddr header = args.Addr(0);
  ASSIGN_OR_RETURN(size_t count, CapDataCount(t, header));
  ASSIGN_OR_RETURN(int32_t pid,
                   t.mm().CopyInObj<int32_t>(header + offsetof(CapUserHeader, pid)));
  if (pid != 0 && pid != t.tid()) return Errno(EPERM);
  CapUserData in[2] = {};
  RETURN_IF_ERROR(
      t.mm().CopyInFull(args.Addr(1), std::as_writable_bytes(std::span(in, count))));
  auto join = [](uint32_t lo, uint32_t hi) { return uint64_t{lo} | (uint64_t{hi} << 32); };
  return ChangeCreds(t, [&](auth::Credentials& c) {
    return auth::SetCapabilities(c, join(in[0].effective, in[1].effective),
                                 join(in[0].permitted, in[1].permitted),
                                 join(in[0].inheritable, in[1].inheritable));
  });
}

}  // namespace kekkai::syscalls

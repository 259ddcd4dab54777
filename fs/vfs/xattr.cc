// Extended attributes: the checks Linux's fs/xattr.c (xattr_permission) and the
// capability module (cap_inode_setxattr, cap_inode_removexattr) make before a
// filesystem is asked. Filesystems only store names and values.
#include <algorithm>

#include "fs/vfs/vfs.h"
#include "fs/vfs/vfs_internal.h"

namespace kekkai::fs::vfs {

namespace {

using namespace abi::linux;

constexpr std::string_view kSecurityPrefix = "security.";
constexpr std::string_view kSystemPrefix = "system.";
constexpr std::string_view kTrustedPrefix = "trusted.";
constexpr std::string_view kUserPrefix = "user.";
constexpr std::string_view kCapabilityName = "security.capability";

bool HasPrefix(std::string_view name, std::string_view prefix) {
  return name.substr(0, prefix.size()) == prefix;
}

// Linux's xattr_resolve_name: a name must start with a namespace the
// filesystems know (EOPNOTSUPP) and name something after it (EINVAL). system.*
// holds POSIX ACLs, which no filesystem here keeps: EOPNOTSUPP, as a Linux
// filesystem mounted without ACL support answers (storing them would pretend
// to enforce them).
Result<void> CheckNamespace(std::string_view name) {
  if (HasPrefix(name, kSystemPrefix)) return Errno(EOPNOTSUPP);
  for (std::string_view prefix : {kSecurityPrefix, kTrustedPrefix, kUserPrefix}) {
    if (HasPrefix(name, prefix)) {
      if (name.size() == prefix.size()) return Errno(EINVAL);
      return Ok();
    }
  }
  return Errno(EOPNOTSUPP);
}

// Linux's xattr_permission for `mask` (kMayRead or kMayWrite).
Result<void> CheckXattrPermission(const sentry::auth::Credentials* creds, Inode& inode,
                                  const Stat& st, std::string_view name, int mask) {
  const bool write = (mask & kMayWrite) != 0;
  // No restriction from the VFS for security.* and system.*.
  if (HasPrefix(name, kSecurityPrefix) || HasPrefix(name, kSystemPrefix)) return Ok();
  if (HasPrefix(name, kTrustedPrefix)) {
    if (!HasCap(creds, sentry::auth::kCapSysAdmin)) return Errno(write ? EPERM : ENODATA);
    return Ok();
  }
  if (HasPrefix(name, kUserPrefix)) {
    // Only regular files and directories carry user attributes; in a sticky
    // directory only its owner (or CAP_FOWNER) writes them.
    if (!inode.is_regular() && !inode.is_dir()) return Errno(write ? EPERM : ENODATA);
    if (inode.is_dir() && (st.mode & kSIsvtx) && write) {
      const uint32_t fsuid = creds == nullptr ? 0 : creds->fsuid;
      if (st.uid != fsuid && !HasCap(creds, sentry::auth::kCapFowner)) return Errno(EPERM);
    }
  }
  return CheckPermission(creds, st, mask);
}

// The capability module's checks on changing `name`: security.capability needs
// CAP_SETFCAP, any other security.* attribute CAP_SYS_ADMIN.
Result<void> CheckSecurityWrite(const sentry::auth::Credentials* creds, std::string_view name) {
  if (name == kCapabilityName) {
    if (!HasCap(creds, sentry::auth::kCapSetfcap)) return Errno(EPERM);
  } else if (HasPrefix(name, kSecurityPrefix)) {
    if (!HasCap(creds, sentry::auth::kCapSysAdmin)) return Errno(EPERM);
  }
  return Ok();
}

// The checks before a change to `name` of the file at `vd`.
Result<void> CheckXattrWrite(const sentry::auth::Credentials* creds, const VirtualDentry& vd,
                             std::string_view name) {
  if (vd.mount->read_only()) return Errno(EROFS);
  Inode& inode = *vd.dentry->inode();
  ASSIGN_OR_RETURN(abi::linux::Stat st, inode.Stat());
  RETURN_IF_ERROR(CheckXattrPermission(creds, inode, st, name, kMayWrite));
  RETURN_IF_ERROR(CheckSecurityWrite(creds, name));
  return CheckNamespace(name);
}

}  // namespace

Result<std::string> Vfs::GetXattrAt(const sentry::auth::Credentials* creds,
                                    const VirtualDentry& vd, std::string_view name) {
  if (name.empty() || name.size() > kXattrNameMax) return Errno(ERANGE);
  Inode& inode = *vd.dentry->inode();
  ASSIGN_OR_RETURN(abi::linux::Stat st, inode.Stat());
  RETURN_IF_ERROR(CheckXattrPermission(creds, inode, st, name, kMayRead));
  RETURN_IF_ERROR(CheckNamespace(name));
  return inode.GetXattr(name);
}

Result<void> Vfs::SetXattrAt(const sentry::auth::Credentials* creds, const VirtualDentry& vd,
                             std::string_view name, std::string_view value, uint32_t flags) {
  if (flags & ~(kXattrCreate | kXattrReplace)) return Errno(EINVAL);
  if (name.empty() || name.size() > kXattrNameMax) return Errno(ERANGE);
  if (value.size() > kXattrSizeMax) return Errno(E2BIG);
  RETURN_IF_ERROR(CheckXattrWrite(creds, vd, name));
  return vd.dentry->inode()->SetXattr(name, value, flags);
}

Result<std::vector<std::string>> Vfs::ListXattrAt(const sentry::auth::Credentials* creds,
                                                  const VirtualDentry& vd) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, vd.dentry->inode()->ListXattr());
  const bool sys_admin = HasCap(creds, sentry::auth::kCapSysAdmin);
  std::erase_if(names, [sys_admin](const std::string& n) {
    return HasPrefix(n, kSystemPrefix) || (!sys_admin && HasPrefix(n, kTrustedPrefix));
  });
  return names;
}

Result<void> Vfs::RemoveXattrAt(const sentry::auth::Credentials* creds, const VirtualDentry& vd,
                                std::string_view name) {
  if (name.empty() || name.size() > kXattrNameMax) return Errno(ERANGE);
  RETURN_IF_ERROR(CheckXattrWrite(creds, vd, name));
  return vd.dentry->inode()->RemoveXattr(name);
}

}  // namespace kekkai::fs::vfs

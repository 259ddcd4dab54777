// Credentials: who a task is — uids, gids and the capability sets — and the rules
// by which the set*id(2), setgroups(2) and capset(2) calls change them. Knows no Task.
#ifndef KEKKAI_SENTRY_AUTH_CREDENTIALS_H_
#define KEKKAI_SENTRY_AUTH_CREDENTIALS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/result.h"

namespace kekkai::sentry::auth {

// Capability numbers (linux/capability.h) for the set Docker grants a container.
inline constexpr int kCapChown = 0, kCapDacOverride = 1, kCapFowner = 3, kCapFsetid = 4,
                     kCapKill = 5, kCapSetgid = 6, kCapSetuid = 7, kCapSetpcap = 8,
                     kCapNetBindService = 10, kCapNetRaw = 13, kCapSysChroot = 18,
                     kCapMknod = 27, kCapAuditWrite = 29, kCapSetfcap = 31;
inline constexpr int kCapDacReadSearch = 2, kCapLinuxImmutable = 9, kCapSysAdmin = 21,
                     kCapMacOverride = 32;
inline constexpr int kCapLastCap = 40;

constexpr uint64_t CapBit(int cap) { return uint64_t{1} << cap; }

// Every capability this kernel knows (0 through kCapLastCap).
inline constexpr uint64_t kAllCaps = (CapBit(kCapLastCap) << 1) - 1;

// The capabilities that follow the fsuid (CAP_FS_MASK in linux/capability.h): an
// fsuid change away from 0 drops them from the effective set, one back to 0 raises
// the permitted ones again.
inline constexpr uint64_t kCapFsMask =
    CapBit(kCapChown) | CapBit(kCapDacOverride) | CapBit(kCapDacReadSearch) |
    CapBit(kCapFowner) | CapBit(kCapFsetid) | CapBit(kCapLinuxImmutable) | CapBit(kCapMknod) |
    CapBit(kCapMacOverride);

// The id that is no id: as a set*id(2) argument it means "leave unchanged", and it
// is never a valid uid or gid (Linux's INVALID_UID).
inline constexpr uint32_t kNoId = 0xffffffff;

// NGROUPS_MAX: the most supplementary groups a task may have.
inline constexpr size_t kMaxGroups = 65536;

// Returns the capability set Docker gives a container by default.
constexpr uint64_t DockerDefaultCaps() {
  return CapBit(kCapChown) | CapBit(kCapDacOverride) | CapBit(kCapFowner) | CapBit(kCapFsetid) |
         CapBit(kCapKill) | CapBit(kCapSetgid) | CapBit(kCapSetuid) | CapBit(kCapSetpcap) |
         CapBit(kCapNetBindService) | CapBit(kCapNetRaw) | CapBit(kCapSysChroot) |
         CapBit(kCapMknod) | CapBit(kCapAuditWrite) | CapBit(kCapSetfcap);
}

struct Credentials {
  uint32_t uid = 0, euid = 0, suid = 0, fsuid = 0;
  uint32_t gid = 0, egid = 0, sgid = 0, fsgid = 0;
  std::vector<uint32_t> groups;
  uint64_t cap_effective = DockerDefaultCaps();
  uint64_t cap_permitted = DockerDefaultCaps();
  uint64_t cap_inheritable = 0;
  uint64_t cap_bounding = DockerDefaultCaps();

  // Returns whether the effective set holds `cap`.
  bool HasCapability(int cap) const { return (cap_effective & CapBit(cap)) != 0; }
};

// The calls below change `c` as Linux's kernel/sys.c, kernel/groups.c and
// kernel/capability.c do, with the capability fix-ups of security/commoncap.c
// (capabilities(7), "Effect of user ID changes on capabilities"). On error `c` is
// unchanged. Privilege is CAP_SETUID / CAP_SETGID in the effective set; there are
// no user namespaces, so every id but kNoId is valid. Securebits are not
// implemented: they all read as clear (no SECBIT_KEEP_CAPS, no
// SECBIT_NO_SETUID_FIXUP), and there is no ambient set to clear. RLIMIT_NPROC is not
// checked on a real-uid change.

// Sets the uids as setuid(2): with CAP_SETUID all of real, effective, saved and fs;
// without it the effective and fs uid, if `uid` is the real or saved one (else
// EPERM). EINVAL for kNoId.
Result<void> SetUid(Credentials& c, uint32_t uid);
// Sets the gids as setgid(2), with CAP_SETGID.
Result<void> SetGid(Credentials& c, uint32_t gid);

// Sets the real and/or effective uid as setreuid(2) (nullopt: unchanged). Without
// CAP_SETUID the real uid may become the real or effective one, the effective uid
// any of real, effective, saved. The saved uid becomes the new effective one when
// the real uid is set or the effective one set to other than the old real uid.
Result<void> SetReUid(Credentials& c, std::optional<uint32_t> r, std::optional<uint32_t> e);
// Sets the real and/or effective gid as setregid(2), with CAP_SETGID.
Result<void> SetReGid(Credentials& c, std::optional<uint32_t> r, std::optional<uint32_t> e);

// Sets any of the real, effective and saved uid as setresuid(2) (nullopt:
// unchanged). Without CAP_SETUID each new id must be one of the current three.
Result<void> SetResUid(Credentials& c, std::optional<uint32_t> r, std::optional<uint32_t> e,
                       std::optional<uint32_t> s);
// Sets any of the real, effective and saved gid as setresgid(2), with CAP_SETGID.
Result<void> SetResGid(Credentials& c, std::optional<uint32_t> r, std::optional<uint32_t> e,
                       std::optional<uint32_t> s);

// Sets the fsuid as setfsuid(2) — if `fsuid` is one of the real, effective, saved or
// fs uids, or with CAP_SETUID — and returns the old fsuid whether or not it changed.
uint32_t SetFsUid(Credentials& c, uint32_t fsuid);
// Sets the fsgid as setfsgid(2), with CAP_SETGID; returns the old fsgid.
uint32_t SetFsGid(Credentials& c, uint32_t fsgid);

// Replaces the supplementary groups as setgroups(2): EPERM without CAP_SETGID,
// EINVAL for more than kMaxGroups or a kNoId entry. Keeps them sorted, duplicates
// and all, as Linux does (getgroups(2) returns them sorted, not as given).
Result<void> SetGroups(Credentials& c, std::vector<uint32_t> groups);

// Replaces the capability sets as capset(2) (bits above kCapLastCap are ignored).
// EPERM unless: the new permitted set is within the old one; the new effective set
// is within the new permitted one; the new inheritable set is within the old
// inheritable plus bounding sets, and — without CAP_SETPCAP — within the old
// inheritable plus permitted sets.
Result<void> SetCapabilities(Credentials& c, uint64_t effective, uint64_t permitted,
                             uint64_t inheritable);

}  // namespace kekkai::sentry::auth

#endif  // KEKKAI_SENTRY_AUTH_CREDENTIALS_H_

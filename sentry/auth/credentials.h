// Credentials: who a task is — uids, gids and the capability sets. Knows no Task.
#ifndef KEKKAI_SENTRY_AUTH_CREDENTIALS_H_
#define KEKKAI_SENTRY_AUTH_CREDENTIALS_H_

#include <cstdint>
#include <vector>

namespace kekkai::sentry::auth {

// Capability numbers (linux/capability.h) for the set Docker grants a container.
inline constexpr int kCapChown = 0, kCapDacOverride = 1, kCapFowner = 3, kCapFsetid = 4,
                     kCapKill = 5, kCapSetgid = 6, kCapSetuid = 7, kCapSetpcap = 8,
                     kCapNetBindService = 10, kCapNetRaw = 13, kCapSysChroot = 18,
                     kCapMknod = 27, kCapAuditWrite = 29, kCapSetfcap = 31;
inline constexpr int kCapLastCap = 40;

constexpr uint64_t CapBit(int cap) { return uint64_t{1} << cap; }

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

}  // namespace kekkai::sentry::auth

#endif  // KEKKAI_SENTRY_AUTH_CREDENTIALS_H_

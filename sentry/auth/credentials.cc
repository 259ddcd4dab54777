// The set*id(2), setgroups(2) and capset(2) rules (kernel/sys.c, kernel/groups.c,
// kernel/capability.c, security/commoncap.c).
#include "sentry/auth/credentials.h"

#include <algorithm>
#include <utility>

namespace kekkai::sentry::auth {

namespace {

constexpr uint32_t kRootUid = 0;

bool IsSubset(uint64_t a, uint64_t b) { return (a & ~b) == 0; }

bool ValidId(std::optional<uint32_t> id) { return !id.has_value() || *id != kNoId; }

// Whether `id` is one of `a`, `b`, `c`.
bool OneOf(uint32_t id, uint32_t a, uint32_t b, uint32_t c) {
  return id == a || id == b || id == c;
}

// cap_emulate_setxuid: the capability fix-up after a uid change by setuid(2),
// setreuid(2) or setresuid(2) (the fsuid follows the euid there, and needs no
// fix-up of its own). Without SECBIT_KEEP_CAPS, leaving uid 0 in all of real,
// effective and saved clears the permitted and effective sets.
void FixCapsAfterSetxuid(Credentials& c, const Credentials& old) {
  const bool was_root = old.uid == kRootUid || old.euid == kRootUid || old.suid == kRootUid;
  const bool is_root = c.uid == kRootUid || c.euid == kRootUid || c.suid == kRootUid;
  if (was_root && !is_root) {
    c.cap_permitted = 0;
    c.cap_effective = 0;
  }
  if (old.euid == kRootUid && c.euid != kRootUid) c.cap_effective = 0;
  if (old.euid != kRootUid && c.euid == kRootUid) c.cap_effective = c.cap_permitted;
}

}  // namespace

Result<void> SetUid(Credentials& c, uint32_t uid) {
  if (uid == kNoId) return Errno(EINVAL);
  const Credentials old = c;
  if (old.HasCapability(kCapSetuid)) {
    c.uid = c.suid = uid;
  } else if (uid != old.uid && uid != old.suid) {
    return Errno(EPERM);
  }
  c.euid = c.fsuid = uid;
  FixCapsAfterSetxuid(c, old);
  return Ok();
}

Result<void> SetGid(Credentials& c, uint32_t gid) {
  if (gid == kNoId) return Errno(EINVAL);
  if (c.HasCapability(kCapSetgid)) {
    c.gid = c.egid = c.sgid = c.fsgid = gid;
  } else if (gid == c.gid || gid == c.sgid) {
    c.egid = c.fsgid = gid;
  } else {
    return Errno(EPERM);
  }
  return Ok();
}

Result<void> SetReUid(Credentials& c, std::optional<uint32_t> r, std::optional<uint32_t> e) {
  if (!ValidId(r) || !ValidId(e)) return Errno(EINVAL);
  const bool privileged = c.HasCapability(kCapSetuid);
  if (r && *r != c.uid && *r != c.euid && !privileged) return Errno(EPERM);
  if (e && !OneOf(*e, c.uid, c.euid, c.suid) && !privileged) return Errno(EPERM);
  const Credentials old = c;
  if (r) c.uid = *r;
  if (e) c.euid = *e;
  if (r || (e && *e != old.uid)) c.suid = c.euid;
  c.fsuid = c.euid;
  FixCapsAfterSetxuid(c, old);
  return Ok();
}

Result<void> SetReGid(Credentials& c, std::optional<uint32_t> r, std::optional<uint32_t> e) {
  if (!ValidId(r) || !ValidId(e)) return Errno(EINVAL);
  const bool privileged = c.HasCapability(kCapSetgid);
  if (r && *r != c.gid && *r != c.egid && !privileged) return Errno(EPERM);
  if (e && !OneOf(*e, c.gid, c.egid, c.sgid) && !privileged) return Errno(EPERM);
  const uint32_t old_gid = c.gid;
  if (r) c.gid = *r;
  if (e) c.egid = *e;
  if (r || (e && *e != old_gid)) c.sgid = c.egid;
  c.fsgid = c.egid;
  return Ok();
}

Result<void> SetResUid(Credentials& c, std::optional<uint32_t> r, std::optional<uint32_t> e,
                       std::optional<uint32_t> s) {
  if (!ValidId(r) || !ValidId(e) || !ValidId(s)) return Errno(EINVAL);
  // A call that changes nothing needs no privilege (and makes no fix-up).
  if ((!r || *r == c.uid) && (!e || (*e == c.euid && *e == c.fsuid)) && (!s || *s == c.suid)) {
    return Ok();
  }
  auto is_new = [&c](std::optional<uint32_t> id) {
    return id && !OneOf(*id, c.uid, c.euid, c.suid);
  };
  if ((is_new(r) || is_new(e) || is_new(s)) && !c.HasCapability(kCapSetuid)) {
    return Errno(EPERM);
  }
  const Credentials old = c;
  if (r) c.uid = *r;
  if (e) c.euid = *e;
  if (s) c.suid = *s;
  c.fsuid = c.euid;
  FixCapsAfterSetxuid(c, old);
  return Ok();
}

Result<void> SetResGid(Credentials& c, std::optional<uint32_t> r, std::optional<uint32_t> e,
                       std::optional<uint32_t> s) {
  if (!ValidId(r) || !ValidId(e) || !ValidId(s)) return Errno(EINVAL);
  if ((!r || *r == c.gid) && (!e || (*e == c.egid && *e == c.fsgid)) && (!s || *s == c.sgid)) {
    return Ok();
  }
  auto is_new = [&c](std::optional<uint32_t> id) {
    return id && !OneOf(*id, c.gid, c.egid, c.sgid);
  };
  if ((is_new(r) || is_new(e) || is_new(s)) && !c.HasCapability(kCapSetgid)) {
    return Errno(EPERM);
  }
  if (r) c.gid = *r;
  if (e) c.egid = *e;
  if (s) c.sgid = *s;
  c.fsgid = c.egid;
  return Ok();
}

uint32_t SetFsUid(Credentials& c, uint32_t fsuid) {
  const uint32_t old = c.fsuid;
  if (fsuid == kNoId || fsuid == old) return old;
  if (!OneOf(fsuid, c.uid, c.euid, c.suid) && !c.HasCapability(kCapSetuid)) return old;
  c.fsuid = fsuid;
  // cap_task_fix_setuid(LSM_SETID_FS).
  if (old == kRootUid && fsuid != kRootUid) c.cap_effective &= ~kCapFsMask;
  if (old != kRootUid && fsuid == kRootUid) c.cap_effective |= c.cap_permitted & kCapFsMask;
  return old;
}

uint32_t SetFsGid(Credentials& c, uint32_t fsgid) {
  const uint32_t old = c.fsgid;
  if (fsgid == kNoId || fsgid == old) return old;
  if (!OneOf(fsgid, c.gid, c.egid, c.sgid) && !c.HasCapability(kCapSetgid)) return old;
  c.fsgid = fsgid;
  return old;
}

Result<void> SetGroups(Credentials& c, std::vector<uint32_t> groups) {
  if (!c.HasCapability(kCapSetgid)) return Errno(EPERM);
  if (groups.size() > kMaxGroups) return Errno(EINVAL);
  if (std::find(groups.begin(), groups.end(), kNoId) != groups.end()) return Errno(EINVAL);
  std::sort(groups.begin(), groups.end());
  c.groups = std::move(groups);
  return Ok();
}

Result<void> SetCapabilities(Credentials& c, uint64_t effective, uint64_t permitted,
                             uint64_t inheritable) {
  effective &= kAllCaps;
  permitted &= kAllCaps;
  inheritable &= kAllCaps;
  // cap_capset.
  if (!c.HasCapability(kCapSetpcap) &&
      !IsSubset(inheritable, c.cap_inheritable | c.cap_permitted)) {
    return Errno(EPERM);
  }
  if (!IsSubset(inheritable, c.cap_inheritable | c.cap_bounding)) return Errno(EPERM);
  if (!IsSubset(permitted, c.cap_permitted)) return Errno(EPERM);
  if (!IsSubset(effective, permitted)) return Errno(EPERM);
  c.cap_effective = effective;
  c.cap_permitted = permitted;
  c.cap_inheritable = inheritable;
  return Ok();
}

}  // namespace kekkai::sentry::auth

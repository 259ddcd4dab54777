#include "fs/vfs/permission.h"

#include <sys/stat.h>

#include <algorithm>

namespace kekkai::fs::vfs {

namespace {

// CAP_DAC_READ_SEARCH: not in Docker's set, but a guest may hold it.
constexpr int kCapDacReadSearch = 2;

}  // namespace

Result<void> CheckPermission(const sentry::auth::Credentials* creds, const abi::linux::Stat& st,
                             int mask) {
  mask &= kMayRead | kMayWrite | kMayExec;
  if (mask == 0) return Ok();
  // No credentials: the sandbox's root, uid and gid 0 with Docker's capabilities.
  const uint32_t fsuid = creds != nullptr ? creds->fsuid : 0;
  const uint32_t fsgid = creds != nullptr ? creds->fsgid : 0;
  const uint64_t caps = creds != nullptr ? creds->cap_effective : sentry::auth::DockerDefaultCaps();
  const auto in_group = [&](uint32_t gid) {
    if (gid == fsgid) return true;
    return creds != nullptr &&
           std::find(creds->groups.begin(), creds->groups.end(), gid) != creds->groups.end();
  };
  uint32_t bits;
  if (fsuid == st.uid) {
    bits = (st.mode >> 6) & 7;
  } else if (in_group(st.gid)) {
    bits = (st.mode >> 3) & 7;
  } else {
    bits = st.mode & 7;
  }
  if ((static_cast<uint32_t>(mask) & ~bits) == 0) return Ok();

  const bool dir = S_ISDIR(st.mode);
  if (caps & sentry::auth::CapBit(sentry::auth::kCapDacOverride)) {
    // Executing needs some x bit even for root; searching a directory does not.
    if (dir || (mask & kMayExec) == 0 || (st.mode & 0111) != 0) return Ok();
  }
  if (caps & sentry::auth::CapBit(kCapDacReadSearch)) {
    if (dir && (mask & kMayWrite) == 0) return Ok();
    if (mask == kMayRead) return Ok();
  }
  return Errno(EACCES);
}

}  // namespace kekkai::fs::vfs

// Runs part of a test as an unprivileged user without fork or threads: switches
// the effective uid and gid (and empties the supplementary groups) with raw
// system calls, keeping the real and saved uid 0 so the switch can be undone.
// A non-zero effective uid has no effective capabilities, so permission checks
// (DAC) apply as to any user; file creation uses the new fsuid/fsgid.
// Single-threaded use only: the raw calls change the calling thread alone.
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_SCOPED_CREDENTIALS_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_SCOPED_CREDENTIALS_H_

#include <sys/types.h>

#include "tests/syscalls/util/cleanup.h"
#include "tests/syscalls/util/errno_or.h"

namespace kekkai::syscall_test {

// Debian's nobody / nogroup.
inline constexpr uid_t kNobodyUid = 65534;
inline constexpr gid_t kNogroupGid = 65534;

// Sets the effective gid to `gid`, the supplementary groups to none and the
// effective uid to `uid` (real and saved ids stay 0); the returned Cleanup puts
// back uid 0, the previous effective gid and the previous groups. Requires
// running as root.
ErrnoOr<Cleanup> ScopedEffectiveIds(uid_t uid = kNobodyUid, gid_t gid = kNogroupGid);

}  // namespace kekkai::syscall_test

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_SCOPED_CREDENTIALS_H_

#include "tests/syscalls/util/scoped_credentials.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

namespace kekkai::syscall_test {

ErrnoOr<Cleanup> ScopedEffectiveIds(uid_t uid, gid_t gid) {
  if (geteuid() != 0) return ErrnoOr<Cleanup>::Error(EPERM, "ScopedEffectiveIds: euid is not 0");
  const gid_t saved_egid = getegid();
  const int ngroups = static_cast<int>(syscall(SYS_getgroups, 0, nullptr));
  if (ngroups < 0) return ErrnoOr<Cleanup>::Error(errno, "getgroups");
  std::vector<gid_t> groups(ngroups);
  if (ngroups > 0 && syscall(SYS_getgroups, ngroups, groups.data()) != ngroups) {
    return ErrnoOr<Cleanup>::Error(errno, "getgroups");
  }
  // Undoes whatever of the switch happened; uid first, to regain the capabilities
  // the rest needs.
  auto restore = [saved_egid, groups] {
    if (syscall(SYS_setresuid, -1, 0, -1) != 0) {
      ADD_FAILURE() << "setresuid(-1, 0, -1): " << ErrnoName(errno);
    }
    if (syscall(SYS_setresgid, -1, saved_egid, -1) != 0) {
      ADD_FAILURE() << "setresgid(-1, " << saved_egid << ", -1): " << ErrnoName(errno);
    }
    if (syscall(SYS_setgroups, groups.size(), groups.data()) != 0) {
      ADD_FAILURE() << "setgroups: " << ErrnoName(errno);
    }
  };
  if (syscall(SYS_setgroups, 0, nullptr) != 0)
    return ErrnoOr<Cleanup>::Error(errno, "setgroups(0)");
  if (syscall(SYS_setresgid, -1, gid, -1) != 0) {
    const int e = errno;
    restore();
    return ErrnoOr<Cleanup>::Error(e, "setresgid(-1, " + std::to_string(gid) + ", -1)");
  }
  if (syscall(SYS_setresuid, -1, uid, 0) != 0) {
    const int e = errno;
    restore();
    return ErrnoOr<Cleanup>::Error(e, "setresuid(-1, " + std::to_string(uid) + ", 0)");
  }
  return Cleanup(restore);
}

}  // namespace kekkai::syscall_test

// Who and where the process is: getpid/getppid/gettid, user and group ids,
// getgroups, uname, resource limits (getrlimit/setrlimit/prlimit64), sysinfo,
// getrandom, sched_getaffinity, getcpu, prctl (names, dumpable, no_new_privs,
// pdeathsig), arch_prctl (FS/GS base), umask, process groups and sessions.
#include <asm/prctl.h>
#include <errno.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/syscalls/util/cleanup.h"
#include "tests/syscalls/util/errno_or.h"
#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {
namespace {

using ::testing::AnyOf;
using ::testing::Ge;
using ::testing::Gt;
using ::testing::MatchesRegex;

void* const kKernelAddr = reinterpret_cast<void*>(0xffffffffff600000ULL);

// Process ids.

TEST(IdsTest, GetpidIsPositiveAndStable) {
  const pid_t pid = getpid();
  EXPECT_GT(pid, 0);
  EXPECT_EQ(syscall(SYS_getpid), pid);
}

TEST(IdsTest, MainThreadTidIsThePid) { EXPECT_EQ(syscall(SYS_gettid), getpid()); }

TEST(IdsTest, ParentIsSomeoneElse) {
  // 0 when our parent is outside our pid namespace (as for a container's init).
  const pid_t ppid = getppid();
  EXPECT_GE(ppid, 0);
  EXPECT_NE(ppid, getpid());
}

TEST(IdsTest, SetTidAddressReturnsTheTid) {
  // Glibc registered its own address at start-up; ours is a harmless stand-in.
  static int tid_word;
  EXPECT_THAT(syscall(SYS_set_tid_address, &tid_word), SyscallSucceedsWithValue(getpid()));
}

TEST(IdsTest, ProcessGroupAndSessionQueriesAgree) {
  const pid_t pgrp = getpgrp();
  EXPECT_GT(pgrp, 0);
  EXPECT_THAT(getpgid(0), SyscallSucceedsWithValue(pgrp));
  EXPECT_THAT(getpgid(getpid()), SyscallSucceedsWithValue(pgrp));
  const pid_t sid = getsid(0);
  EXPECT_GE(sid, 0);
  EXPECT_THAT(getsid(getpid()), SyscallSucceedsWithValue(sid));
}

TEST(IdsTest, PgidAndSidOfNoSuchProcessFailWithEsrch) {
  EXPECT_THAT(getpgid(INT_MAX), SyscallFailsWithErrno(ESRCH));
  EXPECT_THAT(getsid(INT_MAX), SyscallFailsWithErrno(ESRCH));
}

// Credentials.

TEST(CredentialsTest, ResuidMatchesTheSingleGetters) {
  uid_t r = 1, e = 1, s = 1;
  ASSERT_THAT(getresuid(&r, &e, &s), SyscallSucceeds());
  EXPECT_EQ(r, getuid());
  EXPECT_EQ(e, geteuid());
  EXPECT_EQ(static_cast<long>(r), syscall(SYS_getuid));
  EXPECT_EQ(static_cast<long>(e), syscall(SYS_geteuid));
}

TEST(CredentialsTest, ResgidMatchesTheSingleGetters) {
  gid_t r = 1, e = 1, s = 1;
  ASSERT_THAT(getresgid(&r, &e, &s), SyscallSucceeds());
  EXPECT_EQ(r, getgid());
  EXPECT_EQ(e, getegid());
  EXPECT_EQ(static_cast<long>(r), syscall(SYS_getgid));
  EXPECT_EQ(static_cast<long>(e), syscall(SYS_getegid));
}

TEST(CredentialsTest, GetresWithBadPointersFailsWithEfault) {
  uid_t u;
  EXPECT_THAT(syscall(SYS_getresuid, &u, &u, kKernelAddr), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(syscall(SYS_getresuid, kKernelAddr, &u, &u), SyscallFailsWithErrno(EFAULT));
  gid_t g;
  EXPECT_THAT(syscall(SYS_getresgid, &g, kKernelAddr, &g), SyscallFailsWithErrno(EFAULT));
}

TEST(CredentialsTest, GetgroupsCountThenList) {
  const int n = getgroups(0, nullptr);
  ASSERT_THAT(n, SyscallSucceeds());
  std::vector<gid_t> groups(n + 1, static_cast<gid_t>(-7));
  EXPECT_THAT(getgroups(n + 1, groups.data()), SyscallSucceedsWithValue(n));
  // Only n entries are written.
  EXPECT_EQ(groups[n], static_cast<gid_t>(-7));
}

TEST(CredentialsTest, GetgroupsNegativeSizeFailsWithEinval) {
  gid_t g[1];
  EXPECT_THAT(getgroups(-1, g), SyscallFailsWithErrno(EINVAL));
}

TEST(CredentialsTest, GetgroupsBadPointerFailsWithEfaultIfThereAreGroups) {
  const int n = getgroups(0, nullptr);
  ASSERT_THAT(n, SyscallSucceeds());
  // With no supplementary groups nothing is copied, so nothing can fault.
  if (n == 0) {
    EXPECT_THAT(getgroups(4, static_cast<gid_t*>(kKernelAddr)), SyscallSucceedsWithValue(0));
  } else {
    EXPECT_THAT(getgroups(n, static_cast<gid_t*>(kKernelAddr)), SyscallFailsWithErrno(EFAULT));
    if (n > 1) {
      std::vector<gid_t> small(n - 1);
      EXPECT_THAT(getgroups(n - 1, small.data()), SyscallFailsWithErrno(EINVAL));
    }
  }
}

// Changing credentials: setuid(2) and friends, setgroups(2), capget(2), capset(2).
// The process is root (natively and as the sandbox's guest) and must stay able to
// come back: every switch keeps uid 0 as the real or saved uid (dropping all
// three is irreversible in one process), and capset only lowers the effective or
// inheritable sets, never the permitted one.

constexpr uint32_t kNobody = 65534;
constexpr uint32_t kCapV1 = 0x19980330;
constexpr uint32_t kCapV3 = 0x20080522;
constexpr int kCapChownBit = 0, kCapDacOverrideBit = 1, kCapFownerBit = 3, kCapKillBit = 5,
              kCapSetuidBit = 7;

// struct __user_cap_header_struct / __user_cap_data_struct.
struct CapHeader {
  uint32_t version;
  int pid;
};
struct CapData {
  uint32_t effective, permitted, inheritable;
};
struct Caps {
  uint64_t effective = 0, permitted = 0, inheritable = 0;
};

long RawCapget(CapHeader* h, CapData* d) { return syscall(SYS_capget, h, d); }
long RawCapset(CapHeader* h, const CapData* d) { return syscall(SYS_capset, h, d); }

ErrnoOr<Caps> GetCaps() {
  CapHeader h = {kCapV3, 0};
  CapData d[2] = {};
  if (RawCapget(&h, d) != 0) return ErrnoOr<Caps>::Error(errno, "capget");
  Caps c;
  c.effective = d[0].effective | (uint64_t{d[1].effective} << 32);
  c.permitted = d[0].permitted | (uint64_t{d[1].permitted} << 32);
  c.inheritable = d[0].inheritable | (uint64_t{d[1].inheritable} << 32);
  return c;
}

long SetCaps(const Caps& c) {
  CapHeader h = {kCapV3, 0};
  const CapData d[2] = {
      {static_cast<uint32_t>(c.effective), static_cast<uint32_t>(c.permitted),
       static_cast<uint32_t>(c.inheritable)},
      {static_cast<uint32_t>(c.effective >> 32), static_cast<uint32_t>(c.permitted >> 32),
       static_cast<uint32_t>(c.inheritable >> 32)},
  };
  return RawCapset(&h, d);
}

constexpr uint64_t Bit(int cap) { return uint64_t{1} << cap; }

// Raw calls: they change this thread only, as a single-threaded test wants.
long Setresuid(uint32_t r, uint32_t e, uint32_t s) { return syscall(SYS_setresuid, r, e, s); }
long Setresgid(uint32_t r, uint32_t e, uint32_t s) { return syscall(SYS_setresgid, r, e, s); }
long Setfsuid(uint32_t id) { return syscall(SYS_setfsuid, id); }
long Setfsgid(uint32_t id) { return syscall(SYS_setfsgid, id); }
// Returns the fsuid / fsgid without changing it.
long Fsuid() { return Setfsuid(-1); }
long Fsgid() { return Setfsgid(-1); }

void ExpectResuid(uint32_t r, uint32_t e, uint32_t s) {
  uid_t gr = 1, ge = 1, gs = 1;
  ASSERT_THAT(getresuid(&gr, &ge, &gs), SyscallSucceeds());
  EXPECT_EQ(gr, r);
  EXPECT_EQ(ge, e);
  EXPECT_EQ(gs, s);
}

void ExpectResgid(uint32_t r, uint32_t e, uint32_t s) {
  gid_t gr = 1, ge = 1, gs = 1;
  ASSERT_THAT(getresgid(&gr, &ge, &gs), SyscallSucceeds());
  EXPECT_EQ(gr, r);
  EXPECT_EQ(ge, e);
  EXPECT_EQ(gs, s);
}

std::vector<gid_t> Groups() {
  std::vector<gid_t> g(getgroups(0, nullptr));
  if (!g.empty()) {
    EXPECT_THAT(getgroups(g.size(), g.data()), SyscallSucceedsWithValue(g.size()));
  }
  return g;
}

// Saves the ids, groups and capability sets, and puts them back at the end of the
// test: euid 0 first (the real or saved uid is still 0), which makes the permitted
// set effective again, then the rest.
ErrnoOr<Cleanup> ScopedCredentialsRestore() {
  if (geteuid() != 0) return ErrnoOr<Cleanup>::Error(EPERM, "these tests need euid 0");
  uid_t ur, ue, us;
  gid_t gr, ge, gs;
  if (getresuid(&ur, &ue, &us) != 0) return ErrnoOr<Cleanup>::Error(errno, "getresuid");
  if (getresgid(&gr, &ge, &gs) != 0) return ErrnoOr<Cleanup>::Error(errno, "getresgid");
  ErrnoOr<Caps> caps = GetCaps();
  if (!caps.ok()) return ErrnoOr<Cleanup>::Error(caps.error(), "capget");
  const Caps saved = caps.value();
  const std::vector<gid_t> groups = Groups();
  return Cleanup([=] {
    if (Setresuid(-1, 0, -1) != 0) ADD_FAILURE() << "setresuid(-1, 0, -1): " << ErrnoName(errno);
    if (SetCaps(saved) != 0) ADD_FAILURE() << "capset: " << ErrnoName(errno);
    if (syscall(SYS_setgroups, groups.size(), groups.data()) != 0) {
      ADD_FAILURE() << "setgroups: " << ErrnoName(errno);
    }
    if (Setresgid(gr, ge, gs) != 0) ADD_FAILURE() << "setresgid: " << ErrnoName(errno);
    if (Setresuid(ur, ue, us) != 0) ADD_FAILURE() << "setresuid: " << ErrnoName(errno);
  });
}

TEST(SetuidTest, EffectiveUidOnlyClearsTheEffectiveSet) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  const Caps before = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  ASSERT_TRUE(before.effective & Bit(kCapSetuidBit));
  ASSERT_THAT(Setresuid(-1, kNobody, -1), SyscallSucceeds());
  ExpectResuid(0, kNobody, 0);
  EXPECT_EQ(geteuid(), kNobody);
  EXPECT_EQ(Fsuid(), kNobody);  // The fsuid follows the euid.
  Caps now = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_EQ(now.effective, 0u);
  EXPECT_EQ(now.permitted, before.permitted);
  // Back to euid 0 without CAP_SETUID (0 is the real and saved uid): the
  // permitted set becomes effective again.
  ASSERT_THAT(Setresuid(-1, 0, -1), SyscallSucceeds());
  ExpectResuid(0, 0, 0);
  now = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_EQ(now.effective, before.permitted);
}

TEST(SetuidTest, UnprivilegedMayOnlyChooseAmongItsOwnUids) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  ASSERT_THAT(Setresuid(kNobody, kNobody, 0), SyscallSucceeds());
  ExpectResuid(kNobody, kNobody, 0);
  const Caps now = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_EQ(now.effective, 0u);
  EXPECT_NE(now.permitted, 0u);  // The saved uid is still 0.
  EXPECT_THAT(Setresuid(-1, 1000, -1), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(Setresuid(1000, -1, -1), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(syscall(SYS_setuid, 1000), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(syscall(SYS_setreuid, -1, 1000), SyscallFailsWithErrno(EPERM));
  // The real uid may not become the saved one through setreuid.
  EXPECT_THAT(syscall(SYS_setreuid, 0, -1), SyscallFailsWithErrno(EPERM));
  ExpectResuid(kNobody, kNobody, 0);
  // Unprivileged setuid(2) to the saved uid changes only the effective (and fs) uid.
  ASSERT_THAT(syscall(SYS_setuid, 0), SyscallSucceeds());
  ExpectResuid(kNobody, 0, 0);
  EXPECT_EQ(Fsuid(), 0);
  // Privileged again: setuid(2) sets all three.
  ASSERT_THAT(syscall(SYS_setuid, 0), SyscallSucceeds());
  ExpectResuid(0, 0, 0);
}

TEST(SetuidTest, UnprivilegedMayPermuteItsUids) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  ASSERT_THAT(Setresuid(kNobody, kNobody, 0), SyscallSucceeds());
  ASSERT_THAT(Setresuid(0, kNobody, kNobody), SyscallSucceeds());
  ExpectResuid(0, kNobody, kNobody);
  ASSERT_THAT(Setresuid(kNobody, 0, 0), SyscallSucceeds());
  ExpectResuid(kNobody, 0, 0);
}

TEST(SetuidTest, SetreuidSetsTheSavedUidToTheNewEffective) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  // An effective uid other than the real one becomes the saved uid too.
  ASSERT_THAT(syscall(SYS_setreuid, -1, kNobody), SyscallSucceeds());
  ExpectResuid(0, kNobody, kNobody);
  EXPECT_EQ(Fsuid(), kNobody);
  // Back to the real uid: the saved uid stays.
  ASSERT_THAT(syscall(SYS_setreuid, -1, 0), SyscallSucceeds());
  ExpectResuid(0, 0, kNobody);
  // Setting the real uid copies the effective uid to the saved one.
  ASSERT_THAT(syscall(SYS_setreuid, 0, -1), SyscallSucceeds());
  ExpectResuid(0, 0, 0);
}

TEST(SetuidTest, NoIdIsInvalidOrUnchanged) {
  EXPECT_THAT(syscall(SYS_setuid, -1), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_setgid, -1), SyscallFailsWithErrno(EINVAL));
  uid_t r, e, s;
  ASSERT_THAT(getresuid(&r, &e, &s), SyscallSucceeds());
  EXPECT_THAT(Setresuid(-1, -1, -1), SyscallSucceeds());
  EXPECT_THAT(syscall(SYS_setreuid, -1, -1), SyscallSucceeds());
  ExpectResuid(r, e, s);
  gid_t gr, ge, gs;
  ASSERT_THAT(getresgid(&gr, &ge, &gs), SyscallSucceeds());
  EXPECT_THAT(Setresgid(-1, -1, -1), SyscallSucceeds());
  EXPECT_THAT(syscall(SYS_setregid, -1, -1), SyscallSucceeds());
  ExpectResgid(gr, ge, gs);
}

TEST(SetfsuidTest, ReturnsTheOldFsuidAndMovesTheFileCapabilities) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  const Caps before = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_EQ(Setfsuid(kNobody), 0);
  EXPECT_EQ(Setfsuid(kNobody), static_cast<long>(kNobody));
  EXPECT_EQ(Fsuid(), static_cast<long>(kNobody));
  ExpectResuid(0, 0, 0);
  Caps now = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  for (int cap : {kCapChownBit, kCapDacOverrideBit, kCapFownerBit}) {
    EXPECT_FALSE(now.effective & Bit(cap)) << cap;
  }
  EXPECT_TRUE(now.effective & Bit(kCapSetuidBit));
  EXPECT_TRUE(now.effective & Bit(kCapKillBit));
  EXPECT_EQ(now.permitted, before.permitted);
  EXPECT_EQ(Setfsuid(0), static_cast<long>(kNobody));
  now = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_EQ(now.effective, before.effective);
}

TEST(SetfsuidTest, UnprivilegedChangeIsIgnoredButStillReturnsTheOldFsuid) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  ASSERT_THAT(Setresuid(kNobody, kNobody, 0), SyscallSucceeds());
  EXPECT_EQ(Setfsuid(1000), static_cast<long>(kNobody));
  EXPECT_EQ(Fsuid(), static_cast<long>(kNobody));
  // The saved uid is one of ours.
  EXPECT_EQ(Setfsuid(0), static_cast<long>(kNobody));
  EXPECT_EQ(Fsuid(), 0);
  // With euid non-zero there is no CAP_SETGID: a foreign fsgid is refused too.
  ASSERT_THAT(Setresuid(-1, kNobody, -1), SyscallSucceeds());
  const long fsgid = Fsgid();
  EXPECT_EQ(Setfsgid(1000), fsgid);
  EXPECT_EQ(Fsgid(), fsgid);
}

TEST(SetfsgidTest, ReturnsTheOldFsgid) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  const long old = Fsgid();
  ASSERT_THAT(old, SyscallSucceeds());
  EXPECT_EQ(Setfsgid(kNobody), old);
  EXPECT_EQ(Fsgid(), static_cast<long>(kNobody));
  EXPECT_EQ(Setfsgid(old), static_cast<long>(kNobody));
  EXPECT_EQ(Fsgid(), old);
}

TEST(SetgidTest, PrivilegedSetgidSetsAllFour) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  ASSERT_THAT(syscall(SYS_setgid, kNobody), SyscallSucceeds());
  ExpectResgid(kNobody, kNobody, kNobody);
  EXPECT_EQ(Fsgid(), static_cast<long>(kNobody));
  EXPECT_EQ(getgid(), kNobody);
  EXPECT_EQ(getegid(), kNobody);
}

TEST(SetgidTest, SetresgidAndSetregid) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  ASSERT_THAT(Setresgid(0, 0, 0), SyscallSucceeds());
  ASSERT_THAT(Setresgid(-1, kNobody, -1), SyscallSucceeds());
  ExpectResgid(0, kNobody, 0);
  EXPECT_EQ(Fsgid(), static_cast<long>(kNobody));
  ASSERT_THAT(syscall(SYS_setregid, -1, 100), SyscallSucceeds());
  ExpectResgid(0, 100, 100);  // Other than the real gid: saved follows.
  ASSERT_THAT(syscall(SYS_setregid, 200, -1), SyscallSucceeds());
  ExpectResgid(200, 100, 100);  // The real gid set: saved = effective.
  EXPECT_EQ(Fsgid(), 100);
}

TEST(SetgidTest, WithoutCapabilitiesOnlyOwnGids) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  ASSERT_THAT(Setresgid(0, 0, 0), SyscallSucceeds());
  ASSERT_THAT(Setresgid(-1, kNobody, -1), SyscallSucceeds());
  // A non-zero euid has no effective capabilities: CAP_SETGID is gone.
  ASSERT_THAT(Setresuid(-1, kNobody, -1), SyscallSucceeds());
  EXPECT_THAT(syscall(SYS_setgid, 1000), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(Setresgid(-1, 1000, -1), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(syscall(SYS_setregid, 1000, -1), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(Setfsgid(1000), SyscallSucceedsWithValue(kNobody));
  EXPECT_EQ(Fsgid(), static_cast<long>(kNobody));
  const gid_t g[1] = {1000};
  EXPECT_THAT(syscall(SYS_setgroups, 1, g), SyscallFailsWithErrno(EPERM));
  // The real (and saved) gid 0 is ours to take.
  ASSERT_THAT(syscall(SYS_setgid, 0), SyscallSucceeds());
  ExpectResgid(0, 0, 0);
  ASSERT_THAT(Setresgid(kNobody, -1, kNobody), SyscallFailsWithErrno(EPERM));
}

TEST(SetgroupsTest, KeepsTheGroupsSortedWithDuplicates) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  const gid_t g[] = {30, 10, 20, 10, 5};
  ASSERT_THAT(syscall(SYS_setgroups, 5, g), SyscallSucceeds());
  EXPECT_EQ(Groups(), (std::vector<gid_t>{5, 10, 10, 20, 30}));
  EXPECT_THAT(getgroups(0, nullptr), SyscallSucceedsWithValue(5));
  ASSERT_THAT(syscall(SYS_setgroups, 0, nullptr), SyscallSucceeds());
  EXPECT_THAT(getgroups(0, nullptr), SyscallSucceedsWithValue(0));
}

TEST(SetgroupsTest, TheMostGroupsIs65536) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  std::vector<gid_t> g(65537, 7);
  EXPECT_THAT(syscall(SYS_setgroups, 65537, g.data()), SyscallFailsWithErrno(EINVAL));
  ASSERT_THAT(syscall(SYS_setgroups, 65536, g.data()), SyscallSucceeds());
  EXPECT_THAT(getgroups(0, nullptr), SyscallSucceedsWithValue(65536));
}

TEST(SetgroupsTest, BadArgumentsFail) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  const std::vector<gid_t> before = Groups();
  const gid_t g[2] = {1, static_cast<gid_t>(-1)};
  EXPECT_THAT(syscall(SYS_setgroups, -1, g), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_setgroups, 2, g), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_setgroups, 2, kKernelAddr), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(syscall(SYS_setgroups, 2, nullptr), SyscallFailsWithErrno(EFAULT));
  EXPECT_EQ(Groups(), before);
}

TEST(CapgetTest, RootHasCapSetuidAndEffectiveWithinPermitted) {
  const Caps c = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_TRUE(c.effective & Bit(kCapSetuidBit));
  EXPECT_EQ(c.effective & ~c.permitted, 0u);
  CapHeader h = {kCapV3, getpid()};
  CapData d[2];
  EXPECT_THAT(RawCapget(&h, d), SyscallSucceeds());
  EXPECT_EQ(d[0].effective | (uint64_t{d[1].effective} << 32), c.effective);
}

TEST(CapgetTest, Version1FillsOneWord) {
  const Caps c = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  CapHeader h = {kCapV1, 0};
  CapData d[2];
  memset(d, 0x5a, sizeof(d));
  ASSERT_THAT(RawCapget(&h, d), SyscallSucceeds());
  EXPECT_EQ(d[0].effective, static_cast<uint32_t>(c.effective));
  EXPECT_EQ(d[0].permitted, static_cast<uint32_t>(c.permitted));
  EXPECT_EQ(d[1].effective, 0x5a5a5a5au);
}

TEST(CapgetTest, UnknownVersionIsAnsweredWithTheKernelsOwn) {
  CapHeader h = {0x12345678, 0};
  CapData d[2];
  EXPECT_THAT(RawCapget(&h, d), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(h.version, kCapV3);
  // With no data pointer the probe succeeds.
  h.version = 0;
  EXPECT_THAT(RawCapget(&h, nullptr), SyscallSucceeds());
  EXPECT_EQ(h.version, kCapV3);
  EXPECT_THAT(RawCapget(&h, nullptr), SyscallSucceeds());
  h.version = 0;
  EXPECT_THAT(RawCapset(&h, d), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(h.version, kCapV3);
}

TEST(CapgetTest, BadPidsAndPointers) {
  CapHeader h = {kCapV3, -1};
  CapData d[2];
  EXPECT_THAT(RawCapget(&h, d), SyscallFailsWithErrno(EINVAL));
  h.pid = INT_MAX;
  EXPECT_THAT(RawCapget(&h, d), SyscallFailsWithErrno(ESRCH));
  h.pid = 0;
  EXPECT_THAT(RawCapget(&h, static_cast<CapData*>(kKernelAddr)), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(RawCapget(static_cast<CapHeader*>(kKernelAddr), d), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(RawCapset(static_cast<CapHeader*>(kKernelAddr), d), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(RawCapset(&h, static_cast<CapData*>(kKernelAddr)), SyscallFailsWithErrno(EFAULT));
  // capset affects only the caller.
  ASSERT_THAT(RawCapget(&h, d), SyscallSucceeds());
  h.pid = INT_MAX;
  EXPECT_THAT(RawCapset(&h, d), SyscallFailsWithErrno(EPERM));
  h.pid = -1;
  EXPECT_THAT(RawCapset(&h, d), SyscallFailsWithErrno(EPERM));
  h.pid = getpid();
  EXPECT_THAT(RawCapset(&h, d), SyscallSucceeds());
}

TEST(CapsetTest, DropsAndRegainsAnEffectiveCapability) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  const Caps before = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  ASSERT_TRUE(before.effective & Bit(kCapSetuidBit));
  Caps c = before;
  c.effective &= ~Bit(kCapSetuidBit);
  ASSERT_THAT(SetCaps(c), SyscallSucceeds());
  Caps now = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_EQ(now.effective, c.effective);
  EXPECT_EQ(now.permitted, before.permitted);
  // Without CAP_SETUID in effect, a new uid is refused.
  EXPECT_THAT(Setresuid(-1, 1000, -1), SyscallFailsWithErrno(EPERM));
  // Still permitted, so it may be made effective again.
  ASSERT_THAT(SetCaps(before), SyscallSucceeds());
  now = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_EQ(now.effective, before.effective);
}

TEST(CapsetTest, MayNotGoBeyondThePermittedSet) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  const Caps before = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  // The effective set must lie within the new permitted set.
  Caps c = before;
  c.permitted &= ~Bit(kCapKillBit);
  EXPECT_THAT(SetCaps(c), SyscallFailsWithErrno(EPERM));
  // Find a capability we don't have (Docker's set lacks most; a host's root may
  // lack some).
  int missing = -1;
  for (int cap = 0; cap <= 40; ++cap) {
    if ((before.permitted & Bit(cap)) == 0) {
      missing = cap;
      break;
    }
  }
  if (missing < 0) GTEST_SKIP() << "every capability is permitted";
  c = before;
  c.permitted |= Bit(missing);
  EXPECT_THAT(SetCaps(c), SyscallFailsWithErrno(EPERM));
  c = before;
  c.effective |= Bit(missing);
  EXPECT_THAT(SetCaps(c), SyscallFailsWithErrno(EPERM));
  const Caps now = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_EQ(now.effective, before.effective);
  EXPECT_EQ(now.permitted, before.permitted);
}

TEST(CapsetTest, InheritableWithinTheBoundingSet) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  const Caps before = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  Caps c = before;
  c.inheritable |= Bit(kCapKillBit);
  ASSERT_THAT(SetCaps(c), SyscallSucceeds());
  Caps now = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_EQ(now.inheritable, c.inheritable);
  ASSERT_THAT(SetCaps(before), SyscallSucceeds());
  now = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_EQ(now.inheritable, before.inheritable);
}

TEST(CapsetTest, EuidZeroAgainRestoresOnlyWhatIsPermitted) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedCredentialsRestore());
  const Caps before = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  // Dropping from the effective set is undone by the next euid 0 transition.
  Caps c = before;
  c.effective = Bit(kCapSetuidBit);
  ASSERT_THAT(SetCaps(c), SyscallSucceeds());
  ASSERT_THAT(Setresuid(-1, kNobody, -1), SyscallSucceeds());
  Caps now = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_EQ(now.effective, 0u);
  // While the euid is non-zero, capset may still raise what is permitted.
  c.effective = Bit(kCapKillBit);
  ASSERT_THAT(SetCaps(c), SyscallSucceeds());
  now = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_EQ(now.effective, Bit(kCapKillBit));
  ASSERT_THAT(Setresuid(-1, 0, -1), SyscallSucceeds());
  now = ASSERT_NO_ERRNO_AND_VALUE(GetCaps());
  EXPECT_EQ(now.effective, before.permitted);
}

// uname(2).

TEST(UnameTest, DescribesLinuxOnX86_64) {
  struct utsname u;
  memset(&u, 0x7f, sizeof(u));
  ASSERT_THAT(uname(&u), SyscallSucceeds());
  EXPECT_STREQ(u.sysname, "Linux");
  EXPECT_STREQ(u.machine, "x86_64");
  EXPECT_THAT(std::string(u.release), MatchesRegex("[0-9]+\\.[0-9]+.*"));
  EXPECT_GT(strlen(u.version), 0u);
  EXPECT_GT(strlen(u.nodename), 0u);
  // Every field is NUL-terminated within its array.
  for (const char* f : {u.sysname, u.nodename, u.release, u.version, u.machine, u.domainname}) {
    EXPECT_LT(strnlen(f, sizeof(u.sysname)), sizeof(u.sysname));
  }
}

TEST(UnameTest, BadPointerFailsWithEfault) {
  EXPECT_THAT(syscall(SYS_uname, kKernelAddr), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(syscall(SYS_uname, nullptr), SyscallFailsWithErrno(EFAULT));
}

// Resource limits.

// Saves one limit and puts it back at the end of the test.
ErrnoOr<Cleanup> ScopedRlimitRestore(int resource) {
  struct rlimit saved;
  if (getrlimit(resource, &saved) != 0) return ErrnoOr<Cleanup>::Error(errno, "getrlimit");
  return Cleanup([resource, saved] {
    if (setrlimit(resource, &saved) != 0) {
      ADD_FAILURE() << "restoring limit " << resource << ": " << ErrnoName(errno);
    }
  });
}

TEST(RlimitTest, EveryLimitHasSoftAtMostHard) {
  for (int r = 0; r < RLIM_NLIMITS; ++r) {
    struct rlimit l;
    ASSERT_THAT(getrlimit(r, &l), SyscallSucceeds()) << r;
    EXPECT_LE(l.rlim_cur, l.rlim_max) << r;
  }
}

TEST(RlimitTest, InvalidResourceFailsWithEinval) {
  struct rlimit l;
  EXPECT_THAT(syscall(SYS_getrlimit, RLIM_NLIMITS, &l), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_getrlimit, -1, &l), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_setrlimit, RLIM_NLIMITS, &l), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_prlimit64, 0, RLIM_NLIMITS, nullptr, &l), SyscallFailsWithErrno(EINVAL));
}

TEST(RlimitTest, BadPointerFailsWithEfault) {
  EXPECT_THAT(syscall(SYS_getrlimit, RLIMIT_CORE, kKernelAddr), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(syscall(SYS_setrlimit, RLIMIT_CORE, kKernelAddr), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(syscall(SYS_prlimit64, 0, RLIMIT_CORE, kKernelAddr, nullptr),
              SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(syscall(SYS_prlimit64, 0, RLIMIT_CORE, nullptr, kKernelAddr),
              SyscallFailsWithErrno(EFAULT));
}

TEST(RlimitTest, LoweringTheSoftLimitIsSeen) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedRlimitRestore(RLIMIT_CORE));
  struct rlimit l;
  ASSERT_THAT(getrlimit(RLIMIT_CORE, &l), SyscallSucceeds());
  const rlim_t hard = l.rlim_max;
  l.rlim_cur = 4096;
  if (hard < 4096) l.rlim_cur = hard;
  ASSERT_THAT(setrlimit(RLIMIT_CORE, &l), SyscallSucceeds());
  struct rlimit got;
  ASSERT_THAT(getrlimit(RLIMIT_CORE, &got), SyscallSucceeds());
  EXPECT_EQ(got.rlim_cur, l.rlim_cur);
  EXPECT_EQ(got.rlim_max, hard);
}

TEST(RlimitTest, SoftAboveHardFailsWithEinval) {
  struct rlimit l;
  ASSERT_THAT(getrlimit(RLIMIT_CORE, &l), SyscallSucceeds());
  struct rlimit bad = {2, 1};
  EXPECT_THAT(setrlimit(RLIMIT_CORE, &bad), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_prlimit64, 0, RLIMIT_CORE, &bad, nullptr), SyscallFailsWithErrno(EINVAL));
  struct rlimit got;
  ASSERT_THAT(getrlimit(RLIMIT_CORE, &got), SyscallSucceeds());
  EXPECT_EQ(got.rlim_cur, l.rlim_cur);
  EXPECT_EQ(got.rlim_max, l.rlim_max);
}

TEST(RlimitTest, NofileAboveNrOpenFailsWithEperm) {
  // fs.nr_open caps RLIMIT_NOFILE even for a privileged caller, and is far
  // below infinity.
  struct rlimit l;
  ASSERT_THAT(getrlimit(RLIMIT_NOFILE, &l), SyscallSucceeds());
  struct rlimit inf = {RLIM_INFINITY, RLIM_INFINITY};
  EXPECT_THAT(setrlimit(RLIMIT_NOFILE, &inf), SyscallFailsWithErrno(EPERM));
  struct rlimit got;
  ASSERT_THAT(getrlimit(RLIMIT_NOFILE, &got), SyscallSucceeds());
  EXPECT_EQ(got.rlim_max, l.rlim_max);
}

TEST(RlimitTest, Prlimit64SetsAndReturnsTheOldLimitAtOnce) {
  Cleanup restore = ASSERT_NO_ERRNO_AND_VALUE(ScopedRlimitRestore(RLIMIT_CORE));
  struct rlimit before;
  ASSERT_THAT(getrlimit(RLIMIT_CORE, &before), SyscallSucceeds());
  struct rlimit next = {0, before.rlim_max}, old = {1, 1};
  ASSERT_THAT(syscall(SYS_prlimit64, 0, RLIMIT_CORE, &next, &old), SyscallSucceeds());
  EXPECT_EQ(old.rlim_cur, before.rlim_cur);
  EXPECT_EQ(old.rlim_max, before.rlim_max);
  struct rlimit got;
  ASSERT_THAT(syscall(SYS_prlimit64, getpid(), RLIMIT_CORE, nullptr, &got), SyscallSucceeds());
  EXPECT_EQ(got.rlim_cur, 0u);
}

TEST(RlimitTest, Prlimit64OfNoSuchProcessFailsWithEsrch) {
  struct rlimit l;
  EXPECT_THAT(syscall(SYS_prlimit64, INT_MAX, RLIMIT_CORE, nullptr, &l),
              SyscallFailsWithErrno(ESRCH));
}

// sysinfo(2).

TEST(SysinfoTest, ReportsPlausibleFigures) {
  struct sysinfo si;
  memset(&si, 0, sizeof(si));
  ASSERT_THAT(sysinfo(&si), SyscallSucceeds());
  EXPECT_GT(si.uptime, 0);
  EXPECT_GE(si.mem_unit, 1u);
  EXPECT_GT(si.totalram, 0u);
  EXPECT_LE(si.freeram, si.totalram);
  EXPECT_LE(si.freeswap, si.totalswap);
  EXPECT_GE(si.procs, 1);
}

TEST(SysinfoTest, UptimeMatchesBoottime) {
  struct sysinfo si;
  timespec boot;
  ASSERT_THAT(clock_gettime(CLOCK_BOOTTIME, &boot), SyscallSucceeds());
  ASSERT_THAT(sysinfo(&si), SyscallSucceeds());
  EXPECT_GE(si.uptime, boot.tv_sec);
  EXPECT_LE(si.uptime, boot.tv_sec + 2);
}

TEST(SysinfoTest, BadPointerFailsWithEfault) {
  EXPECT_THAT(syscall(SYS_sysinfo, kKernelAddr), SyscallFailsWithErrno(EFAULT));
}

// getrandom(2).

TEST(GetrandomTest, FillsTheBuffer) {
  unsigned char a[32] = {}, b[32] = {};
  ASSERT_THAT(getrandom(a, sizeof(a), 0), SyscallSucceedsWithValue(32));
  ASSERT_THAT(getrandom(b, sizeof(b), 0), SyscallSucceedsWithValue(32));
  // 256 random bits twice alike, or all zero, only if broken.
  EXPECT_NE(memcmp(a, b, sizeof(a)), 0);
  const unsigned char zero[32] = {};
  EXPECT_NE(memcmp(a, zero, sizeof(a)), 0);
}

TEST(GetrandomTest, AcceptsEachValidFlag) {
  unsigned char buf[16];
  for (unsigned flags :
       {0u, static_cast<unsigned>(GRND_NONBLOCK), static_cast<unsigned>(GRND_RANDOM),
        static_cast<unsigned>(GRND_RANDOM | GRND_NONBLOCK), static_cast<unsigned>(GRND_INSECURE)}) {
    EXPECT_THAT(getrandom(buf, sizeof(buf), flags), SyscallSucceedsWithValue(16)) << flags;
  }
}

TEST(GetrandomTest, ZeroBytesReturnsZero) {
  EXPECT_THAT(getrandom(nullptr, 0, 0), SyscallSucceedsWithValue(0));
}

TEST(GetrandomTest, UnknownFlagsFailWithEinval) {
  unsigned char buf[8];
  EXPECT_THAT(getrandom(buf, sizeof(buf), 0x8), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(getrandom(buf, sizeof(buf), ~0u), SyscallFailsWithErrno(EINVAL));
}

TEST(GetrandomTest, InsecureWithRandomFailsWithEinval) {
  unsigned char buf[8];
  EXPECT_THAT(getrandom(buf, sizeof(buf), GRND_INSECURE | GRND_RANDOM),
              SyscallFailsWithErrno(EINVAL));
}

TEST(GetrandomTest, BadBufferFailsWithEfault) {
  EXPECT_THAT(getrandom(nullptr, 8, 0), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(getrandom(kKernelAddr, 8, 0), SyscallFailsWithErrno(EFAULT));
}

// sched_getaffinity(2), called directly: the libc wrapper zeroes the buffer's
// tail and returns 0 rather than the size the kernel copied.

long RawGetaffinity(pid_t pid, size_t size, void* mask) {
  return syscall(SYS_sched_getaffinity, pid, size, mask);
}

TEST(AffinityTest, ReturnsTheMaskSizeAndIncludesTheCurrentCpu) {
  std::vector<unsigned long> mask(128, 0);
  const long n = RawGetaffinity(0, mask.size() * sizeof(unsigned long), mask.data());
  ASSERT_THAT(n, SyscallSucceedsWithValue(Gt(0)));
  EXPECT_EQ(n % sizeof(unsigned long), 0);
  EXPECT_LE(static_cast<size_t>(n), mask.size() * sizeof(unsigned long));
  unsigned cpu = 0;
  ASSERT_THAT(syscall(SYS_getcpu, &cpu, nullptr, nullptr), SyscallSucceeds());
  ASSERT_LT(cpu, static_cast<unsigned>(n) * 8);
  EXPECT_TRUE(mask[cpu / 64] & (1UL << (cpu % 64))) << "cpu " << cpu;
  // Exactly as big again works, and gives the same mask.
  std::vector<unsigned long> again(n / sizeof(unsigned long), 0);
  EXPECT_THAT(RawGetaffinity(getpid(), n, again.data()), SyscallSucceedsWithValue(n));
  EXPECT_TRUE(std::equal(again.begin(), again.end(), mask.begin()));
}

TEST(AffinityTest, SizeNotAMultipleOfLongFailsWithEinval) {
  unsigned long mask[16];
  EXPECT_THAT(RawGetaffinity(0, sizeof(mask) - 1, mask), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(RawGetaffinity(0, 4, mask), SyscallFailsWithErrno(EINVAL));
}

TEST(AffinityTest, ZeroSizeFailsWithEinval) {
  unsigned long mask[1];
  EXPECT_THAT(RawGetaffinity(0, 0, mask), SyscallFailsWithErrno(EINVAL));
}

TEST(AffinityTest, BadPointerFailsWithEfault) {
  EXPECT_THAT(RawGetaffinity(0, 128, kKernelAddr), SyscallFailsWithErrno(EFAULT));
}

TEST(AffinityTest, NoSuchProcessFailsWithEsrch) {
  unsigned long mask[16];
  EXPECT_THAT(RawGetaffinity(INT_MAX, sizeof(mask), mask), SyscallFailsWithErrno(ESRCH));
}

TEST(GetcpuTest, CpuIsOneWeMayRunOn) {
  unsigned cpu = ~0u, node = ~0u;
  ASSERT_THAT(syscall(SYS_getcpu, &cpu, &node, nullptr), SyscallSucceeds());
  EXPECT_LT(cpu, static_cast<unsigned>(sysconf(_SC_NPROCESSORS_CONF)));
  EXPECT_NE(node, ~0u);
  EXPECT_THAT(syscall(SYS_getcpu, nullptr, nullptr, nullptr), SyscallSucceeds());
}

TEST(GetcpuTest, BadPointerFailsWithEfault) {
  EXPECT_THAT(syscall(SYS_getcpu, kKernelAddr, nullptr, nullptr), SyscallFailsWithErrno(EFAULT));
}

TEST(SchedYieldTest, Succeeds) { EXPECT_THAT(sched_yield(), SyscallSucceeds()); }

// prctl(2).

TEST(PrctlTest, NameRoundTripsAndIsTruncatedTo15Bytes) {
  char old[16] = {};
  ASSERT_THAT(prctl(PR_GET_NAME, old), SyscallSucceeds());
  Cleanup restore([old] { prctl(PR_SET_NAME, old); });
  ASSERT_THAT(prctl(PR_SET_NAME, "kekkai-test"), SyscallSucceeds());
  char got[16];
  memset(got, 'x', sizeof(got));
  ASSERT_THAT(prctl(PR_GET_NAME, got), SyscallSucceeds());
  EXPECT_STREQ(got, "kekkai-test");
  ASSERT_THAT(prctl(PR_SET_NAME, "a-name-longer-than-fifteen-bytes"), SyscallSucceeds());
  ASSERT_THAT(prctl(PR_GET_NAME, got), SyscallSucceeds());
  EXPECT_STREQ(got, "a-name-longer-t");
}

TEST(PrctlTest, NameWithBadPointerFailsWithEfault) {
  EXPECT_THAT(prctl(PR_SET_NAME, kKernelAddr), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(prctl(PR_GET_NAME, kKernelAddr), SyscallFailsWithErrno(EFAULT));
}

TEST(PrctlTest, DumpableRoundTrips) {
  const int old = prctl(PR_GET_DUMPABLE);
  ASSERT_THAT(old, SyscallSucceedsWithValue(AnyOf(0, 1, 2)));
  Cleanup restore([old] { prctl(PR_SET_DUMPABLE, old == 2 ? 0 : old); });
  ASSERT_THAT(prctl(PR_SET_DUMPABLE, 0), SyscallSucceeds());
  EXPECT_THAT(prctl(PR_GET_DUMPABLE), SyscallSucceedsWithValue(0));
  ASSERT_THAT(prctl(PR_SET_DUMPABLE, 1), SyscallSucceeds());
  EXPECT_THAT(prctl(PR_GET_DUMPABLE), SyscallSucceedsWithValue(1));
}

TEST(PrctlTest, DumpableOtherThanZeroOrOneFailsWithEinval) {
  EXPECT_THAT(prctl(PR_SET_DUMPABLE, 2), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(prctl(PR_SET_DUMPABLE, 3), SyscallFailsWithErrno(EINVAL));
}

TEST(PrctlTest, NoNewPrivsOnceSetStaysSet) {
  // Irreversible, and harmless to a process that never executes anything.
  ASSERT_THAT(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), SyscallSucceeds());
  EXPECT_THAT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), SyscallSucceedsWithValue(1));
  EXPECT_THAT(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), SyscallSucceedsWithValue(1));
}

TEST(PrctlTest, NoNewPrivsWithExtraArgumentsFailsWithEinval) {
  EXPECT_THAT(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), SyscallFailsWithErrno(EINVAL));
}

TEST(PrctlTest, PdeathsigRoundTrips) {
  int old = -1;
  ASSERT_THAT(prctl(PR_GET_PDEATHSIG, &old), SyscallSucceeds());
  Cleanup restore([old] { prctl(PR_SET_PDEATHSIG, old); });
  ASSERT_THAT(prctl(PR_SET_PDEATHSIG, SIGUSR1), SyscallSucceeds());
  int got = -1;
  ASSERT_THAT(prctl(PR_GET_PDEATHSIG, &got), SyscallSucceeds());
  EXPECT_EQ(got, SIGUSR1);
  ASSERT_THAT(prctl(PR_SET_PDEATHSIG, 0), SyscallSucceeds());
  ASSERT_THAT(prctl(PR_GET_PDEATHSIG, &got), SyscallSucceeds());
  EXPECT_EQ(got, 0);
}

TEST(PrctlTest, PdeathsigInvalidSignalFailsWithEinval) {
  EXPECT_THAT(prctl(PR_SET_PDEATHSIG, 65), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(prctl(PR_GET_PDEATHSIG, kKernelAddr), SyscallFailsWithErrno(EFAULT));
}

TEST(PrctlTest, UnknownOptionFailsWithEinval) {
  EXPECT_THAT(prctl(0x7fff1234, 0, 0, 0, 0), SyscallFailsWithErrno(EINVAL));
}

// arch_prctl(2).

long ArchPrctl(int code, uintptr_t addr) { return syscall(SYS_arch_prctl, code, addr); }

uint64_t ReadGs0() {
  uint64_t v;
  asm volatile("mov %%gs:0, %0" : "=r"(v));
  return v;
}

uint64_t ReadFs0() {
  uint64_t v;
  asm volatile("mov %%fs:0, %0" : "=r"(v));
  return v;
}

TEST(ArchPrctlTest, GetFsIsTheThreadPointer) {
  // Glibc's thread control block starts with a pointer to itself.
  uint64_t fs = 0;
  ASSERT_THAT(ArchPrctl(ARCH_GET_FS, reinterpret_cast<uintptr_t>(&fs)), SyscallSucceeds());
  EXPECT_NE(fs, 0u);
  EXPECT_EQ(fs, ReadFs0());
}

TEST(ArchPrctlTest, SetFsToTheSameBaseRoundTrips) {
  uint64_t fs = 0;
  ASSERT_THAT(ArchPrctl(ARCH_GET_FS, reinterpret_cast<uintptr_t>(&fs)), SyscallSucceeds());
  ASSERT_THAT(ArchPrctl(ARCH_SET_FS, fs), SyscallSucceeds());
  uint64_t again = 0;
  ASSERT_THAT(ArchPrctl(ARCH_GET_FS, reinterpret_cast<uintptr_t>(&again)), SyscallSucceeds());
  EXPECT_EQ(again, fs);
  EXPECT_EQ(ReadFs0(), fs);
}

TEST(ArchPrctlTest, SetFsMovesThreadLocalStorage) {
  // Moves FS to a copy of the TCB header whose self-pointer differs, reads
  // %fs:0 through the new base and moves back — all in one asm block, since
  // nothing else may touch thread-local storage in between.
  uint64_t old_fs = 0;
  ASSERT_THAT(ArchPrctl(ARCH_GET_FS, reinterpret_cast<uintptr_t>(&old_fs)), SyscallSucceeds());
  alignas(64) static uint64_t fake_tcb[8];
  fake_tcb[0] = 0xfeedfacecafebeefULL;
  uint64_t seen = 0;
  long set_new = -1, set_old = -1;
  asm volatile(
      "mov $158, %%eax\n\t"     // arch_prctl
      "mov $0x1002, %%edi\n\t"  // ARCH_SET_FS
      "mov %[fake], %%rsi\n\t"
      "syscall\n\t"
      "mov %%rax, %[set_new]\n\t"
      "mov %%fs:0, %%rdx\n\t"
      "mov %%rdx, %[seen]\n\t"
      "mov $158, %%eax\n\t"
      "mov $0x1002, %%edi\n\t"
      "mov %[old], %%rsi\n\t"
      "syscall\n\t"
      "mov %%rax, %[set_old]\n\t"
      : [set_new] "=m"(set_new), [set_old] "=m"(set_old), [seen] "=m"(seen)
      : [fake] "r"(reinterpret_cast<uintptr_t>(fake_tcb)), [old] "r"(old_fs)
      : "rax", "rdi", "rsi", "rdx", "rcx", "r11", "memory");
  EXPECT_EQ(set_new, 0);
  EXPECT_EQ(set_old, 0);
  EXPECT_EQ(seen, 0xfeedfacecafebeefULL);
  EXPECT_EQ(ReadFs0(), old_fs);
}

TEST(ArchPrctlTest, SetGsMakesGsRelativeLoadsSeeTheBuffer) {
  uint64_t old_gs = 0;
  ASSERT_THAT(ArchPrctl(ARCH_GET_GS, reinterpret_cast<uintptr_t>(&old_gs)), SyscallSucceeds());
  Cleanup restore([old_gs] { ArchPrctl(ARCH_SET_GS, old_gs); });
  alignas(64) static uint64_t buf[4] = {0x0123456789abcdefULL, 0, 0, 0};
  ASSERT_THAT(ArchPrctl(ARCH_SET_GS, reinterpret_cast<uintptr_t>(buf)), SyscallSucceeds());
  uint64_t got = 0;
  ASSERT_THAT(ArchPrctl(ARCH_GET_GS, reinterpret_cast<uintptr_t>(&got)), SyscallSucceeds());
  EXPECT_EQ(got, reinterpret_cast<uintptr_t>(buf));
  EXPECT_EQ(ReadGs0(), 0x0123456789abcdefULL);
}

TEST(ArchPrctlTest, NonUserBaseFailsWithEperm) {
  EXPECT_THAT(ArchPrctl(ARCH_SET_GS, 0xffff800000000000ULL), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(ArchPrctl(ARCH_SET_FS, 0xffff800000000000ULL), SyscallFailsWithErrno(EPERM));
}

TEST(ArchPrctlTest, GetWithBadPointerFailsWithEfault) {
  EXPECT_THAT(ArchPrctl(ARCH_GET_FS, reinterpret_cast<uintptr_t>(kKernelAddr)),
              SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(ArchPrctl(ARCH_GET_GS, 0), SyscallFailsWithErrno(EFAULT));
}

TEST(ArchPrctlTest, UnknownCodeFailsWithEinval) {
  EXPECT_THAT(ArchPrctl(0x1fff, 0), SyscallFailsWithErrno(EINVAL));
}

TEST(ArchPrctlTest, CpuidIsNotFaulting) {
  EXPECT_THAT(ArchPrctl(ARCH_GET_CPUID, 0), SyscallSucceedsWithValue(1));
}

// umask(2).

TEST(UmaskTest, ReturnsThePreviousMaskAndKeepsOnlyPermissionBits) {
  const mode_t old = umask(022);
  Cleanup restore([old] { umask(old); });
  EXPECT_EQ(umask(07777), 022u);
  EXPECT_EQ(umask(022), 0777u);
}

}  // namespace
}  // namespace kekkai::syscall_test

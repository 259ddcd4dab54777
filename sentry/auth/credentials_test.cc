#include "sentry/auth/credentials.h"

#include <gtest/gtest.h>

#include <vector>

namespace kekkai::sentry::auth {
namespace {

constexpr uint32_t kNobody = 65534;
constexpr std::nullopt_t kSame = std::nullopt;

// Root with Docker's default capability set, as the guest starts.
Credentials Root() { return Credentials{}; }

// A process with the given uids and no capabilities.
Credentials User(uint32_t r, uint32_t e, uint32_t s) {
  Credentials c;
  c.uid = r;
  c.euid = c.fsuid = e;
  c.suid = s;
  c.cap_effective = c.cap_permitted = 0;
  return c;
}

void ExpectUids(const Credentials& c, uint32_t r, uint32_t e, uint32_t s, uint32_t fs) {
  EXPECT_EQ(c.uid, r);
  EXPECT_EQ(c.euid, e);
  EXPECT_EQ(c.suid, s);
  EXPECT_EQ(c.fsuid, fs);
}

void ExpectGids(const Credentials& c, uint32_t r, uint32_t e, uint32_t s, uint32_t fs) {
  EXPECT_EQ(c.gid, r);
  EXPECT_EQ(c.egid, e);
  EXPECT_EQ(c.sgid, s);
  EXPECT_EQ(c.fsgid, fs);
}

// setuid(2).

TEST(SetUidTest, PrivilegedSetsAllFourAndDropsCapabilities) {
  Credentials c = Root();
  ASSERT_TRUE(SetUid(c, 1000).ok());
  ExpectUids(c, 1000, 1000, 1000, 1000);
  EXPECT_EQ(c.cap_permitted, 0u);
  EXPECT_EQ(c.cap_effective, 0u);
  // Bounding and inheritable sets are untouched.
  EXPECT_EQ(c.cap_bounding, DockerDefaultCaps());
}

TEST(SetUidTest, PrivilegedToZeroKeepsCapabilities) {
  Credentials c = Root();
  ASSERT_TRUE(SetUid(c, 0).ok());
  ExpectUids(c, 0, 0, 0, 0);
  EXPECT_EQ(c.cap_effective, DockerDefaultCaps());
}

TEST(SetUidTest, UnprivilegedMaySwitchBetweenRealAndSaved) {
  Credentials c = User(1000, 2000, 3000);
  ASSERT_TRUE(SetUid(c, 3000).ok());
  ExpectUids(c, 1000, 3000, 3000, 3000);
  ASSERT_TRUE(SetUid(c, 1000).ok());
  ExpectUids(c, 1000, 1000, 3000, 1000);
  EXPECT_EQ(SetUid(c, 2000).error(), Errno(EPERM));
  ExpectUids(c, 1000, 1000, 3000, 1000);
}

TEST(SetUidTest, NoIdFailsWithEinval) {
  Credentials c = Root();
  EXPECT_EQ(SetUid(c, kNoId).error(), Errno(EINVAL));
  ExpectUids(c, 0, 0, 0, 0);
}

TEST(SetUidTest, WithoutCapSetuidRootIsUnprivileged) {
  Credentials c = Root();
  c.cap_effective &= ~CapBit(kCapSetuid);
  EXPECT_EQ(SetUid(c, 1000).error(), Errno(EPERM));
}

TEST(SetUidTest, SavedRootGivesCapabilitiesBackWhenEuidReturnsToZero) {
  Credentials c = Root();
  ASSERT_TRUE(SetResUid(c, kSame, kNobody, kSame).ok());
  EXPECT_EQ(c.cap_effective, 0u);
  EXPECT_EQ(c.cap_permitted, DockerDefaultCaps());
  // Without CAP_SETUID now: uid 0 is the real (and saved) uid.
  ASSERT_TRUE(SetUid(c, 0).ok());
  ExpectUids(c, 0, 0, 0, 0);
  EXPECT_EQ(c.cap_effective, DockerDefaultCaps());
}

// setgid(2).

TEST(SetGidTest, PrivilegedSetsAllFour) {
  Credentials c = Root();
  ASSERT_TRUE(SetGid(c, 100).ok());
  ExpectGids(c, 100, 100, 100, 100);
  EXPECT_EQ(c.cap_effective, DockerDefaultCaps());
}

TEST(SetGidTest, UnprivilegedMaySwitchBetweenRealAndSaved) {
  Credentials c = User(1000, 1000, 1000);
  c.gid = 10;
  c.egid = c.fsgid = 20;
  c.sgid = 30;
  ASSERT_TRUE(SetGid(c, 30).ok());
  ExpectGids(c, 10, 30, 30, 30);
  EXPECT_EQ(SetGid(c, 20).error(), Errno(EPERM));
  EXPECT_EQ(SetGid(c, kNoId).error(), Errno(EINVAL));
}

// setreuid(2), setregid(2).

TEST(SetReUidTest, SettingTheRealUidSetsTheSavedToTheEffective) {
  Credentials c = Root();
  ASSERT_TRUE(SetReUid(c, 1000, kSame).ok());
  ExpectUids(c, 1000, 0, 0, 0);
  EXPECT_EQ(c.cap_effective, DockerDefaultCaps());
  ASSERT_TRUE(SetReUid(c, kSame, 1000).ok());
  // The effective uid equals the old real uid, so the saved uid stays 0.
  ExpectUids(c, 1000, 1000, 0, 1000);
  EXPECT_EQ(c.cap_effective, 0u);
  EXPECT_EQ(c.cap_permitted, DockerDefaultCaps());
}

TEST(SetReUidTest, EffectiveOtherThanTheRealSetsTheSaved) {
  Credentials c = Root();
  ASSERT_TRUE(SetReUid(c, kSame, 1000).ok());
  ExpectUids(c, 0, 1000, 1000, 1000);
  // Real 0 keeps the permitted set.
  EXPECT_EQ(c.cap_effective, 0u);
  EXPECT_EQ(c.cap_permitted, DockerDefaultCaps());
}

TEST(SetReUidTest, SwappingRealAndEffectiveUnprivileged) {
  Credentials c = User(1000, 2000, 2000);
  ASSERT_TRUE(SetReUid(c, 2000, 1000).ok());
  ExpectUids(c, 2000, 1000, 1000, 1000);
  // The real uid may not become the saved one; the effective may.
  c = User(1000, 2000, 3000);
  EXPECT_EQ(SetReUid(c, 3000, kSame).error(), Errno(EPERM));
  ASSERT_TRUE(SetReUid(c, kSame, 3000).ok());
  ExpectUids(c, 1000, 3000, 3000, 3000);
  EXPECT_EQ(SetReUid(c, kSame, 4000).error(), Errno(EPERM));
}

TEST(SetReUidTest, AllNonRootClearsPermitted) {
  Credentials c = Root();
  ASSERT_TRUE(SetReUid(c, 1000, 1000).ok());
  ExpectUids(c, 1000, 1000, 1000, 1000);
  EXPECT_EQ(c.cap_permitted, 0u);
  EXPECT_EQ(c.cap_effective, 0u);
}

TEST(SetReUidTest, NoIdValueFailsWithEinval) {
  Credentials c = Root();
  EXPECT_EQ(SetReUid(c, kNoId, kSame).error(), Errno(EINVAL));
  EXPECT_TRUE(SetReUid(c, kSame, kSame).ok());
  ExpectUids(c, 0, 0, 0, 0);
}

TEST(SetReGidTest, FollowsTheSameRules) {
  Credentials c = User(1000, 1000, 1000);
  c.gid = 10;
  c.egid = c.fsgid = 20;
  c.sgid = 30;
  EXPECT_EQ(SetReGid(c, 30, kSame).error(), Errno(EPERM));
  ASSERT_TRUE(SetReGid(c, 20, 10).ok());
  ExpectGids(c, 20, 10, 10, 10);
  Credentials r = Root();
  ASSERT_TRUE(SetReGid(r, kSame, 5).ok());
  ExpectGids(r, 0, 5, 5, 5);
}

// setresuid(2), setresgid(2).

TEST(SetResUidTest, EffectiveOnlyKeepsPermittedAndClearsEffective) {
  Credentials c = Root();
  ASSERT_TRUE(SetResUid(c, kSame, kNobody, kSame).ok());
  ExpectUids(c, 0, kNobody, 0, kNobody);
  EXPECT_EQ(c.cap_effective, 0u);
  EXPECT_EQ(c.cap_permitted, DockerDefaultCaps());
  // Back to 0: effective = permitted, though CAP_SETUID is not effective now.
  ASSERT_TRUE(SetResUid(c, kSame, 0, kSame).ok());
  ExpectUids(c, 0, 0, 0, 0);
  EXPECT_EQ(c.cap_effective, DockerDefaultCaps());
}

TEST(SetResUidTest, SavedRootKeepsPermitted) {
  Credentials c = Root();
  ASSERT_TRUE(SetResUid(c, kNobody, kNobody, 0).ok());
  ExpectUids(c, kNobody, kNobody, 0, kNobody);
  EXPECT_EQ(c.cap_effective, 0u);
  EXPECT_EQ(c.cap_permitted, DockerDefaultCaps());
  ASSERT_TRUE(SetResUid(c, 0, 0, kSame).ok());
  EXPECT_EQ(c.cap_effective, DockerDefaultCaps());
}

TEST(SetResUidTest, AllNonRootClearsPermittedForGood) {
  Credentials c = Root();
  ASSERT_TRUE(SetResUid(c, kNobody, kNobody, kNobody).ok());
  EXPECT_EQ(c.cap_permitted, 0u);
  EXPECT_EQ(c.cap_effective, 0u);
  EXPECT_EQ(SetResUid(c, kSame, 0, kSame).error(), Errno(EPERM));
}

TEST(SetResUidTest, UnprivilegedMayPermuteItsIds) {
  Credentials c = User(1, 2, 3);
  ASSERT_TRUE(SetResUid(c, 3, 1, 2).ok());
  ExpectUids(c, 3, 1, 2, 1);
  EXPECT_EQ(SetResUid(c, kSame, 4, kSame).error(), Errno(EPERM));
  ExpectUids(c, 3, 1, 2, 1);
}

TEST(SetResUidTest, NoOpNeedsNoPrivilegeButResetsNothing) {
  Credentials c = User(1, 2, 3);
  ASSERT_TRUE(SetResUid(c, kSame, kSame, kSame).ok());
  ASSERT_TRUE(SetResUid(c, 1, 2, 3).ok());
  ExpectUids(c, 1, 2, 3, 2);
}

TEST(SetResUidTest, FsuidFollowsTheEffective) {
  Credentials c = User(1, 2, 3);
  ASSERT_EQ(SetFsUid(c, 3), 2u);
  ASSERT_TRUE(SetResUid(c, kSame, 2, kSame).ok());
  ExpectUids(c, 1, 2, 3, 2);
}

TEST(SetResUidTest, NoIdValueFailsWithEinval) {
  Credentials c = Root();
  EXPECT_EQ(SetResUid(c, kSame, kNoId, kSame).error(), Errno(EINVAL));
}

TEST(SetResGidTest, UnprivilegedAndPrivileged) {
  Credentials c = User(1000, 1000, 1000);
  c.gid = 10;
  c.egid = c.fsgid = 20;
  c.sgid = 30;
  ASSERT_TRUE(SetResGid(c, 30, 10, 20).ok());
  ExpectGids(c, 30, 10, 20, 10);
  EXPECT_EQ(SetResGid(c, kSame, 40, kSame).error(), Errno(EPERM));
  Credentials r = Root();
  ASSERT_TRUE(SetResGid(r, 1, 2, 3).ok());
  ExpectGids(r, 1, 2, 3, 2);
  EXPECT_EQ(r.cap_effective, DockerDefaultCaps());
}

// setfsuid(2), setfsgid(2).

TEST(SetFsUidTest, ReturnsTheOldValueAndMovesTheFsCapabilities) {
  Credentials c = Root();
  EXPECT_EQ(SetFsUid(c, 1000), 0u);
  ExpectUids(c, 0, 0, 0, 1000);
  EXPECT_EQ(c.cap_effective, DockerDefaultCaps() & ~kCapFsMask);
  EXPECT_TRUE(c.HasCapability(kCapSetuid));
  EXPECT_FALSE(c.HasCapability(kCapChown));
  EXPECT_FALSE(c.HasCapability(kCapDacOverride));
  EXPECT_EQ(c.cap_permitted, DockerDefaultCaps());
  EXPECT_EQ(SetFsUid(c, 0), 1000u);
  EXPECT_EQ(c.cap_effective, DockerDefaultCaps());
}

TEST(SetFsUidTest, RaisingOnlyRestoresPermittedFsCapabilities) {
  Credentials c = Root();
  c.cap_permitted &= ~CapBit(kCapChown);
  c.cap_effective = CapBit(kCapSetuid);
  EXPECT_EQ(SetFsUid(c, 5), 0u);
  EXPECT_EQ(SetFsUid(c, 0), 5u);
  EXPECT_EQ(c.cap_effective, CapBit(kCapSetuid) | (DockerDefaultCaps() & kCapFsMask &
                                                    ~CapBit(kCapChown)));
}

TEST(SetFsUidTest, UnprivilegedMayPickOneOfItsUids) {
  Credentials c = User(1, 2, 3);
  EXPECT_EQ(SetFsUid(c, 4), 2u);
  EXPECT_EQ(c.fsuid, 2u);
  EXPECT_EQ(SetFsUid(c, 3), 2u);
  EXPECT_EQ(SetFsUid(c, 1), 3u);
  EXPECT_EQ(c.fsuid, 1u);
  EXPECT_EQ(SetFsUid(c, kNoId), 1u);
  EXPECT_EQ(c.fsuid, 1u);
}

TEST(SetFsGidTest, ReturnsTheOldValue) {
  Credentials c = User(1, 1, 1);
  c.gid = 10;
  c.egid = c.fsgid = 20;
  c.sgid = 30;
  EXPECT_EQ(SetFsGid(c, 40), 20u);
  EXPECT_EQ(SetFsGid(c, 30), 20u);
  EXPECT_EQ(c.fsgid, 30u);
  Credentials r = Root();
  EXPECT_EQ(SetFsGid(r, 40), 0u);
  EXPECT_EQ(r.fsgid, 40u);
  EXPECT_EQ(r.cap_effective, DockerDefaultCaps());
}

// setgroups(2).

TEST(SetGroupsTest, SortsAndKeepsDuplicates) {
  Credentials c = Root();
  ASSERT_TRUE(SetGroups(c, {30, 10, 20, 10, 5}).ok());
  EXPECT_EQ(c.groups, (std::vector<uint32_t>{5, 10, 10, 20, 30}));
  ASSERT_TRUE(SetGroups(c, {}).ok());
  EXPECT_TRUE(c.groups.empty());
}

TEST(SetGroupsTest, LimitsAndValidity) {
  Credentials c = Root();
  EXPECT_TRUE(SetGroups(c, std::vector<uint32_t>(kMaxGroups, 7)).ok());
  EXPECT_EQ(SetGroups(c, std::vector<uint32_t>(kMaxGroups + 1, 7)).error(), Errno(EINVAL));
  EXPECT_EQ(SetGroups(c, {1, kNoId}).error(), Errno(EINVAL));
  EXPECT_EQ(c.groups.size(), kMaxGroups);
}

TEST(SetGroupsTest, NeedsCapSetgid) {
  Credentials c = Root();
  c.cap_effective &= ~CapBit(kCapSetgid);
  EXPECT_EQ(SetGroups(c, {1}).error(), Errno(EPERM));
  EXPECT_TRUE(c.groups.empty());
}

// capset(2).

TEST(SetCapabilitiesTest, MayDropAndKeepWithinPermitted) {
  Credentials c = Root();
  const uint64_t all = DockerDefaultCaps();
  ASSERT_TRUE(SetCapabilities(c, CapBit(kCapKill), all, 0).ok());
  EXPECT_EQ(c.cap_effective, CapBit(kCapKill));
  // Effective back up within permitted.
  ASSERT_TRUE(SetCapabilities(c, all, all, 0).ok());
  ASSERT_TRUE(SetCapabilities(c, CapBit(kCapKill), CapBit(kCapKill) | CapBit(kCapChown), 0).ok());
  EXPECT_EQ(c.cap_permitted, CapBit(kCapKill) | CapBit(kCapChown));
  // Permitted can't grow back.
  EXPECT_EQ(SetCapabilities(c, 0, all, 0).error(), Errno(EPERM));
  EXPECT_EQ(c.cap_permitted, CapBit(kCapKill) | CapBit(kCapChown));
}

TEST(SetCapabilitiesTest, EffectiveMustBeWithinTheNewPermitted) {
  Credentials c = Root();
  EXPECT_EQ(SetCapabilities(c, CapBit(kCapKill), CapBit(kCapChown), 0).error(), Errno(EPERM));
  EXPECT_EQ(c.cap_effective, DockerDefaultCaps());
}

TEST(SetCapabilitiesTest, InheritableRules) {
  Credentials c = Root();
  const uint64_t all = DockerDefaultCaps();
  // Within the bounding set: fine (CAP_SETPCAP is effective).
  ASSERT_TRUE(SetCapabilities(c, all, all, CapBit(kCapKill)).ok());
  // Outside the bounding set: never.
  EXPECT_EQ(SetCapabilities(c, all, all, CapBit(kCapMacOverride)).error(), Errno(EPERM));
  // Without CAP_SETPCAP, only within inheritable + permitted.
  c.cap_permitted = c.cap_effective = CapBit(kCapChown);
  c.cap_inheritable = 0;
  EXPECT_EQ(SetCapabilities(c, 0, CapBit(kCapChown), CapBit(kCapKill)).error(), Errno(EPERM));
  ASSERT_TRUE(SetCapabilities(c, 0, CapBit(kCapChown), CapBit(kCapChown)).ok());
  EXPECT_EQ(c.cap_inheritable, CapBit(kCapChown));
}

TEST(SetCapabilitiesTest, BitsAboveTheLastCapabilityAreIgnored) {
  Credentials c = Root();
  const uint64_t all = DockerDefaultCaps();
  ASSERT_TRUE(SetCapabilities(c, all | (uint64_t{1} << 63), all | (uint64_t{1} << 50), 0).ok());
  EXPECT_EQ(c.cap_effective, all);
  EXPECT_EQ(c.cap_permitted, all);
}

}  // namespace
}  // namespace kekkai::sentry::auth

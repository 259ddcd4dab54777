#include "fs/vfs/permission.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

namespace kekkai::fs::vfs {
namespace {

// Returns the error of `r`, or Errno(0) if it holds a value (never aborts).
template <typename T>
Errno ErrorOf(const Result<T>& r) {
  return r.ok() ? Errno(0) : r.error();
}

abi::linux::Stat File(uint32_t mode, uint32_t uid = 0, uint32_t gid = 0) {
  abi::linux::Stat st{};
  st.mode = mode;
  st.uid = uid;
  st.gid = gid;
  return st;
}

sentry::auth::Credentials User(uint32_t uid, uint32_t gid, std::vector<uint32_t> groups = {}) {
  sentry::auth::Credentials c;
  c.uid = c.euid = c.suid = c.fsuid = uid;
  c.gid = c.egid = c.sgid = c.fsgid = gid;
  c.groups = std::move(groups);
  c.cap_effective = 0;
  return c;
}

TEST(PermissionTest, RootReadsAndWritesEverythingButExecNeedsAnXBit) {
  const sentry::auth::Credentials root;
  EXPECT_TRUE(CheckPermission(&root, File(S_IFREG | 0000, 1000), kMayRead | kMayWrite).ok());
  EXPECT_EQ(ErrorOf(CheckPermission(&root, File(S_IFREG | 0644, 1000), kMayExec)), Errno(EACCES));
  EXPECT_TRUE(CheckPermission(&root, File(S_IFREG | 0700, 1000), kMayExec).ok());
  EXPECT_TRUE(CheckPermission(&root, File(S_IFREG | 0001, 1000), kMayExec).ok());
  EXPECT_TRUE(CheckPermission(&root, File(S_IFDIR | 0000, 1000), kMayExec | kMayRead).ok());
  // nullptr credentials are the sandbox's root.
  EXPECT_TRUE(CheckPermission(nullptr, File(S_IFREG | 0000, 1000), kMayRead).ok());
  EXPECT_EQ(ErrorOf(CheckPermission(nullptr, File(S_IFREG | 0644), kMayExec)), Errno(EACCES));
}

TEST(PermissionTest, RootWithoutCapabilitiesUsesTheModeBits) {
  sentry::auth::Credentials c = User(0, 0);
  EXPECT_EQ(ErrorOf(CheckPermission(&c, File(S_IFREG | 0000, 1000), kMayRead)), Errno(EACCES));
  EXPECT_TRUE(CheckPermission(&c, File(S_IFREG | 0400, 0), kMayRead).ok());
}

TEST(PermissionTest, OwnerGroupOther) {
  const sentry::auth::Credentials u = User(1000, 100, {20});
  EXPECT_TRUE(CheckPermission(&u, File(S_IFREG | 0600, 1000, 5), kMayRead | kMayWrite).ok());
  // The owner class applies even when it grants less than the others.
  EXPECT_EQ(ErrorOf(CheckPermission(&u, File(S_IFREG | 0077, 1000, 5), kMayRead)), Errno(EACCES));
  EXPECT_TRUE(CheckPermission(&u, File(S_IFREG | 0040, 0, 100), kMayRead).ok());
  EXPECT_TRUE(CheckPermission(&u, File(S_IFREG | 0040, 0, 20), kMayRead).ok());
  EXPECT_EQ(ErrorOf(CheckPermission(&u, File(S_IFREG | 0040, 0, 21), kMayRead)), Errno(EACCES));
  EXPECT_TRUE(CheckPermission(&u, File(S_IFREG | 0004, 0, 21), kMayRead).ok());
  EXPECT_EQ(ErrorOf(CheckPermission(&u, File(S_IFDIR | 0750, 0, 21), kMayExec)), Errno(EACCES));
  EXPECT_TRUE(CheckPermission(&u, File(S_IFREG | 0000, 0, 0), 0).ok());
}

TEST(PermissionTest, DacReadSearch) {
  sentry::auth::Credentials c = User(1000, 1000);
  c.cap_effective = sentry::auth::CapBit(2);
  EXPECT_TRUE(CheckPermission(&c, File(S_IFREG | 0000), kMayRead).ok());
  EXPECT_EQ(ErrorOf(CheckPermission(&c, File(S_IFREG | 0000), kMayWrite)), Errno(EACCES));
  EXPECT_TRUE(CheckPermission(&c, File(S_IFDIR | 0000), kMayRead | kMayExec).ok());
}

}  // namespace
}  // namespace kekkai::fs::vfs

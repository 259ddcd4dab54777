// Extended attributes in a scratch directory: setxattr(2), lsetxattr(2),
// fsetxattr(2), getxattr(2), lgetxattr(2), fgetxattr(2), listxattr(2),
// llistxattr(2), flistxattr(2), removexattr(2), lremovexattr(2),
// fremovexattr(2) — values, flags, sizes, namespaces, and the permission checks
// an unprivileged effective uid meets. Natively /tmp is whatever the host has
// (ext4 here); under kekkai it is the sandbox's tmpfs. Values stay small: ext4
// holds at most a block of attributes per file.
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/syscalls/util/cleanup.h"
#include "tests/syscalls/util/file_descriptor.h"
#include "tests/syscalls/util/scoped_credentials.h"
#include "tests/syscalls/util/scratch_dir.h"
#include "tests/syscalls/util/stat_util.h"
#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

// An address no test maps.
void* const kBadAddr = reinterpret_cast<void*>(8);

// Whether CAP_SYS_ADMIN is in our effective set: the trusted.* namespace needs
// it. Natively as root it is; under kekkai (Docker's capability set) it isn't.
bool HaveSysAdmin() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &hdr, data) != 0) return false;
  return (data[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))) != 0;
}

// Returns the value of `name` on `path` (following symlinks).
std::string Get(const std::string& path, const char* name) {
  char buf[1024];
  const ssize_t n = getxattr(path.c_str(), name, buf, sizeof(buf));
  if (n < 0) return "<" + ErrnoName(errno) + ">";
  return std::string(buf, static_cast<size_t>(n));
}

// Returns the user.* names of `path` in order (other namespaces a host's security
// module may add are left out).
std::vector<std::string> UserNames(const std::string& path) {
  char buf[4096];
  const ssize_t n = listxattr(path.c_str(), buf, sizeof(buf));
  EXPECT_GE(n, 0) << ErrnoName(errno);
  std::vector<std::string> names;
  for (ssize_t i = 0; i < n;) {
    std::string name(buf + i);
    i += static_cast<ssize_t>(name.size()) + 1;
    if (name.rfind("user.", 0) == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

class XattrTest : public ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    file_ = Path("f");
    ASSERT_TRUE(WriteFile(file_, "data").ok());
  }
  std::string file_;
};

TEST_F(XattrTest, SetThenGetReturnsTheValue) {
  ASSERT_THAT(setxattr(file_.c_str(), "user.color", "blue", 4, 0), SyscallSucceeds());
  EXPECT_EQ(Get(file_, "user.color"), "blue");
  // Size 0 asks for the value's size; a buffer too small is ERANGE.
  EXPECT_THAT(getxattr(file_.c_str(), "user.color", nullptr, 0), SyscallSucceedsWithValue(4));
  char small[3];
  EXPECT_THAT(getxattr(file_.c_str(), "user.color", small, sizeof(small)),
              SyscallFailsWithErrno(ERANGE));
  // Replacing changes the value and its size.
  ASSERT_THAT(setxattr(file_.c_str(), "user.color", "green!", 6, 0), SyscallSucceeds());
  EXPECT_EQ(Get(file_, "user.color"), "green!");
}

TEST_F(XattrTest, ValuesAreBinaryAndMayBeEmpty) {
  const char bin[] = {'a', '\0', 'b', '\xff'};
  ASSERT_THAT(setxattr(file_.c_str(), "user.bin", bin, sizeof(bin), 0), SyscallSucceeds());
  EXPECT_EQ(Get(file_, "user.bin"), std::string(bin, sizeof(bin)));
  ASSERT_THAT(setxattr(file_.c_str(), "user.empty", "", 0, 0), SyscallSucceeds());
  EXPECT_THAT(getxattr(file_.c_str(), "user.empty", nullptr, 0), SyscallSucceedsWithValue(0));
  EXPECT_EQ(Get(file_, "user.empty"), "");
}

TEST_F(XattrTest, CreateAndReplaceFlags) {
  EXPECT_THAT(setxattr(file_.c_str(), "user.a", "1", 1, XATTR_REPLACE),
              SyscallFailsWithErrno(ENODATA));
  ASSERT_THAT(setxattr(file_.c_str(), "user.a", "1", 1, XATTR_CREATE), SyscallSucceeds());
  EXPECT_THAT(setxattr(file_.c_str(), "user.a", "2", 1, XATTR_CREATE),
              SyscallFailsWithErrno(EEXIST));
  ASSERT_THAT(setxattr(file_.c_str(), "user.a", "3", 1, XATTR_REPLACE), SyscallSucceeds());
  EXPECT_EQ(Get(file_, "user.a"), "3");
  EXPECT_THAT(setxattr(file_.c_str(), "user.a", "4", 1, 4), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(Get(file_, "user.a"), "3");
}

TEST_F(XattrTest, ListNamesEachEndedByNul) {
  EXPECT_THAT(UserNames(file_), ElementsAre());
  ASSERT_THAT(setxattr(file_.c_str(), "user.one", "1", 1, 0), SyscallSucceeds());
  ASSERT_THAT(setxattr(file_.c_str(), "user.three", "333", 3, 0), SyscallSucceeds());
  EXPECT_THAT(UserNames(file_), ElementsAre("user.one", "user.three"));
  const ssize_t need = listxattr(file_.c_str(), nullptr, 0);
  ASSERT_GE(need, static_cast<ssize_t>(sizeof("user.one") + sizeof("user.three")));
  std::vector<char> buf(static_cast<size_t>(need));
  EXPECT_THAT(listxattr(file_.c_str(), buf.data(), buf.size()), SyscallSucceedsWithValue(need));
  EXPECT_EQ(buf.back(), '\0');
  EXPECT_THAT(listxattr(file_.c_str(), buf.data(), static_cast<size_t>(need) - 1),
              SyscallFailsWithErrno(ERANGE));
}

TEST_F(XattrTest, RemoveDropsTheName) {
  ASSERT_THAT(setxattr(file_.c_str(), "user.gone", "x", 1, 0), SyscallSucceeds());
  ASSERT_THAT(removexattr(file_.c_str(), "user.gone"), SyscallSucceeds());
  EXPECT_THAT(getxattr(file_.c_str(), "user.gone", nullptr, 0), SyscallFailsWithErrno(ENODATA));
  EXPECT_THAT(UserNames(file_), Not(Contains("user.gone")));
  EXPECT_THAT(removexattr(file_.c_str(), "user.gone"), SyscallFailsWithErrno(ENODATA));
}

TEST_F(XattrTest, NamesAreChecked) {
  // No known namespace; a namespace with nothing after it; empty and too long.
  EXPECT_THAT(setxattr(file_.c_str(), "color", "x", 1, 0), SyscallFailsWithErrno(EOPNOTSUPP));
  EXPECT_THAT(getxattr(file_.c_str(), "other.color", nullptr, 0),
              SyscallFailsWithErrno(EOPNOTSUPP));
  EXPECT_THAT(setxattr(file_.c_str(), "system.kekkai_none", "x", 1, 0),
              SyscallFailsWithErrno(EOPNOTSUPP));
  EXPECT_THAT(setxattr(file_.c_str(), "user.", "x", 1, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(setxattr(file_.c_str(), "", "x", 1, 0), SyscallFailsWithErrno(ERANGE));
  EXPECT_THAT(getxattr(file_.c_str(), "", nullptr, 0), SyscallFailsWithErrno(ERANGE));
  EXPECT_THAT(removexattr(file_.c_str(), ""), SyscallFailsWithErrno(ERANGE));
  const std::string longest = "user." + std::string(255 - 5, 'n');
  const std::string too_long = longest + "n";
  EXPECT_THAT(setxattr(file_.c_str(), too_long.c_str(), "x", 1, 0), SyscallFailsWithErrno(ERANGE));
  EXPECT_THAT(getxattr(file_.c_str(), too_long.c_str(), nullptr, 0),
              SyscallFailsWithErrno(ERANGE));
  EXPECT_THAT(setxattr(file_.c_str(), longest.c_str(), "x", 1, 0), SyscallSucceeds());
  EXPECT_EQ(Get(file_, longest.c_str()), "x");
}

TEST_F(XattrTest, ValueOverTheLimitIsE2big) {
  std::string big(65537, 'v');
  EXPECT_THAT(setxattr(file_.c_str(), "user.big", big.data(), big.size(), 0),
              SyscallFailsWithErrno(E2BIG));
  EXPECT_THAT(getxattr(file_.c_str(), "user.big", nullptr, 0), SyscallFailsWithErrno(ENODATA));
}

TEST_F(XattrTest, BadPointersAreEfault) {
  EXPECT_THAT(setxattr(file_.c_str(), "user.a", kBadAddr, 4, 0), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(setxattr(file_.c_str(), static_cast<const char*>(kBadAddr), "x", 1, 0),
              SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(setxattr(static_cast<const char*>(kBadAddr), "user.a", "x", 1, 0),
              SyscallFailsWithErrno(EFAULT));
  ASSERT_THAT(setxattr(file_.c_str(), "user.a", "xyz", 3, 0), SyscallSucceeds());
  EXPECT_THAT(getxattr(file_.c_str(), "user.a", kBadAddr, 16), SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(listxattr(file_.c_str(), static_cast<char*>(kBadAddr), 4096),
              SyscallFailsWithErrno(EFAULT));
  EXPECT_EQ(Get(file_, "user.a"), "xyz");
}

TEST_F(XattrTest, MissingFileIsEnoent) {
  const std::string missing = Path("missing");
  EXPECT_THAT(setxattr(missing.c_str(), "user.a", "x", 1, 0), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(getxattr(missing.c_str(), "user.a", nullptr, 0), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(listxattr(missing.c_str(), nullptr, 0), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(removexattr(missing.c_str(), "user.a"), SyscallFailsWithErrno(ENOENT));
}

TEST_F(XattrTest, DirectoriesHaveUserAttributes) {
  const std::string dir = Path("d");
  ASSERT_THAT(mkdir(dir.c_str(), 0755), SyscallSucceeds());
  ASSERT_THAT(setxattr(dir.c_str(), "user.d", "dir", 3, 0), SyscallSucceeds());
  EXPECT_EQ(Get(dir, "user.d"), "dir");
  EXPECT_THAT(UserNames(dir), ElementsAre("user.d"));
}

TEST_F(XattrTest, SymlinksThemselvesTakeNoUserAttributes) {
  const std::string link = Path("link");
  ASSERT_THAT(symlink(file_.c_str(), link.c_str()), SyscallSucceeds());
  EXPECT_THAT(lsetxattr(link.c_str(), "user.a", "x", 1, 0), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(lgetxattr(link.c_str(), "user.a", nullptr, 0), SyscallFailsWithErrno(ENODATA));
  EXPECT_THAT(lremovexattr(link.c_str(), "user.a"), SyscallFailsWithErrno(EPERM));
  // The path calls follow the link to the file.
  ASSERT_THAT(setxattr(link.c_str(), "user.a", "via", 3, 0), SyscallSucceeds());
  EXPECT_EQ(Get(file_, "user.a"), "via");
  char buf[256];
  const ssize_t n = llistxattr(link.c_str(), buf, sizeof(buf));
  ASSERT_GE(n, 0) << ErrnoName(errno);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)).find("user."), std::string::npos);
}

TEST_F(XattrTest, FifosTakeNoUserAttributes) {
  const std::string fifo = Path("fifo");
  ASSERT_THAT(mknod(fifo.c_str(), S_IFIFO | 0644, 0), SyscallSucceeds());
  EXPECT_THAT(setxattr(fifo.c_str(), "user.a", "x", 1, 0), SyscallFailsWithErrno(EPERM));
  EXPECT_THAT(getxattr(fifo.c_str(), "user.a", nullptr, 0), SyscallFailsWithErrno(ENODATA));
}

TEST_F(XattrTest, FdCalls) {
  FileDescriptor fd(open(file_.c_str(), O_RDONLY));
  ASSERT_TRUE(fd.valid()) << ErrnoName(errno);
  // A read-only fd may change attributes: they need write permission on the
  // file, not a writable description.
  ASSERT_THAT(fsetxattr(fd.get(), "user.fd", "one", 3, 0), SyscallSucceeds());
  char buf[16];
  EXPECT_THAT(fgetxattr(fd.get(), "user.fd", buf, sizeof(buf)), SyscallSucceedsWithValue(3));
  EXPECT_EQ(std::string(buf, 3), "one");
  EXPECT_THAT(flistxattr(fd.get(), nullptr, 0), SyscallSucceedsWithValue(::testing::Ge(8)));
  ASSERT_THAT(fremovexattr(fd.get(), "user.fd"), SyscallSucceeds());
  EXPECT_THAT(fgetxattr(fd.get(), "user.fd", buf, sizeof(buf)), SyscallFailsWithErrno(ENODATA));

  EXPECT_THAT(fgetxattr(-1, "user.fd", buf, sizeof(buf)), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(fsetxattr(1000000, "user.fd", "x", 1, 0), SyscallFailsWithErrno(EBADF));
  FileDescriptor path_fd(open(file_.c_str(), O_PATH));
  ASSERT_TRUE(path_fd.valid()) << ErrnoName(errno);
  EXPECT_THAT(fsetxattr(path_fd.get(), "user.fd", "x", 1, 0), SyscallFailsWithErrno(EBADF));
}

TEST_F(XattrTest, SettingAnAttributeChangesCtimeOnly) {
  const struct stat before = Stat(file_);
  const timespec pause = {0, 20'000'000};
  nanosleep(&pause, nullptr);
  ASSERT_THAT(setxattr(file_.c_str(), "user.t", "x", 1, 0), SyscallSucceeds());
  const struct stat after = Stat(file_);
  EXPECT_TRUE(after.st_ctim.tv_sec > before.st_ctim.tv_sec ||
              (after.st_ctim.tv_sec == before.st_ctim.tv_sec &&
               after.st_ctim.tv_nsec > before.st_ctim.tv_nsec));
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
}

TEST_F(XattrTest, UnprivilegedUserNeedsFilePermission) {
  ASSERT_THAT(setxattr(file_.c_str(), "user.p", "v", 1, 0), SyscallSucceeds());
  ASSERT_THAT(chmod(file_.c_str(), 0644), SyscallSucceeds());
  const std::string secret = Path("secret");
  ASSERT_TRUE(WriteFile(secret, "s", 0600).ok());
  ASSERT_THAT(setxattr(secret.c_str(), "user.p", "v", 1, 0), SyscallSucceeds());
  ASSERT_THAT(chmod(dir_.c_str(), 0755), SyscallSucceeds());
  ErrnoOr<Cleanup> ids = ScopedEffectiveIds();
  ASSERT_TRUE(ids.ok());
  // Reading needs read permission, writing write permission.
  EXPECT_EQ(Get(file_, "user.p"), "v");
  EXPECT_THAT(setxattr(file_.c_str(), "user.p", "w", 1, 0), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(removexattr(file_.c_str(), "user.p"), SyscallFailsWithErrno(EACCES));
  EXPECT_THAT(getxattr(secret.c_str(), "user.p", nullptr, 0), SyscallFailsWithErrno(EACCES));
  // Listing needs no permission on the file.
  EXPECT_THAT(listxattr(secret.c_str(), nullptr, 0), SyscallSucceedsWithValue(::testing::Ge(7)));
  // trusted.* is for CAP_SYS_ADMIN: hidden when read, refused when written.
  EXPECT_THAT(getxattr(file_.c_str(), "trusted.t", nullptr, 0), SyscallFailsWithErrno(ENODATA));
  EXPECT_THAT(setxattr(file_.c_str(), "trusted.t", "x", 1, 0), SyscallFailsWithErrno(EPERM));
}

TEST_F(XattrTest, StickyDirectoryAttributesBelongToItsOwner) {
  const std::string dir = Path("sticky");
  ASSERT_THAT(mkdir(dir.c_str(), 0777), SyscallSucceeds());
  ASSERT_THAT(chmod(dir.c_str(), 01777), SyscallSucceeds());
  ASSERT_THAT(chmod(dir_.c_str(), 0755), SyscallSucceeds());
  ErrnoOr<Cleanup> ids = ScopedEffectiveIds();
  ASSERT_TRUE(ids.ok());
  EXPECT_THAT(setxattr(dir.c_str(), "user.s", "x", 1, 0), SyscallFailsWithErrno(EPERM));
}

TEST_F(XattrTest, TrustedNamespaceFollowsCapSysAdmin) {
  if (HaveSysAdmin()) {
    ASSERT_THAT(setxattr(file_.c_str(), "trusted.k", "tv", 2, 0), SyscallSucceeds());
    EXPECT_EQ(Get(file_, "trusted.k"), "tv");
    char buf[512];
    const ssize_t n = listxattr(file_.c_str(), buf, sizeof(buf));
    ASSERT_GT(n, 0);
    EXPECT_NE(std::string(buf, static_cast<size_t>(n)).find("trusted.k"), std::string::npos);
    ASSERT_THAT(removexattr(file_.c_str(), "trusted.k"), SyscallSucceeds());
  } else {
    EXPECT_THAT(setxattr(file_.c_str(), "trusted.k", "tv", 2, 0), SyscallFailsWithErrno(EPERM));
    EXPECT_THAT(getxattr(file_.c_str(), "trusted.k", nullptr, 0), SyscallFailsWithErrno(ENODATA));
    EXPECT_THAT(removexattr(file_.c_str(), "trusted.k"), SyscallFailsWithErrno(EPERM));
  }
}

}  // namespace
}  // namespace kekkai::syscall_test

// GetXattr, SetXattr, ListXattr and RemoveXattr against a real Serve().
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "gofer/server_test_fixture.h"

namespace kekkai::gofer::testing {
namespace {

using XattrTest = GoferTest;

std::string HostGet(const std::string& path, const char* name) {
  char buf[256];
  const ssize_t n = lgetxattr(path.c_str(), name, buf, sizeof(buf));
  return n < 0 ? "<" + std::string(ErrnoName(errno)) + ">" : std::string(buf, n);
}

TEST_F(XattrTest, SetReachesTheHostAndGetReadsIt) {
  WriteHostFile(dir_.Path("f"), "");
  Result<Node> f = client_->Walk(root_.fid, "f");
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(client_->SetXattr(f->fid, "user.a", "alpha", 0).ok());
  EXPECT_EQ(HostGet(dir_.Path("f"), "user.a"), "alpha");
  ASSERT_EQ(setxattr(dir_.Path("f").c_str(), "user.b", "beta", 4, 0), 0);
  EXPECT_EQ(client_->GetXattr(f->fid, "user.b").value_or("?"), "beta");
  EXPECT_EQ(ErrorOf(client_->GetXattr(f->fid, "user.none")), Errno(ENODATA));
  Result<std::vector<std::string>> names = client_->ListXattr(f->fid);
  ASSERT_TRUE(names.ok());
  EXPECT_NE(std::find(names->begin(), names->end(), "user.a"), names->end());
  EXPECT_NE(std::find(names->begin(), names->end(), "user.b"), names->end());
  EXPECT_EQ(ErrorOf(client_->SetXattr(f->fid, "user.a", "x", XATTR_CREATE)), Errno(EEXIST));
  EXPECT_EQ(ErrorOf(client_->SetXattr(f->fid, "user.c", "x", XATTR_REPLACE)), Errno(ENODATA));
  ASSERT_TRUE(client_->RemoveXattr(f->fid, "user.a").ok());
  EXPECT_EQ(HostGet(dir_.Path("f"), "user.a"), "<ENODATA>");
  EXPECT_EQ(ErrorOf(client_->RemoveXattr(f->fid, "user.a")), Errno(ENODATA));
}

TEST_F(XattrTest, LargestValueRoundTrips) {
  WriteHostFile(dir_.Path("f"), "");
  Result<Node> f = client_->Walk(root_.fid, "f");
  ASSERT_TRUE(f.ok());
  // ext4 keeps at most a block of attributes; tmpfs and others take 64 KiB.
  const std::string value(3000, 'v');
  ASSERT_TRUE(client_->SetXattr(f->fid, "user.big", value, 0).ok());
  EXPECT_EQ(client_->GetXattr(f->fid, "user.big").value_or(""), value);
  EXPECT_EQ(ErrorOf(client_->SetXattr(f->fid, "user.huge", std::string(kMaxXattrValue + 1, 'h'),
                                      0)),
            Errno(E2BIG));
  EXPECT_FALSE(client_->dead());
}

TEST_F(XattrTest, OnlyUserNamesAreWritten) {
  WriteHostFile(dir_.Path("f"), "");
  Result<Node> f = client_->Walk(root_.fid, "f");
  ASSERT_TRUE(f.ok());
  // The sentry checked the guest's capabilities; the gofer never writes these.
  EXPECT_EQ(ErrorOf(client_->SetXattr(f->fid, "trusted.t", "x", 0)), Errno(EPERM));
  EXPECT_EQ(ErrorOf(client_->SetXattr(f->fid, "security.s", "x", 0)), Errno(EPERM));
  EXPECT_EQ(ErrorOf(client_->SetXattr(f->fid, "system.posix_acl_access", "x", 0)),
            Errno(EOPNOTSUPP));
  EXPECT_EQ(ErrorOf(client_->RemoveXattr(f->fid, "trusted.t")), Errno(EPERM));
  EXPECT_EQ(HostGet(dir_.Path("f"), "trusted.t"), "<ENODATA>");
}

TEST_F(XattrTest, BadNamesAndFlagsAreRefused) {
  WriteHostFile(dir_.Path("f"), "");
  Result<Node> f = client_->Walk(root_.fid, "f");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(ErrorOf(client_->GetXattr(f->fid, "noprefix")), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(client_->GetXattr(f->fid, "user.")), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(client_->GetXattr(f->fid, std::string("user.a\0b", 8))), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(client_->GetXattr(f->fid, "user." + std::string(251, 'n'))), Errno(ERANGE));
  EXPECT_EQ(ErrorOf(client_->SetXattr(f->fid, "user.a", "x", 4)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(client_->GetXattr(Fid{12345}, "user.a")), Errno(EBADF));
  EXPECT_FALSE(client_->dead());
}

TEST_F(XattrTest, SymlinksHaveNoAttributes) {
  ASSERT_EQ(symlink("target", dir_.Path("l").c_str()), 0);
  Result<Node> l = client_->Walk(root_.fid, "l");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(ErrorOf(client_->GetXattr(l->fid, "user.a")), Errno(ENODATA));
  EXPECT_TRUE(client_->ListXattr(l->fid).value_or(std::vector<std::string>{"?"}).empty());
  EXPECT_EQ(ErrorOf(client_->SetXattr(l->fid, "user.a", "x", 0)), Errno(EPERM));
}

TEST_F(XattrTest, ReadOnlyTreeRefusesChanges) {
  WriteHostFile(dir_.Path("f"), "");
  ASSERT_EQ(setxattr(dir_.Path("f").c_str(), "user.keep", "k", 1, 0), 0);
  std::vector<ServedTree> trees;
  trees.push_back(MakeTree(dir_.path(), /*read_only=*/true));
  std::unique_ptr<Client> ro = StartGofer(std::move(trees));
  Result<Node> root = ro->Attach(0);
  ASSERT_TRUE(root.ok());
  Result<Node> f = ro->Walk(root->fid, "f");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(ro->GetXattr(f->fid, "user.keep").value_or(""), "k");
  EXPECT_EQ(ErrorOf(ro->SetXattr(f->fid, "user.keep", "changed", 0)), Errno(EROFS));
  EXPECT_EQ(ErrorOf(ro->RemoveXattr(f->fid, "user.keep")), Errno(EROFS));
  EXPECT_EQ(HostGet(dir_.Path("f"), "user.keep"), "k");
}

TEST_F(XattrTest, DirectoriesHaveAttributes) {
  ASSERT_EQ(mkdir(dir_.Path("d").c_str(), 0755), 0);
  Result<Node> d = client_->Walk(root_.fid, "d");
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(client_->SetXattr(d->fid, "user.d", "dir", 0).ok());
  EXPECT_EQ(HostGet(dir_.Path("d"), "user.d"), "dir");
  EXPECT_EQ(client_->GetXattr(root_.fid, "user.none").error(), Errno(ENODATA));
}

}  // namespace
}  // namespace kekkai::gofer::testing

// Mkdir, Symlink, Link, Unlink, Rename and SetStat against a real Serve().
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gofer/host_stat.h"
#include "gofer/server_test_fixture.h"

namespace kekkai::gofer::testing {
namespace {

using MutateTest = GoferTest;

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

TEST_F(MutateTest, MkdirMakesAnOwnedDirectory) {
  Result<Node> d = client_->Mkdir(root_.fid, "d", 0750, 42, 43);
  ASSERT_TRUE(d.ok()) << ErrnoName(d.error().value());
  EXPECT_TRUE(S_ISDIR(d->attr.mode));
  EXPECT_EQ(d->attr.mode & 07777, 0750u);
  EXPECT_EQ(d->attr.uid, 42u);
  EXPECT_EQ(d->attr.gid, 43u);
  struct stat st;
  ASSERT_EQ(stat(dir_.Path("d").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 42u);
  // Usable as a directory at once.
  EXPECT_TRUE(client_->Mkdir(d->fid, "sub", 0755, 0, 0).ok());
  EXPECT_TRUE(Exists(dir_.Path("d/sub")));
  EXPECT_EQ(ErrorOf(client_->Mkdir(root_.fid, "d", 0755, 0, 0)), Errno(EEXIST));
}

TEST_F(MutateTest, UnlinkAndRmdir) {
  WriteHostFile(dir_.Path("f"), "");
  ASSERT_EQ(mkdir(dir_.Path("d").c_str(), 0755), 0);
  EXPECT_EQ(ErrorOf(client_->Unlink(root_.fid, "d", 0)), Errno(EISDIR));
  EXPECT_EQ(ErrorOf(client_->Unlink(root_.fid, "f", AT_REMOVEDIR)), Errno(ENOTDIR));
  EXPECT_EQ(ErrorOf(client_->Unlink(root_.fid, "f", 0x1)), Errno(EINVAL));
  EXPECT_TRUE(client_->Unlink(root_.fid, "f", 0).ok());
  EXPECT_FALSE(Exists(dir_.Path("f")));
  WriteHostFile(dir_.Path("d/x"), "");
  EXPECT_EQ(ErrorOf(client_->Unlink(root_.fid, "d", AT_REMOVEDIR)), Errno(ENOTEMPTY));
  ASSERT_EQ(unlink(dir_.Path("d/x").c_str()), 0);
  EXPECT_TRUE(client_->Unlink(root_.fid, "d", AT_REMOVEDIR).ok());
  EXPECT_FALSE(Exists(dir_.Path("d")));
  EXPECT_EQ(ErrorOf(client_->Unlink(root_.fid, "gone", 0)), Errno(ENOENT));
}

TEST_F(MutateTest, UnlinkOfAnInvisibleEntryIsEnoent) {
  ASSERT_EQ(mkfifo(dir_.Path("fifo").c_str(), 0644), 0);
  EXPECT_EQ(ErrorOf(client_->Unlink(root_.fid, "fifo", 0)), Errno(ENOENT));
  EXPECT_TRUE(Exists(dir_.Path("fifo")));
}

TEST_F(MutateTest, RenameMovesAndFidsFollow) {
  ASSERT_EQ(mkdir(dir_.Path("d1").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(dir_.Path("d2").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(dir_.Path("d1/sub").c_str(), 0755), 0);
  WriteHostFile(dir_.Path("d1/sub/f"), "moved");
  Result<Node> d1 = client_->Walk(root_.fid, "d1");
  Result<Node> d2 = client_->Walk(root_.fid, "d2");
  ASSERT_TRUE(d1.ok() && d2.ok());
  Result<Node> sub = client_->Walk(d1->fid, "sub");
  ASSERT_TRUE(sub.ok());
  Result<Node> f = client_->Walk(sub->fid, "f");
  ASSERT_TRUE(f.ok());

  ASSERT_TRUE(client_->Rename(d1->fid, "sub", d2->fid, "moved", 0).ok());
  EXPECT_FALSE(Exists(dir_.Path("d1/sub")));
  EXPECT_EQ(ReadHostFile(dir_.Path("d2/moved/f")), "moved");
  // The moved directory's fid, and its child's, still work by name.
  Result<FileDescriptor> fd = client_->Open(f->fid, O_RDONLY);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(ReadAll(fd->get()), "moved");
  SetAttr attr{};
  attr.mask = kSetAttrMode;
  attr.mode = 0700;
  EXPECT_TRUE(client_->SetStat(sub->fid, attr).ok());
  struct stat st;
  ASSERT_EQ(stat(dir_.Path("d2/moved").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST_F(MutateTest, RenameFlags) {
  WriteHostFile(dir_.Path("a"), "A");
  WriteHostFile(dir_.Path("b"), "B");
  EXPECT_EQ(ErrorOf(client_->Rename(root_.fid, "a", root_.fid, "b", RENAME_NOREPLACE)),
            Errno(EEXIST));
  ASSERT_TRUE(client_->Rename(root_.fid, "a", root_.fid, "b", RENAME_EXCHANGE).ok());
  EXPECT_EQ(ReadHostFile(dir_.Path("a")), "B");
  EXPECT_EQ(ReadHostFile(dir_.Path("b")), "A");
  EXPECT_EQ(
      ErrorOf(client_->Rename(root_.fid, "a", root_.fid, "b", RENAME_EXCHANGE | RENAME_NOREPLACE)),
      Errno(EINVAL));
  EXPECT_EQ(ErrorOf(client_->Rename(root_.fid, "a", root_.fid, "b", RENAME_WHITEOUT)),
            Errno(EINVAL));
  EXPECT_EQ(ErrorOf(client_->Rename(root_.fid, "..", root_.fid, "b", 0)), Errno(EINVAL));
}

TEST_F(MutateTest, RenameNeverReplacesAnInvisibleEntry) {
  WriteHostFile(dir_.Path("a"), "A");
  ASSERT_EQ(mkfifo(dir_.Path("fifo").c_str(), 0644), 0);
  EXPECT_EQ(ErrorOf(client_->Rename(root_.fid, "a", root_.fid, "fifo", 0)), Errno(EACCES));
  EXPECT_EQ(ErrorOf(client_->Rename(root_.fid, "fifo", root_.fid, "x", 0)), Errno(ENOENT));
}

TEST_F(MutateTest, LinkGivesTheFidsInodeANewName) {
  WriteHostFile(dir_.Path("f"), "linked");
  Result<Node> f = client_->Walk(root_.fid, "f");
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(client_->Link(root_.fid, "g", f->fid).ok());
  EXPECT_EQ(ReadHostFile(dir_.Path("g")), "linked");
  Result<abi::linux::Stat> st = client_->Stat(f->fid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->nlink, 2u);
  EXPECT_EQ(ErrorOf(client_->Link(root_.fid, "g", f->fid)), Errno(EEXIST));
  EXPECT_EQ(ErrorOf(client_->Link(root_.fid, "h", root_.fid)), Errno(EPERM));
}

TEST_F(MutateTest, SymlinkMakesAnOwnedLinkThatIsNotFollowed) {
  Result<Node> l = client_->Symlink(root_.fid, "l", "/etc/passwd", 7, 8);
  ASSERT_TRUE(l.ok()) << ErrnoName(l.error().value());
  EXPECT_TRUE(S_ISLNK(l->attr.mode));
  EXPECT_EQ(l->attr.uid, 7u);
  EXPECT_EQ(l->attr.gid, 8u);
  char buf[64] = {};
  ASSERT_EQ(readlink(dir_.Path("l").c_str(), buf, sizeof(buf)), 11);
  EXPECT_STREQ(buf, "/etc/passwd");
  EXPECT_EQ(client_->Readlink(l->fid).value_or(""), "/etc/passwd");
  // chown went to the link, not /etc/passwd.
  struct stat st;
  ASSERT_EQ(stat("/etc/passwd", &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(ErrorOf(client_->Symlink(root_.fid, "m", "", 0, 0)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(client_->Symlink(root_.fid, "m", std::string(4096, 'x'), 0, 0)),
            Errno(ENAMETOOLONG));
}

TEST_F(MutateTest, SetStatChangesModeOwnerSizeAndTimes) {
  WriteHostFile(dir_.Path("f"), "0123456789");
  Result<Node> f = client_->Walk(root_.fid, "f");
  ASSERT_TRUE(f.ok());

  SetAttr attr{};
  attr.mask =
      kSetAttrMode | kSetAttrUid | kSetAttrGid | kSetAttrSize | kSetAttrAtime | kSetAttrMtime;
  attr.mode = 0600;
  attr.uid = 100;
  attr.gid = 200;
  attr.size = 4;
  attr.atime = {1000, 5};
  attr.mtime = {2000, 6};
  ASSERT_TRUE(client_->SetStat(f->fid, attr).ok());
  struct stat st;
  ASSERT_EQ(stat(dir_.Path("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, 100u);
  EXPECT_EQ(st.st_gid, 200u);
  EXPECT_EQ(st.st_size, 4);
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  EXPECT_EQ(st.st_atim.tv_nsec, 5);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 6);

  // UTIME_OMIT keeps a time; UTIME_NOW sets it to now.
  attr = SetAttr{};
  attr.mask = kSetAttrAtime | kSetAttrMtime;
  attr.atime = {0, UTIME_OMIT};
  attr.mtime = {0, UTIME_NOW};
  ASSERT_TRUE(client_->SetStat(f->fid, attr).ok());
  ASSERT_EQ(stat(dir_.Path("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  EXPECT_GT(st.st_mtim.tv_sec, 2000);

  // Only the uid: the gid stays.
  attr = SetAttr{};
  attr.mask = kSetAttrUid;
  attr.uid = 101;
  ASSERT_TRUE(client_->SetStat(f->fid, attr).ok());
  ASSERT_EQ(stat(dir_.Path("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 101u);
  EXPECT_EQ(st.st_gid, 200u);

  // Truncated, not just resized (read only now: a read moves atime).
  EXPECT_EQ(ReadHostFile(dir_.Path("f")), "0123");

  // Growing works too.
  attr = SetAttr{};
  attr.mask = kSetAttrSize;
  attr.size = 1 << 20;
  ASSERT_TRUE(client_->SetStat(f->fid, attr).ok());
  ASSERT_EQ(stat(dir_.Path("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 1 << 20);
}

TEST_F(MutateTest, SetStatOnDirectoriesAndSymlinks) {
  ASSERT_EQ(mkdir(dir_.Path("d").c_str(), 0755), 0);
  ASSERT_EQ(symlink("/etc/passwd", dir_.Path("l").c_str()), 0);
  Result<Node> d = client_->Walk(root_.fid, "d");
  Result<Node> l = client_->Walk(root_.fid, "l");
  ASSERT_TRUE(d.ok() && l.ok());
  SetAttr attr{};
  attr.mask = kSetAttrMode;
  attr.mode = 01777;
  ASSERT_TRUE(client_->SetStat(d->fid, attr).ok());
  struct stat st;
  ASSERT_EQ(stat(dir_.Path("d").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  attr.mask = kSetAttrSize;
  EXPECT_EQ(ErrorOf(client_->SetStat(d->fid, attr)), Errno(EISDIR));
  // A symlink's own owner and times; never its target's; no mode.
  struct stat passwd_before;
  ASSERT_EQ(stat("/etc/passwd", &passwd_before), 0);
  attr = SetAttr{};
  attr.mask = kSetAttrUid | kSetAttrMtime;
  attr.uid = 555;
  attr.mtime = {12345, 0};
  ASSERT_TRUE(client_->SetStat(l->fid, attr).ok());
  ASSERT_EQ(lstat(dir_.Path("l").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 555u);
  EXPECT_EQ(st.st_mtim.tv_sec, 12345);
  struct stat passwd_after;
  ASSERT_EQ(stat("/etc/passwd", &passwd_after), 0);
  EXPECT_EQ(passwd_after.st_uid, passwd_before.st_uid);
  EXPECT_EQ(passwd_after.st_mtim.tv_sec, passwd_before.st_mtim.tv_sec);
  attr = SetAttr{};
  attr.mask = kSetAttrMode;
  attr.mode = 0600;
  EXPECT_EQ(ErrorOf(client_->SetStat(l->fid, attr)), Errno(EOPNOTSUPP));
}

TEST_F(MutateTest, SetStatValidatesItsArguments) {
  WriteHostFile(dir_.Path("f"), "");
  Result<Node> f = client_->Walk(root_.fid, "f");
  ASSERT_TRUE(f.ok());
  SetAttr attr{};
  attr.mask = 1u << 20;
  EXPECT_EQ(ErrorOf(client_->SetStat(f->fid, attr)), Errno(EINVAL));
  attr = SetAttr{};
  attr.mask = kSetAttrMode;
  attr.mode = S_IFREG | 0644;
  EXPECT_EQ(ErrorOf(client_->SetStat(f->fid, attr)), Errno(EINVAL));
  attr = SetAttr{};
  attr.mask = kSetAttrSize;
  attr.size = ~uint64_t{0};
  EXPECT_EQ(ErrorOf(client_->SetStat(f->fid, attr)), Errno(EINVAL));
  attr = SetAttr{};
  attr.mask = kSetAttrAtime;
  attr.atime = {0, 1'000'000'000};
  EXPECT_EQ(ErrorOf(client_->SetStat(f->fid, attr)), Errno(EINVAL));
}

TEST_F(MutateTest, APolicyTreeRefusesToCreateOrRemoveHiddenNames) {
  ASSERT_EQ(mkdir(dir_.Path("etc").c_str(), 0755), 0);
  WriteHostFile(dir_.Path("etc/shadow"), "hashes");
  WriteHostFile(dir_.Path("etc/ok"), "fine");
  Result<Policy> policy = Policy::Create({});
  ASSERT_TRUE(policy.ok());
  std::vector<ServedTree> trees;
  trees.push_back(MakeTree(dir_.path(), /*read_only=*/false, std::move(policy).value()));
  std::unique_ptr<Client>& c = extra_clients_.emplace_back(StartGofer(std::move(trees)));
  Result<Node> root = c->Attach(0);
  ASSERT_TRUE(root.ok());
  Result<Node> etc = c->Walk(root->fid, "etc");
  ASSERT_TRUE(etc.ok());
  EXPECT_EQ(ErrorOf(c->Walk(etc->fid, "shadow")), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(c->Unlink(etc->fid, "shadow", 0)), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(c->Rename(etc->fid, "ok", etc->fid, "shadow", 0)), Errno(EACCES));
  EXPECT_EQ(ErrorOf(c->Rename(etc->fid, "shadow", etc->fid, "mine", 0)), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(c->Create(etc->fid, "gshadow", O_RDWR, 0644, 0, 0)), Errno(EACCES));
  EXPECT_EQ(ErrorOf(c->Mkdir(etc->fid, "sudoers.d", 0755, 0, 0)), Errno(EACCES));
  Result<Node> ok = c->Walk(etc->fid, "ok");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ErrorOf(c->Link(etc->fid, "shadow-", ok->fid)), Errno(EACCES));
  EXPECT_EQ(ReadHostFile(dir_.Path("etc/shadow")), "hashes");
}

TEST_F(MutateTest, CrossTreeLinksAndRenamesAreExdev) {
  ScratchDir other;
  std::vector<ServedTree> trees;
  trees.push_back(MakeTree(dir_.path(), /*read_only=*/false));
  trees.push_back(MakeTree(other.path(), /*read_only=*/false));
  std::unique_ptr<Client>& c = extra_clients_.emplace_back(StartGofer(std::move(trees)));
  Result<Node> r0 = c->Attach(0);
  Result<Node> r1 = c->Attach(1);
  ASSERT_TRUE(r0.ok() && r1.ok());
  WriteHostFile(dir_.Path("f"), "");
  Result<Node> f = c->Walk(r0->fid, "f");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(ErrorOf(c->Link(r1->fid, "f", f->fid)), Errno(EXDEV));
  EXPECT_EQ(ErrorOf(c->Rename(r0->fid, "f", r1->fid, "f", 0)), Errno(EXDEV));
}

}  // namespace
}  // namespace kekkai::gofer::testing

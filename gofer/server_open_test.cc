// Open and Create against a real Serve(): flags, ownership, read-only trees, and
// renames racing an open.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gofer/server_test_fixture.h"

namespace kekkai::gofer::testing {
namespace {

using OpenTest = GoferTest;

TEST_F(OpenTest, CreateMakesAnOwnedFileAndReturnsItOpen) {
  Result<std::pair<Node, FileDescriptor>> made =
      client_->Create(root_.fid, "new", O_RDWR, 0640, 1234, 5678);
  ASSERT_TRUE(made.ok()) << ErrnoName(made.error().value());
  auto& [node, fd] = *made;
  EXPECT_TRUE(S_ISREG(node.attr.mode));
  EXPECT_EQ(node.attr.mode & 07777, 0640u);  // exact: the gofer's umask is 0
  EXPECT_EQ(node.attr.uid, 1234u);
  EXPECT_EQ(node.attr.gid, 5678u);
  ASSERT_TRUE(node.path_fd.valid());
  EXPECT_EQ(fcntl(fd.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  ASSERT_EQ(write(fd.get(), "written", 7), 7);
  EXPECT_EQ(ReadHostFile(dir_.Path("new")), "written");
  struct stat st;
  ASSERT_EQ(stat(dir_.Path("new").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  EXPECT_EQ(st.st_ino, node.attr.ino);
  // Walkable afterwards, under the fid Create gave.
  EXPECT_TRUE(client_->Stat(node.fid).ok());
}

TEST_F(OpenTest, CreateIsExclusive) {
  WriteHostFile(dir_.Path("there"), "keep");
  EXPECT_EQ(ErrorOf(client_->Create(root_.fid, "there", O_RDWR | O_TRUNC, 0644, 0, 0)),
            Errno(EEXIST));
  EXPECT_EQ(ReadHostFile(dir_.Path("there")), "keep");
  // Not through a dangling symlink either.
  ASSERT_EQ(symlink(dir_.Path("target").c_str(), dir_.Path("dangling").c_str()), 0);
  EXPECT_EQ(ErrorOf(client_->Create(root_.fid, "dangling", O_RDWR, 0644, 0, 0)), Errno(EEXIST));
  EXPECT_EQ(access(dir_.Path("target").c_str(), F_OK), -1);
}

TEST_F(OpenTest, CreateKeepsSetIdBitsAfterTheChown) {
  Result<std::pair<Node, FileDescriptor>> made =
      client_->Create(root_.fid, "suid", O_WRONLY, 04755, 1000, 1000);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made->first.attr.mode & 07777, 04755u);
}

TEST_F(OpenTest, OpenForWritingAppendingAndTruncating) {
  WriteHostFile(dir_.Path("f"), "0123456789");
  Result<Node> f = client_->Walk(root_.fid, "f");
  ASSERT_TRUE(f.ok());
  {
    Result<FileDescriptor> fd = client_->Open(f->fid, O_WRONLY | O_APPEND);
    ASSERT_TRUE(fd.ok());
    ASSERT_EQ(write(fd->get(), "ab", 2), 2);
    EXPECT_EQ(ReadHostFile(dir_.Path("f")), "0123456789ab");
    // Blocking as asked: the gofer's own O_NONBLOCK does not leak through.
    EXPECT_EQ(fcntl(fd->get(), F_GETFL) & O_NONBLOCK, 0);
  }
  {
    Result<FileDescriptor> fd = client_->Open(f->fid, O_RDWR | O_TRUNC);
    ASSERT_TRUE(fd.ok());
    EXPECT_EQ(ReadHostFile(dir_.Path("f")), "");
  }
  WriteHostFile(dir_.Path("f"), "again");
  // O_RDONLY|O_TRUNC truncates too, as on Linux, and stays read-only.
  Result<FileDescriptor> fd = client_->Open(f->fid, O_RDONLY | O_TRUNC);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(ReadHostFile(dir_.Path("f")), "");
  EXPECT_EQ(write(fd->get(), "x", 1), -1);
}

TEST_F(OpenTest, IgnoresAndRefusesFlags) {
  WriteHostFile(dir_.Path("f"), "data");
  Result<Node> f = client_->Walk(root_.fid, "f");
  ASSERT_TRUE(f.ok());
  // O_CREAT/O_EXCL/O_PATH are stripped: a plain open.
  Result<FileDescriptor> fd = client_->Open(f->fid, O_RDONLY | O_CREAT | O_EXCL | O_PATH);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(ReadAll(fd->get()), "data");
  EXPECT_EQ(fcntl(fd->get(), F_GETFL) & O_PATH, 0);
  // Unknown bits and access mode 3 are refused.
  EXPECT_EQ(ErrorOf(client_->Open(f->fid, O_RDONLY | O_ASYNC)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(client_->Open(f->fid, 3)), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(client_->Open(f->fid, 0x80000000u)), Errno(EINVAL));
}

TEST_F(OpenTest, ReadOnlyTreeAnswersEveryMutationWithErofs) {
  WriteHostFile(dir_.Path("f"), "data");
  ASSERT_EQ(mkdir(dir_.Path("d").c_str(), 0755), 0);
  std::vector<ServedTree> trees;
  trees.push_back(MakeTree(dir_.path(), /*read_only=*/true));
  std::unique_ptr<Client>& ro = extra_clients_.emplace_back(StartGofer(std::move(trees)));
  Result<Node> root = ro->Attach(0);
  ASSERT_TRUE(root.ok());
  Result<Node> f = ro->Walk(root->fid, "f");
  ASSERT_TRUE(f.ok());
  Result<Node> d = ro->Walk(root->fid, "d");
  ASSERT_TRUE(d.ok());

  Result<FileDescriptor> rd = ro->Open(f->fid, O_RDONLY);
  ASSERT_TRUE(rd.ok());
  EXPECT_EQ(ReadAll(rd->get()), "data");
  EXPECT_EQ(ErrorOf(ro->Open(f->fid, O_WRONLY)), Errno(EROFS));
  EXPECT_EQ(ErrorOf(ro->Open(f->fid, O_RDWR)), Errno(EROFS));
  EXPECT_EQ(ErrorOf(ro->Open(f->fid, O_RDONLY | O_TRUNC)), Errno(EROFS));
  EXPECT_EQ(ErrorOf(ro->Create(root->fid, "n", O_RDWR, 0644, 0, 0)), Errno(EROFS));
  EXPECT_EQ(ErrorOf(ro->Mkdir(root->fid, "n", 0755, 0, 0)), Errno(EROFS));
  EXPECT_EQ(ErrorOf(ro->Symlink(root->fid, "n", "t", 0, 0)), Errno(EROFS));
  EXPECT_EQ(ErrorOf(ro->Link(root->fid, "n", f->fid)), Errno(EROFS));
  EXPECT_EQ(ErrorOf(ro->Unlink(root->fid, "f", 0)), Errno(EROFS));
  EXPECT_EQ(ErrorOf(ro->Unlink(root->fid, "d", AT_REMOVEDIR)), Errno(EROFS));
  EXPECT_EQ(ErrorOf(ro->Rename(root->fid, "f", root->fid, "g", 0)), Errno(EROFS));
  SetAttr attr{};
  attr.mask = kSetAttrMode;
  attr.mode = 0600;
  EXPECT_EQ(ErrorOf(ro->SetStat(f->fid, attr)), Errno(EROFS));
  EXPECT_EQ(ReadHostFile(dir_.Path("f")), "data");
  struct stat st;
  ASSERT_EQ(stat(dir_.Path("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

// A rename racing a walk must not redirect an Open to another file.
TEST_F(OpenTest, OpenAfterAHostRenameOverTheNameIsEstale) {
  WriteHostFile(dir_.Path("a"), "old a");
  WriteHostFile(dir_.Path("b"), "secret b");
  Result<Node> a = client_->Walk(root_.fid, "a");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(rename(dir_.Path("b").c_str(), dir_.Path("a").c_str()), 0);
  EXPECT_EQ(ErrorOf(client_->Open(a->fid, O_RDONLY)), Errno(ESTALE));
  EXPECT_EQ(ErrorOf(client_->Open(a->fid, O_RDWR | O_TRUNC)), Errno(ESTALE));
  EXPECT_EQ(ReadHostFile(dir_.Path("a")), "secret b");
  SetAttr attr{};
  attr.mask = kSetAttrSize;
  attr.size = 0;
  EXPECT_EQ(ErrorOf(client_->SetStat(a->fid, attr)), Errno(ESTALE));
  EXPECT_EQ(ReadHostFile(dir_.Path("a")), "secret b");
}

TEST_F(OpenTest, OpenAfterAGoferRenameOverTheNameIsEstale) {
  WriteHostFile(dir_.Path("a"), "old a");
  WriteHostFile(dir_.Path("b"), "secret b");
  Result<Node> a = client_->Walk(root_.fid, "a");
  ASSERT_TRUE(a.ok());
  Result<Node> b = client_->Walk(root_.fid, "b");
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(client_->Rename(root_.fid, "b", root_.fid, "a", 0).ok());
  EXPECT_EQ(ErrorOf(client_->Open(a->fid, O_RDONLY)), Errno(ESTALE));
  // The moved file's fid followed it.
  Result<FileDescriptor> fd = client_->Open(b->fid, O_RDONLY);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(ReadAll(fd->get()), "secret b");
}

TEST_F(OpenTest, OpenAfterAFifoIsSwappedInDoesNotBlock) {
  WriteHostFile(dir_.Path("a"), "");
  Result<Node> a = client_->Walk(root_.fid, "a");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(unlink(dir_.Path("a").c_str()), 0);
  ASSERT_EQ(mkfifo(dir_.Path("a").c_str(), 0644), 0);
  EXPECT_EQ(ErrorOf(client_->Open(a->fid, O_RDONLY)), Errno(ESTALE));
}

TEST_F(OpenTest, OpenOfAnUnlinkedFileIsEnoent) {
  WriteHostFile(dir_.Path("a"), "");
  Result<Node> a = client_->Walk(root_.fid, "a");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(unlink(dir_.Path("a").c_str()), 0);
  EXPECT_EQ(ErrorOf(client_->Open(a->fid, O_RDONLY)), Errno(ENOENT));
  // Its attributes are still there through the fid's own fd.
  Result<abi::linux::Stat> st = client_->Stat(a->fid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->nlink, 0u);
}

}  // namespace
}  // namespace kekkai::gofer::testing

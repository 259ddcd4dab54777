// Walk, Stat, Statfs, Readlink and what a walk must refuse, against a real Serve().
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "gofer/host_stat.h"
#include "gofer/server_test_fixture.h"

namespace kekkai::gofer::testing {
namespace {

using WalkTest = GoferTest;

TEST_F(WalkTest, AttachReturnsTheRootWithAttributesAndAPathFd) {
  struct stat st;
  ASSERT_EQ(stat(dir_.path().c_str(), &st), 0);
  EXPECT_NE(root_.fid, kNoFid);
  EXPECT_EQ(root_.attr.ino, st.st_ino);
  EXPECT_EQ(root_.attr.dev, st.st_dev);
  EXPECT_TRUE(S_ISDIR(root_.attr.mode));
  // The donated fd is O_PATH and close-on-exec: fstat works, read does not.
  ASSERT_TRUE(root_.path_fd.valid());
  EXPECT_EQ(fcntl(root_.path_fd.get(), F_GETFL) & O_PATH, O_PATH);
  EXPECT_EQ(fcntl(root_.path_fd.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  Result<abi::linux::Stat> fresh = StatFd(root_.path_fd.get());
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->ino, st.st_ino);
}

TEST_F(WalkTest, AttachOfAnUnknownTreeFails) {
  EXPECT_EQ(ErrorOf(client_->Attach(1)), Errno(EINVAL));
}

TEST_F(WalkTest, WalksStatsOpensAndReads) {
  ASSERT_EQ(mkdir(dir_.Path("sub").c_str(), 0755), 0);
  WriteHostFile(dir_.Path("sub/file"), "hello gofer");
  Result<Node> sub = client_->Walk(root_.fid, "sub");
  ASSERT_TRUE(sub.ok());
  EXPECT_TRUE(S_ISDIR(sub->attr.mode));
  Result<Node> file = client_->Walk(sub->fid, "file");
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE(S_ISREG(file->attr.mode));
  EXPECT_EQ(file->attr.size, 11);
  EXPECT_EQ(file->attr.mode & 07777, 0644u);

  // Stat sees later changes.
  WriteHostFile(dir_.Path("sub/file"), "hello gofer, again");
  Result<abi::linux::Stat> st = client_->Stat(file->fid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->size, 18);

  Result<FileDescriptor> fd = client_->Open(file->fid, O_RDONLY);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(ReadAll(fd->get()), "hello gofer, again");
  EXPECT_EQ(fcntl(fd->get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  EXPECT_EQ(write(fd->get(), "x", 1), -1);  // opened read-only
}

TEST_F(WalkTest, WalkOfAMissingNameIsEnoent) {
  EXPECT_EQ(ErrorOf(client_->Walk(root_.fid, "nope")), Errno(ENOENT));
}

TEST_F(WalkTest, WalkFromAFileIsEnotdir) {
  WriteHostFile(dir_.Path("f"), "");
  Result<Node> f = client_->Walk(root_.fid, "f");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(ErrorOf(client_->Walk(f->fid, "x")), Errno(ENOTDIR));
}

TEST_F(WalkTest, OpensADirectoryForListingOnly) {
  Result<FileDescriptor> fd = client_->Open(root_.fid, O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(fd.ok());
  struct stat st;
  ASSERT_EQ(fstat(fd->get(), &st), 0);
  EXPECT_EQ(st.st_ino, root_.attr.ino);
  EXPECT_EQ(ErrorOf(client_->Open(root_.fid, O_RDWR)), Errno(EISDIR));
  WriteHostFile(dir_.Path("f"), "");
  Result<Node> f = client_->Walk(root_.fid, "f");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(ErrorOf(client_->Open(f->fid, O_RDONLY | O_DIRECTORY)), Errno(ENOTDIR));
}

TEST_F(WalkTest, SymlinksAreReturnedNeverFollowed) {
  ASSERT_EQ(symlink("../../..", dir_.Path("up").c_str()), 0);
  ASSERT_EQ(symlink("/etc/passwd", dir_.Path("passwd").c_str()), 0);
  for (const char* name : {"up", "passwd"}) {
    Result<Node> link = client_->Walk(root_.fid, name);
    ASSERT_TRUE(link.ok()) << name;
    EXPECT_TRUE(S_ISLNK(link->attr.mode)) << name;
    // Nothing goes through it: no walk below, no open of the target.
    EXPECT_EQ(ErrorOf(client_->Walk(link->fid, "etc")), Errno(ENOTDIR)) << name;
    EXPECT_EQ(ErrorOf(client_->Open(link->fid, O_RDONLY)), Errno(ELOOP)) << name;
    EXPECT_EQ(ErrorOf(client_->Open(link->fid, O_RDONLY | O_DIRECTORY)), Errno(ELOOP));
  }
  Result<Node> up = client_->Walk(root_.fid, "up");
  ASSERT_TRUE(up.ok());
  Result<std::string> target = client_->Readlink(up->fid);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(*target, "../../..");
  Result<Node> passwd = client_->Walk(root_.fid, "passwd");
  ASSERT_TRUE(passwd.ok());
  EXPECT_EQ(client_->Readlink(passwd->fid).value_or(""), "/etc/passwd");
  // Readlink of something else is EINVAL, as readlink(2).
  EXPECT_EQ(ErrorOf(client_->Readlink(root_.fid)), Errno(EINVAL));
}

TEST_F(WalkTest, ASymlinkSwappedInForADirectoryIsNotFollowed) {
  ASSERT_EQ(mkdir(dir_.Path("d").c_str(), 0755), 0);
  Result<Node> d = client_->Walk(root_.fid, "d");
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(rmdir(dir_.Path("d").c_str()), 0);
  ASSERT_EQ(symlink("/etc", dir_.Path("d").c_str()), 0);
  Result<Node> again = client_->Walk(root_.fid, "d");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(S_ISLNK(again->attr.mode));
  // The old fid still names the removed directory, not /etc.
  EXPECT_EQ(ErrorOf(client_->Walk(d->fid, "passwd")), Errno(ENOENT));
}

TEST_F(WalkTest, RefusesNamesThatAreNotOneComponent) {
  ASSERT_EQ(mkdir(dir_.Path("a").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(dir_.Path("a/b").c_str(), 0755), 0);
  for (const char* name : {"..", ".", "", "a/b", "/a", "a/"}) {
    EXPECT_EQ(ErrorOf(client_->Walk(root_.fid, name)), Errno(EINVAL)) << '"' << name << '"';
  }
  EXPECT_EQ(ErrorOf(client_->Walk(root_.fid, std::string("a\0b", 3))), Errno(EINVAL));
  EXPECT_EQ(ErrorOf(client_->Walk(root_.fid, std::string(256, 'x'))), Errno(ENAMETOOLONG));
}

TEST_F(WalkTest, HidesFifosSocketsAndDevices) {
  ASSERT_EQ(mkfifo(dir_.Path("fifo").c_str(), 0644), 0);
  FileDescriptor s(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sock_path = dir_.Path("sock");
  ASSERT_LT(sock_path.size(), sizeof(addr.sun_path));
  strcpy(addr.sun_path, sock_path.c_str());
  ASSERT_EQ(bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_EQ(ErrorOf(client_->Walk(root_.fid, "fifo")), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(client_->Walk(root_.fid, "sock")), Errno(ENOENT));

  std::vector<ServedTree> trees;
  trees.push_back(MakeTree("/", /*read_only=*/true));
  std::unique_ptr<Client>& host = extra_clients_.emplace_back(StartGofer(std::move(trees)));
  Result<Node> root = host->Attach(0);
  ASSERT_TRUE(root.ok());
  Result<Node> dev = host->Walk(root->fid, "dev");
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(ErrorOf(host->Walk(dev->fid, "null")), Errno(ENOENT));
}

TEST_F(WalkTest, ServingTheHostRootHidesWhatThePolicyHides) {
  Result<Policy> policy = Policy::Create({});
  ASSERT_TRUE(policy.ok());
  std::vector<ServedTree> trees;
  trees.push_back(MakeTree("/", /*read_only=*/true, std::move(policy).value()));
  std::unique_ptr<Client>& host = extra_clients_.emplace_back(StartGofer(std::move(trees)));
  Result<Node> root = host->Attach(0);
  ASSERT_TRUE(root.ok());
  Result<Node> etc = host->Walk(root->fid, "etc");
  ASSERT_TRUE(etc.ok());
  EXPECT_TRUE(host->Walk(etc->fid, "passwd").ok());
  ASSERT_EQ(access("/etc/shadow", F_OK), 0) << "this host has no /etc/shadow to hide";
  EXPECT_EQ(ErrorOf(host->Walk(etc->fid, "shadow")), Errno(ENOENT));
  for (const char* name : {"proc", "sys", "root", "tmp"}) {
    EXPECT_EQ(ErrorOf(host->Walk(root->fid, name)), Errno(ENOENT)) << name;
  }
}

TEST_F(WalkTest, NeverServesProcOrSysEvenWithoutAPolicy) {
  std::vector<ServedTree> trees;
  trees.push_back(MakeTree("/", /*read_only=*/true));
  trees.push_back(MakeTree("/proc", /*read_only=*/true));
  std::unique_ptr<Client>& host = extra_clients_.emplace_back(StartGofer(std::move(trees)));
  Result<Node> root = host->Attach(0);
  ASSERT_TRUE(root.ok());
  struct statfs sfs;
  ASSERT_EQ(statfs("/proc", &sfs), 0);
  ASSERT_EQ(sfs.f_type, PROC_SUPER_MAGIC) << "this host's /proc is not procfs";
  EXPECT_EQ(ErrorOf(host->Walk(root->fid, "proc")), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(host->Walk(root->fid, "sys")), Errno(ENOENT));
  // A tree rooted on procfs is refused at Attach.
  EXPECT_EQ(ErrorOf(host->Attach(1)), Errno(ENOENT));
  // Other directories of / are served.
  EXPECT_TRUE(host->Walk(root->fid, "etc").ok());
}

TEST_F(WalkTest, Statfs) {
  Result<StatfsReply> st = client_->Statfs(root_.fid);
  ASSERT_TRUE(st.ok());
  struct statfs host;
  ASSERT_EQ(statfs(dir_.path().c_str(), &host), 0);
  EXPECT_EQ(st->type, host.f_type);
  EXPECT_EQ(st->bsize, host.f_bsize);
  EXPECT_EQ(st->namelen, host.f_namelen);
}

TEST_F(WalkTest, UnknownAndClunkedFidsAreEbadf) {
  EXPECT_EQ(ErrorOf(client_->Walk(Fid{12345}, "x")), Errno(EBADF));
  EXPECT_EQ(ErrorOf(client_->Stat(Fid{0})), Errno(EBADF));
  EXPECT_EQ(ErrorOf(client_->Open(Fid{0xffffffff}, O_RDONLY)), Errno(EBADF));
  WriteHostFile(dir_.Path("f"), "");
  Result<Node> f = client_->Walk(root_.fid, "f");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(client_->Clunk(f->fid).ok());
  EXPECT_EQ(ErrorOf(client_->Stat(f->fid)), Errno(EBADF));
  EXPECT_EQ(ErrorOf(client_->Clunk(f->fid)), Errno(EBADF));
  // The donated fd outlives the fid.
  EXPECT_TRUE(StatFd(f->path_fd.get()).ok());
}

TEST_F(WalkTest, ChildrenOutliveAClunkedParent) {
  ASSERT_EQ(mkdir(dir_.Path("d").c_str(), 0755), 0);
  WriteHostFile(dir_.Path("d/f"), "still here");
  Result<Node> d = client_->Walk(root_.fid, "d");
  ASSERT_TRUE(d.ok());
  Result<Node> f = client_->Walk(d->fid, "f");
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(client_->Clunk(d->fid).ok());
  Result<FileDescriptor> fd = client_->Open(f->fid, O_RDONLY);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(ReadAll(fd->get()), "still here");
}

}  // namespace
}  // namespace kekkai::gofer::testing

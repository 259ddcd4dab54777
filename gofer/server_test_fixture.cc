#include "gofer/server_test_fixture.h"

#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "gofer/server.h"

namespace kekkai::gofer::testing {

ScratchDir::ScratchDir() {
  char tmpl[] = "/tmp/kekkai_gofer_test.XXXXXX";
  const char* p = mkdtemp(tmpl);
  if (p == nullptr) abort();
  path_ = p;
}

ScratchDir::~ScratchDir() {
  nftw(
      path_.c_str(),
      [](const char* p, const struct stat*, int, FTW*) { return remove(p) == 0 ? 0 : 0; }, 16,
      FTW_DEPTH | FTW_PHYS);
}

void WriteHostFile(const std::string& path, const std::string& content) {
  FileDescriptor fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid()) << path;
  ASSERT_EQ(write(fd.get(), content.data(), content.size()), static_cast<ssize_t>(content.size()));
}

std::string ReadHostFile(const std::string& path) {
  FileDescriptor fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return "<missing>";
  return ReadAll(fd.get());
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  off_t off = 0;
  for (;;) {
    const ssize_t n = pread(fd, buf, sizeof(buf), off);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    off += n;
  }
  return out;
}

ServedTree MakeTree(const std::string& path, bool read_only, std::optional<Policy> policy) {
  ServedTree t;
  t.root.reset(open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!t.root.valid()) abort();
  t.read_only = read_only;
  t.policy = std::move(policy);
  return t;
}

ServerChild ForkServer(std::vector<ServedTree> trees) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) abort();
  FileDescriptor ours(sv[0]);
  FileDescriptor theirs(sv[1]);
  const pid_t pid = fork();
  if (pid < 0) abort();
  if (pid == 0) {
    ours.reset();
    Result<void> r = Serve(std::move(theirs), std::move(trees));
    _exit(r.ok() ? 0 : 2);
  }
  return ServerChild{pid, std::move(ours)};
}

void ExerciseEveryOp(Client& c, const std::string& host_dir) {
  WriteHostFile(host_dir + "/existing", "existing data");
  for (int i = 0; i < 300; ++i) WriteHostFile(host_dir + "/many_" + std::to_string(i), "");
  ASSERT_EQ(symlink("/etc/passwd", (host_dir + "/link").c_str()), 0);
  Result<Node> root = c.Attach(0);
  ASSERT_TRUE(root.ok()) << ErrnoName(root.error().value());
  Result<Node> existing = c.Walk(root->fid, "existing");
  ASSERT_TRUE(existing.ok());
  Result<FileDescriptor> fd = c.Open(existing->fid, O_RDONLY);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(ReadAll(fd->get()), "existing data");
  Result<FileDescriptor> dirfd = c.Open(root->fid, O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(dirfd.ok());
  Result<std::pair<Node, FileDescriptor>> made = c.Create(root->fid, "made", O_RDWR, 0600, 1, 2);
  ASSERT_TRUE(made.ok()) << ErrnoName(made.error().value());
  ASSERT_EQ(write(made->second.get(), "new", 3), 3);
  EXPECT_EQ(ReadHostFile(host_dir + "/made"), "new");
  Result<Node> dir = c.Mkdir(root->fid, "dir", 0755, 3, 4);
  ASSERT_TRUE(dir.ok());
  Result<Node> link = c.Symlink(dir->fid, "sl", "../../..", 5, 6);
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(c.Readlink(link->fid).value_or(""), "../../..");
  Result<Node> passwd_link = c.Walk(root->fid, "link");
  ASSERT_TRUE(passwd_link.ok());
  EXPECT_EQ(ErrorOf(c.Open(passwd_link->fid, O_RDONLY)), Errno(ELOOP));
  EXPECT_TRUE(c.Link(dir->fid, "hard", made->first.fid).ok());
  EXPECT_TRUE(c.Rename(root->fid, "existing", dir->fid, "renamed", 0).ok());
  EXPECT_TRUE(c.Rename(root->fid, "made", dir->fid, "hard", RENAME_EXCHANGE).ok());
  SetAttr attr{};
  attr.mask =
      kSetAttrMode | kSetAttrUid | kSetAttrGid | kSetAttrSize | kSetAttrAtime | kSetAttrMtime;
  attr.mode = 0640;
  attr.uid = 7;
  attr.gid = 8;
  attr.size = 2;
  attr.atime = {0, UTIME_NOW};
  attr.mtime = {100, 0};
  EXPECT_TRUE(c.SetStat(existing->fid, attr).ok());
  EXPECT_EQ(ReadHostFile(host_dir + "/dir/renamed"), "ex");
  Result<abi::linux::Stat> st = c.Stat(existing->fid);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->uid, 7u);
  EXPECT_EQ(st->mtime.sec, 100);
  size_t listed = 0;
  uint64_t cookie = 0;
  for (int i = 0; i < 100; ++i) {
    Result<DirBatch> b = c.Getdents(root->fid, cookie);
    ASSERT_TRUE(b.ok());
    listed += b->entries.size();
    if (b->end) break;
    cookie = b->next_cookie;
  }
  EXPECT_EQ(listed, 300u + 3u);  // many_*, link, made, dir
  EXPECT_TRUE(c.Statfs(root->fid).ok());
  EXPECT_TRUE(c.SetXattr(existing->fid, "user.k", "v", 0).ok());
  EXPECT_EQ(c.GetXattr(existing->fid, "user.k").value_or(""), "v");
  EXPECT_EQ(c.ListXattr(existing->fid).value_or(std::vector<std::string>{}).size(), 1u);
  EXPECT_TRUE(c.RemoveXattr(existing->fid, "user.k").ok());
  EXPECT_TRUE(c.Unlink(dir->fid, "sl", 0).ok());
  EXPECT_TRUE(c.Unlink(dir->fid, "hard", 0).ok());
  EXPECT_TRUE(c.Unlink(dir->fid, "renamed", 0).ok());
  EXPECT_TRUE(c.Unlink(root->fid, "dir", AT_REMOVEDIR).ok());
  EXPECT_TRUE(c.Clunk(dir->fid).ok());
  EXPECT_EQ(ErrorOf(c.Walk(root->fid, "nothing")), Errno(ENOENT));
  EXPECT_EQ(ErrorOf(c.Stat(Fid{99999})), Errno(EBADF));
  EXPECT_FALSE(c.dead());
}

int WaitWithTimeout(pid_t pid, int timeout_ms) {
  for (int waited = 0;; waited += 10) {
    int status;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 || waited >= timeout_ms) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    const timespec ts{0, 10'000'000};
    nanosleep(&ts, nullptr);
  }
}

void GoferTest::SetUp() {
  std::vector<ServedTree> trees;
  trees.push_back(MakeTree(dir_.path(), /*read_only=*/false));
  client_ = StartGofer(std::move(trees));
  Result<Node> root = client_->Attach(0);
  ASSERT_TRUE(root.ok()) << ErrnoName(root.error().value());
  root_ = std::move(root).value();
}

void GoferTest::TearDown() {
  // Children inherit each other's sockets: close every client before waiting.
  client_.reset();
  extra_clients_.clear();
  for (pid_t pid : pids_) {
    const int status = WaitWithTimeout(pid, 5000);
    EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "gofer " << pid << " ended with status " << status;
  }
}

std::unique_ptr<Client> GoferTest::StartGofer(std::vector<ServedTree> trees) {
  ServerChild child = ForkServer(std::move(trees));
  pids_.push_back(child.pid);
  return Client::Create(std::move(child.sock));
}

Result<Node> GoferTest::WalkPath(const std::string& rel) {
  Fid at = root_.fid;
  Node node;
  size_t pos = 0;
  while (pos <= rel.size()) {
    size_t end = rel.find('/', pos);
    if (end == std::string::npos) end = rel.size();
    ASSIGN_OR_RETURN(node, client_->Walk(at, rel.substr(pos, end - pos)));
    at = node.fid;
    pos = end + 1;
  }
  return node;
}

}  // namespace kekkai::gofer::testing

// The gofer's seccomp filter: a real Serve() still works under it, and what it
// must deny kills the process. Each case runs in a forked child.
#include "gofer/filter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include "gofer/server.h"
#include "gofer/server_test_fixture.h"

namespace kekkai::gofer::testing {
namespace {

// Runs `body` in a child under the filter (socket fd `sock`, log fd 2); returns the
// child's wait status. The child exits 0 if `body` returns.
int RunFiltered(int sock, const std::function<void()>& body) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(3);
    if (!InstallGoferFilter(sock, 2).ok()) _exit(4);
    body();
    _exit(0);
  }
  return WaitWithTimeout(pid, 10000);
}

bool KilledBySigsys(int status) {
  return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

TEST(FilterTest, ServeWorksUnderTheFilter) {
  ScratchDir dir;
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  FileDescriptor ours(sv[0]);
  const pid_t pid = fork();
  if (pid == 0) {
    ours.reset();
    std::vector<ServedTree> trees;
    trees.push_back(MakeTree(dir.path(), /*read_only=*/false));
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(3);
    if (!InstallGoferFilter(sv[1], 2).ok()) _exit(4);
    _exit(Serve(FileDescriptor(sv[1]), std::move(trees)).ok() ? 0 : 2);
  }
  close(sv[1]);
  {
    std::unique_ptr<Client> client = Client::Create(std::move(ours));
    ExerciseEveryOp(*client, dir.path());
    // Enough fids that the fid table's growth goes to mmap.
    Result<Node> root = client->Attach(0);
    ASSERT_TRUE(root.ok());
    for (int i = 0; i < 9000; ++i) {
      Result<Node> n = client->Walk(root->fid, "many_1");
      ASSERT_TRUE(n.ok()) << i << ": " << ErrnoName(n.error().value());
    }
  }
  const int status = WaitWithTimeout(pid, 5000);
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "status " << status << (KilledBySigsys(status) ? " (SIGSYS: a syscall is missing)" : "");
}

TEST(FilterTest, AllowsTheCallsTheLoopMakes) {
  ScratchDir dir;
  const int status = RunFiltered(-1, [&] {
    FileDescriptor d(open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!d.valid()) _exit(10);
    FileDescriptor f(
        openat(d.get(), "x", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!f.valid()) _exit(11);
    struct stat st;
    if (fstat(f.get(), &st) != 0) _exit(12);
    void* big = malloc(64 << 20);  // mmap'd
    if (big == nullptr) _exit(13);
    free(big);
  });
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(FilterTest, AbortStillAborts) {
  const int status = RunFiltered(-1, [] { abort(); });
  EXPECT_TRUE(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) << status;
}

TEST(FilterTest, OpenWithoutNofollowKills) {
  EXPECT_TRUE(KilledBySigsys(RunFiltered(-1, [] { openat(AT_FDCWD, "/", O_PATH); })));
}

TEST(FilterTest, NonExclusiveCreateKills) {
  ScratchDir dir;
  EXPECT_TRUE(KilledBySigsys(RunFiltered(-1, [&] {
    openat(AT_FDCWD, (dir.path() + "/x").c_str(), O_RDWR | O_CREAT | O_NOFOLLOW, 0644);
  })));
}

TEST(FilterTest, SocketsExecAndOtherFdsKill) {
  EXPECT_TRUE(KilledBySigsys(RunFiltered(-1, [] { socket(AF_INET, SOCK_STREAM, 0); })));
  EXPECT_TRUE(KilledBySigsys(RunFiltered(-1, [] {
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    execve("/bin/true", argv, nullptr);
  })));
  EXPECT_TRUE(KilledBySigsys(RunFiltered(-1, [] { (void)!write(1, "x", 1); })));
  EXPECT_TRUE(KilledBySigsys(RunFiltered(5, [] {
    char c;
    recv(6, &c, 1, MSG_CMSG_CLOEXEC);  // not the gofer's socket
  })));
  EXPECT_TRUE(KilledBySigsys(RunFiltered(-1, [] { kill(1, SIGKILL); })));
  EXPECT_TRUE(KilledBySigsys(RunFiltered(-1, [] { (void)!chdir("/"); })));
  EXPECT_TRUE(KilledBySigsys(RunFiltered(-1, [] { (void)!chroot("/"); })));
  EXPECT_TRUE(KilledBySigsys(RunFiltered(-1, [] { (void)!setuid(0); })));
}

TEST(FilterTest, ExecutableMemoryKills) {
  EXPECT_TRUE(KilledBySigsys(RunFiltered(
      -1, [] { mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); })));
  EXPECT_TRUE(KilledBySigsys(RunFiltered(-1, [] {
    void* p = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(p, 4096, PROT_READ | PROT_EXEC);
  })));
}

}  // namespace
}  // namespace kekkai::gofer::testing

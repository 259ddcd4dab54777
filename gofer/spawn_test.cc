// The whole role: SpawnGofer starts the kekkai binary as `kekkai gofer`, which
// confines itself (namespaces, empty chroot, capabilities, seccomp) and still
// serves. Needs the built binary ($KEKKAI) and host root; skips, saying why, without.
#include "gofer/spawn.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "gofer/client.h"
#include "gofer/message.h"
#include "gofer/server_test_fixture.h"

namespace kekkai::gofer::testing {
namespace {

// Returns the kekkai binary to spawn, or "" (with `why`) if the test can't run.
std::string KekkaiBinary(std::string* why) {
  const char* path = getenv("KEKKAI");
  if (path == nullptr || *path == '\0') {
    *why = "KEKKAI is not set to the kekkai binary";
    return "";
  }
  if (access(path, X_OK) != 0) {
    *why = std::string("no kekkai binary at ") + path + " (build it first)";
    return "";
  }
  if (geteuid() != 0) {
    *why = "the confined gofer needs host root (namespaces, chroot)";
    return "";
  }
  return path;
}

// Returns the value of `key` in /proc/PID/status ("" if absent).
std::string StatusField(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      std::string v = line.substr(key.size() + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  }
  return "";
}

std::string NsOf(pid_t pid, const char* ns) {
  char buf[64] = {};
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/" + ns;
  return readlink(path.c_str(), buf, sizeof(buf) - 1) > 0 ? buf : "";
}

TEST(SpawnGoferTest, TheConfinedGoferServesAndSurvivesGarbage) {
  std::string why;
  const std::string exe = KekkaiBinary(&why);
  if (exe.empty()) GTEST_SKIP() << why;

  ScratchDir dir;
  TreeSpec tree;
  tree.path = dir.path();
  tree.read_only = false;
  TreeSpec host_root;
  host_root.path = "/";
  host_root.policy.emplace();
  Result<GoferProcess> gofer = SpawnGofer({tree, host_root}, exe);
  ASSERT_TRUE(gofer.ok()) << ErrnoName(gofer.error().value());
  const pid_t pid = gofer->pid;

  // Garbage first, on the raw socket: answered, and the gofer lives on.
  {
    const std::byte junk[5] = {std::byte{0xff}, std::byte{1}, std::byte{2}, std::byte{3},
                               std::byte{4}};
    ASSERT_EQ(send(gofer->sock.get(), junk, sizeof(junk), MSG_NOSIGNAL), 5);
    std::byte reply[64];
    ASSERT_GE(recv(gofer->sock.get(), reply, sizeof(reply), 0), 8);
    MessageWriter w;
    w.Put(RequestHeader{static_cast<uint32_t>(Op::kWalk), 0});
    w.Put(WalkRequest{12345, 0});
    w.Put(uint16_t{60000});  // a length far past the message
    ASSERT_GT(send(gofer->sock.get(), w.bytes().data(), w.size(), MSG_NOSIGNAL), 0);
    ASSERT_GE(recv(gofer->sock.get(), reply, sizeof(reply), 0), 8);
    ReplyHeader h;
    std::memcpy(&h, reply, sizeof(h));
    EXPECT_EQ(h.error, -EINVAL);
  }

  // Confined: its own namespaces, few capabilities, no new privileges, seccomp.
  EXPECT_NE(NsOf(pid, "mnt"), NsOf(getpid(), "mnt"));
  EXPECT_NE(NsOf(pid, "net"), NsOf(getpid(), "net"));
  EXPECT_EQ(StatusField(pid, "CapEff"), "000000000000001f");
  EXPECT_EQ(StatusField(pid, "CapBnd"), "000000000000001f");
  EXPECT_EQ(StatusField(pid, "NoNewPrivs"), "1");
  EXPECT_EQ(StatusField(pid, "Seccomp"), "2");
  // Its root is the empty tmpfs, not the host's /.
  struct stat its_root;
  struct stat host_root_st;
  ASSERT_EQ(stat(("/proc/" + std::to_string(pid) + "/root").c_str(), &its_root), 0);
  ASSERT_EQ(stat("/", &host_root_st), 0);
  EXPECT_NE(its_root.st_dev, host_root_st.st_dev);

  {
    std::unique_ptr<Client> client = Client::Create(std::move(gofer->sock));
    ExerciseEveryOp(*client, dir.path());
    // Tree 1 is the host's / under the policy.
    Result<Node> root = client->Attach(1);
    ASSERT_TRUE(root.ok());
    Result<Node> etc = client->Walk(root->fid, "etc");
    ASSERT_TRUE(etc.ok());
    EXPECT_TRUE(client->Walk(etc->fid, "passwd").ok());
    EXPECT_EQ(ErrorOf(client->Walk(etc->fid, "shadow")), Errno(ENOENT));
    EXPECT_EQ(ErrorOf(client->Walk(root->fid, "proc")), Errno(ENOENT));
    EXPECT_EQ(ErrorOf(client->Create(root->fid, "x", O_RDWR, 0644, 0, 0)), Errno(EROFS));
  }
  // Closing the socket ends it cleanly.
  const int status = WaitWithTimeout(pid, 5000);
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(SpawnGoferTest, ABadTreeIsAStartupError) {
  std::string why;
  const std::string exe = KekkaiBinary(&why);
  if (exe.empty()) GTEST_SKIP() << why;
  TreeSpec tree;
  tree.path = "/nonexistent/kekkai/tree";
  Result<GoferProcess> gofer = SpawnGofer({tree}, exe);
  ASSERT_TRUE(gofer.ok());
  const int status = WaitWithTimeout(gofer->pid, 5000);
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  std::unique_ptr<Client> client = Client::Create(std::move(gofer->sock));
  EXPECT_EQ(ErrorOf(client->Attach(0)), Errno(EIO));
}

}  // namespace
}  // namespace kekkai::gofer::testing

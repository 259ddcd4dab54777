// What a compromised sentry or a dead or broken gofer can do: malformed requests,
// a killed gofer, malformed replies.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>

#include "gofer/file_server.h"
#include "gofer/message.h"
#include "gofer/protocol.h"
#include "gofer/server_test_fixture.h"

namespace kekkai::gofer::testing {
namespace {

// Sends `bytes` on `sock` and returns the reply's header (error -EIO if none came).
ReplyHeader RawCall(int sock, std::span<const std::byte> bytes) {
  EXPECT_EQ(send(sock, bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size()));
  std::vector<std::byte> buf(kMaxMessageSize + 1);
  const ssize_t n = recv(sock, buf.data(), buf.size(), 0);
  ReplyHeader h{0, -EIO};
  if (n >= static_cast<ssize_t>(sizeof(h))) std::memcpy(&h, buf.data(), sizeof(h));
  return h;
}

MessageWriter Request(Op op) {
  MessageWriter w;
  w.Put(RequestHeader{static_cast<uint32_t>(op), 0});
  return w;
}

TEST(HostileRequestTest, MalformedRequestsGetErrorsNotCrashes) {
  ScratchDir dir;
  std::vector<ServedTree> trees;
  trees.push_back(MakeTree(dir.path(), /*read_only=*/false));
  ServerChild child = ForkServer(std::move(trees));
  const int s = child.sock.get();

  // Attach first so fid 1 exists.
  MessageWriter attach = Request(Op::kAttach);
  attach.Put(AttachRequest{0, 0});
  EXPECT_EQ(RawCall(s, attach.bytes()).error, 0);

  {  // Too short for a header.
    const std::byte b[3] = {};
    EXPECT_EQ(RawCall(s, b).error, -EINVAL);
  }
  {  // Unknown ops.
    for (uint32_t op : {0u, kOpLimit, 0xffffffffu}) {
      MessageWriter w;
      w.Put(RequestHeader{op, 0});
      ReplyHeader h = RawCall(s, w.bytes());
      EXPECT_EQ(h.error, -ENOSYS) << op;
      EXPECT_EQ(h.op, op);
    }
  }
  {  // Nonzero reserved field.
    MessageWriter w;
    w.Put(RequestHeader{static_cast<uint32_t>(Op::kStat), 7});
    w.Put(FidRequest{1, 0});
    EXPECT_EQ(RawCall(s, w.bytes()).error, -EINVAL);
  }
  {  // A Walk whose string length runs past the message.
    MessageWriter w = Request(Op::kWalk);
    w.Put(WalkRequest{1, 0});
    w.Put(uint16_t{200});
    w.Put(uint32_t{0x41414141});
    EXPECT_EQ(RawCall(s, w.bytes()).error, -EINVAL);
  }
  {  // Trailing bytes.
    MessageWriter w = Request(Op::kStat);
    w.Put(FidRequest{1, 0});
    w.Put(uint8_t{1});
    EXPECT_EQ(RawCall(s, w.bytes()).error, -EINVAL);
  }
  {  // Truncated fixed part.
    MessageWriter w = Request(Op::kSetStat);
    w.Put(uint32_t{1});
    EXPECT_EQ(RawCall(s, w.bytes()).error, -EINVAL);
  }
  {  // Names the client never sends.
    for (std::string_view name : {std::string_view(".."), std::string_view("a/b"),
                                  std::string_view("."), std::string_view("")}) {
      MessageWriter w = Request(Op::kWalk);
      w.Put(WalkRequest{1, 0});
      w.PutString(name);
      EXPECT_EQ(RawCall(s, w.bytes()).error, -EINVAL) << name;
    }
    MessageWriter w = Request(Op::kWalk);
    w.Put(WalkRequest{1, 0});
    w.PutString(std::string(1000, 'x'));
    EXPECT_EQ(RawCall(s, w.bytes()).error, -ENAMETOOLONG);
  }
  {  // An oversized message.
    std::vector<std::byte> big(kMaxMessageSize + 100);
    RequestHeader h{static_cast<uint32_t>(Op::kStat), 0};
    std::memcpy(big.data(), &h, sizeof(h));
    EXPECT_EQ(RawCall(s, big).error, -EINVAL);
  }
  {  // Fds sent to the gofer are dropped, the request still answered.
    int pipefd[2];
    ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
    MessageWriter w = Request(Op::kStat);
    w.Put(FidRequest{1, 0});
    std::span<const std::byte> bytes = w.bytes();
    iovec iov{const_cast<std::byte*>(bytes.data()), bytes.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pipefd[0], sizeof(int));
    ASSERT_GT(sendmsg(s, &msg, MSG_NOSIGNAL), 0);
    std::vector<std::byte> buf(kMaxMessageSize);
    ASSERT_GT(recv(s, buf.data(), buf.size(), 0), 0);
    close(pipefd[0]);
    close(pipefd[1]);
  }
  {  // Random garbage.
    std::mt19937 rng(42);
    for (int i = 0; i < 2000; ++i) {
      std::vector<std::byte> msg(rng() % 96);
      for (std::byte& b : msg) b = static_cast<std::byte>(rng());
      if (msg.size() >= 4 && i % 2 == 0) {
        // Mostly valid ops, so handlers see the garbage.
        const uint32_t op = 1 + rng() % (kOpLimit - 1);
        std::memcpy(msg.data(), &op, 4);
        if (msg.size() >= 8) std::memset(msg.data() + 4, 0, 4);
      }
      if (msg.empty()) continue;  // an empty message reads as EOF
      const ReplyHeader h = RawCall(s, msg);
      ASSERT_LE(h.error, 0) << i;
    }
  }
  // Still serving.
  MessageWriter stat = Request(Op::kStat);
  stat.Put(FidRequest{1, 0});
  EXPECT_EQ(RawCall(s, stat.bytes()).error, 0);

  child.sock.reset();
  const int status = WaitWithTimeout(child.pid, 5000);
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// The same garbage straight into the handler table, in this process: any crash
// fails the test binary itself.
TEST(HostileRequestTest, FileServerSurvivesEveryOpWithEveryShortBody) {
  ScratchDir dir;
  std::vector<ServedTree> trees;
  trees.push_back(MakeTree(dir.path(), /*read_only=*/false));
  FileServer server(std::move(trees));
  Reply reply;
  MessageWriter attach = Request(Op::kAttach);
  attach.Put(AttachRequest{0, 0});
  server.Handle(attach.bytes(), reply);
  for (uint32_t op = 1; op < kOpLimit; ++op) {
    for (size_t len = 0; len < 80; ++len) {
      MessageWriter w;
      w.Put(RequestHeader{op, 0});
      for (size_t i = 0; i < len; ++i) w.Put(static_cast<uint8_t>(i == 0 ? 1 : 0));
      server.Handle(w.bytes(), reply);
      ReplyHeader h;
      ASSERT_GE(reply.body().size(), sizeof(h));
      std::memcpy(&h, reply.body().bytes().data(), sizeof(h));
      EXPECT_EQ(h.op, op);
      EXPECT_LE(h.error, 0);
      if (h.error != 0) {
        EXPECT_TRUE(reply.fds().empty());
      }
    }
  }
}

TEST(DeadGoferTest, AKilledGoferMakesEveryCallFailWithEioPromptly) {
  ScratchDir dir;
  std::vector<ServedTree> trees;
  trees.push_back(MakeTree(dir.path(), /*read_only=*/false));
  ServerChild child = ForkServer(std::move(trees));
  std::unique_ptr<Client> client = Client::Create(std::move(child.sock));
  Result<Node> root = client->Attach(0);
  ASSERT_TRUE(root.ok());
  ASSERT_EQ(kill(child.pid, SIGKILL), 0);
  int status;
  ASSERT_EQ(waitpid(child.pid, &status, 0), child.pid);

  // A hang here is the failure: the alarm's default action ends the test binary.
  alarm(10);
  EXPECT_EQ(ErrorOf(client->Walk(root->fid, "x")), Errno(EIO));
  EXPECT_TRUE(client->dead());
  EXPECT_EQ(ErrorOf(client->Stat(root->fid)), Errno(EIO));
  EXPECT_EQ(ErrorOf(client->Attach(0)), Errno(EIO));
  alarm(0);
}

TEST(DeadGoferTest, AGoferDyingMidCallFailsTheCallersOfAllThreads) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  FileDescriptor gofer_end(sv[1]);
  std::unique_ptr<Client> client = Client::Create(FileDescriptor(sv[0]));
  alarm(10);
  std::vector<std::thread> threads;
  std::atomic<int> eio{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (ErrorOf(client->Stat(Fid{1})) == Errno(EIO)) ++eio;
    });
  }
  // One request arrives; the "gofer" dies without answering.
  std::vector<std::byte> buf(kMaxMessageSize);
  ASSERT_GT(recv(gofer_end.get(), buf.data(), buf.size(), 0), 0);
  gofer_end.reset();
  for (std::thread& t : threads) t.join();
  alarm(0);
  EXPECT_EQ(eio.load(), 4);
}

// A fake gofer answering each request with `reply` (and `nfds` fds).
class FakeGofer {
 public:
  FakeGofer() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) abort();
    client_ = Client::Create(FileDescriptor(sv[0]));
    sock_.reset(sv[1]);
  }
  Client& client() { return *client_; }
  // Answers the next request with `bytes` and `nfds` fds of /dev/null.
  void AnswerNextWith(std::vector<std::byte> bytes, int nfds) {
    thread_ = std::thread([this, bytes = std::move(bytes), nfds] {
      std::vector<std::byte> buf(kMaxMessageSize);
      if (recv(sock_.get(), buf.data(), buf.size(), 0) <= 0) return;
      std::vector<int> fds;
      for (int i = 0; i < nfds; ++i) fds.push_back(open("/dev/null", O_RDONLY | O_CLOEXEC));
      iovec iov{const_cast<std::byte*>(bytes.data()), bytes.size()};
      std::vector<char> control(CMSG_SPACE(sizeof(int) * std::max(nfds, 1)));
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      if (nfds > 0) {
        msg.msg_control = control.data();
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * nfds);
      }
      sendmsg(sock_.get(), &msg, MSG_NOSIGNAL);
      for (int fd : fds) close(fd);
    });
  }
  ~FakeGofer() {
    if (thread_.joinable()) thread_.join();
  }
  void Join() { thread_.join(); }

 private:
  std::unique_ptr<Client> client_;
  FileDescriptor sock_;
  std::thread thread_;
};

std::vector<std::byte> Bytes(const MessageWriter& w) {
  return {w.bytes().begin(), w.bytes().end()};
}

TEST(BrokenGoferTest, AReplyToAnotherOpIsEio) {
  FakeGofer g;
  MessageWriter w;
  w.Put(ReplyHeader{static_cast<uint32_t>(Op::kClunk), 0});
  g.AnswerNextWith(Bytes(w), 0);
  EXPECT_EQ(ErrorOf(g.client().Stat(Fid{1})), Errno(EIO));
  g.Join();
  EXPECT_TRUE(g.client().dead());
}

TEST(BrokenGoferTest, AWalkReplyWithoutItsFdIsEio) {
  FakeGofer g;
  MessageWriter w;
  w.Put(ReplyHeader{static_cast<uint32_t>(Op::kWalk), 0});
  abi::linux::Stat attr{};
  attr.mode = S_IFREG | 0644;
  w.Put(NodeReply{5, 0, attr});
  g.AnswerNextWith(Bytes(w), 0);
  EXPECT_EQ(ErrorOf(g.client().Walk(Fid{1}, "x")), Errno(EIO));
  g.Join();
}

TEST(BrokenGoferTest, SurplusFdsAreClosedAndTheCallFails) {
  FakeGofer g;
  MessageWriter w;
  w.Put(ReplyHeader{static_cast<uint32_t>(Op::kOpen), 0});
  // Count this process's fds before and after: the surplus must not leak.
  auto count_fds = [] {
    int n = 0;
    for (int fd = 0; fd < 1024; ++fd) n += fcntl(fd, F_GETFD) >= 0;
    return n;
  };
  const int before = count_fds();
  g.AnswerNextWith(Bytes(w), 3);
  EXPECT_EQ(ErrorOf(g.client().Open(Fid{1}, O_RDONLY)), Errno(EIO));
  g.Join();
  EXPECT_EQ(count_fds(), before);
}

TEST(BrokenGoferTest, AnErrorOutOfRangeIsEio) {
  FakeGofer g;
  MessageWriter w;
  w.Put(ReplyHeader{static_cast<uint32_t>(Op::kStat), 5});
  g.AnswerNextWith(Bytes(w), 0);
  EXPECT_EQ(ErrorOf(g.client().Stat(Fid{1})), Errno(EIO));
  g.Join();
}

TEST(BrokenGoferTest, AGetdentsCountBeyondTheBodyIsEio) {
  FakeGofer g;
  MessageWriter w;
  w.Put(ReplyHeader{static_cast<uint32_t>(Op::kGetdents), 0});
  w.Put(GetdentsReply{0, 0xffffffffu, 1});
  g.AnswerNextWith(Bytes(w), 0);
  EXPECT_EQ(ErrorOf(g.client().Getdents(Fid{1}, 0)), Errno(EIO));
  g.Join();
}

TEST(BrokenGoferTest, AReportedErrorPassesThrough) {
  FakeGofer g;
  MessageWriter w;
  w.Put(ReplyHeader{static_cast<uint32_t>(Op::kStat), -ENOENT});
  g.AnswerNextWith(Bytes(w), 0);
  EXPECT_EQ(ErrorOf(g.client().Stat(Fid{1})), Errno(ENOENT));
  g.Join();
  EXPECT_FALSE(g.client().dead());
}

}  // namespace
}  // namespace kekkai::gofer::testing

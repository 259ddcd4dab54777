#include "gofer/server.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <cstring>
#include <memory>
#include <utility>

#include "base/logging.h"
#include "gofer/file_server.h"

namespace kekkai::gofer {

namespace {

// Sends `reply` with its fds.
Result<void> SendReply(int sock, const Reply& reply) {
  std::span<const std::byte> bytes = reply.body().bytes();
  iovec iov{const_cast<std::byte*>(bytes.data()), bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxReplyFds)];
  std::span<const int> fds = reply.fds();
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
    if (errno == EINTR) continue;
    return LastErrno();
  }
  return Ok();
}

bool IsPeerGone(int err) { return err == EPIPE || err == ECONNRESET || err == ENOTCONN; }

}  // namespace

Result<void> Serve(FileDescriptor sock, std::vector<ServedTree> trees) {
  umask(0);
  FileServer server(std::move(trees));
  Reply reply;
  // One byte more than the largest request, so an oversized one shows as MSG_TRUNC.
  auto buf = std::make_unique<std::byte[]>(kMaxMessageSize + 1);
  for (;;) {
    iovec iov{buf.get(), kMaxMessageSize + 1};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    // No control buffer: fds the sentry might send are dropped by the kernel.
    const ssize_t n = recvmsg(sock.get(), &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (IsPeerGone(errno)) return Ok();
      PLOG(ERROR) << "gofer: recvmsg";
      return LastErrno();
    }
    if (n == 0) return Ok();  // the sentry closed its end
    if ((msg.msg_flags & MSG_TRUNC) != 0) {
      RequestHeader header;
      std::memcpy(&header, buf.get(), sizeof(header));
      reply.Clear();
      reply.body().Put(ReplyHeader{header.op, -EINVAL});
    } else {
      server.Handle(std::span<const std::byte>(buf.get(), static_cast<size_t>(n)), reply);
    }
    Result<void> sent = SendReply(sock.get(), reply);
    reply.Clear();
    if (!sent.ok()) {
      if (IsPeerGone(sent.error().value())) return Ok();
      LOG(ERROR) << "gofer: sendmsg: " << ErrnoName(sent.error().value());
      return sent.error();
    }
  }
}

}  // namespace kekkai::gofer

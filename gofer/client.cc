#include "gofer/client.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <cstring>

#include "base/logging.h"

namespace kekkai::gofer {

namespace {

// The largest errno a reply may carry (as the kernel's MAX_ERRNO).
constexpr int kMaxErrno = 4095;

MessageWriter Begin(Op op) {
  MessageWriter w;
  w.Put(RequestHeader{static_cast<uint32_t>(op), 0});
  return w;
}

uint32_t Raw(Fid fid) { return static_cast<uint32_t>(fid); }

bool IsServedType(uint32_t mode) { return S_ISREG(mode) || S_ISDIR(mode) || S_ISLNK(mode); }

}  // namespace

std::unique_ptr<Client> Client::Create(FileDescriptor sock) {
  return std::unique_ptr<Client>(new Client(std::move(sock)));
}

Client::Client(FileDescriptor sock)
    : sock_(std::move(sock)), buf_(std::make_unique<std::byte[]>(kMaxMessageSize + 1)) {}

Errno Client::Fail(const char* why) {
  if (!dead_.exchange(true, std::memory_order_acq_rel)) {
    LOG(ERROR) << "gofer connection lost: " << why;
  }
  return Errno(EIO);
}

Result<Client::Received> Client::RoundTrip(Op op, const MessageWriter& request) {
  if (dead()) return Errno(EIO);
  std::lock_guard<std::mutex> lock(mu_);
  if (dead()) return Errno(EIO);
  return RoundTripLocked(op, request.bytes());
}

Result<Client::Received> Client::RoundTripLocked(Op op, std::span<const std::byte> request) {
  if (request.size() > kMaxMessageSize) return Errno(EINVAL);
  iovec out_iov{const_cast<std::byte*>(request.data()), request.size()};
  msghdr out{};
  out.msg_iov = &out_iov;
  out.msg_iovlen = 1;
  while (sendmsg(sock_.get(), &out, MSG_NOSIGNAL) < 0) {
    if (errno == EINTR) continue;
    return Fail(ErrnoName(errno) != nullptr ? ErrnoName(errno) : "sendmsg failed");
  }

  iovec in_iov{buf_.get(), kMaxMessageSize + 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxReplyFds)];
  msghdr in{};
  ssize_t n;
  for (;;) {
    in = msghdr{};
    in.msg_iov = &in_iov;
    in.msg_iovlen = 1;
    in.msg_control = control;
    in.msg_controllen = sizeof(control);
    n = recvmsg(sock_.get(), &in, MSG_CMSG_CLOEXEC);
    if (n >= 0 || errno != EINTR) break;
  }
  if (n < 0) return Fail(ErrnoName(errno) != nullptr ? ErrnoName(errno) : "recvmsg failed");
  if (n == 0) return Fail("EOF");

  // Take ownership of every fd received before anything else can fail.
  Received r;
  size_t nfds = 0;
  bool surplus = false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&in); c != nullptr; c = CMSG_NXTHDR(&in, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (nfds < kMaxReplyFds) {
        r.fds[nfds++].reset(fd);
      } else {
        FileDescriptor(fd).reset();
        surplus = true;
      }
    }
  }
  // Fds that did not fit (we are out of fds, or the gofer sent too many): this
  // call fails, the connection stays in step.
  if ((in.msg_flags & MSG_CTRUNC) != 0 || surplus) {
    LOG(WARNING) << "gofer " << OpName(op) << " reply: fds truncated";
    // A node the gofer made for us that we cannot use: give its fid back.
    MessageReader body(std::span<const std::byte>(buf_.get(), static_cast<size_t>(n)));
    Result<ReplyHeader> header = body.Get<ReplyHeader>();
    Result<NodeReply> node = body.Get<NodeReply>();
    if (header.ok() && header->error == 0 && node.ok() && op != Op::kOpen &&
        ReplyFdCount(op) != 0) {
      MessageWriter clunk;
      clunk.Put(RequestHeader{static_cast<uint32_t>(Op::kClunk), 0});
      clunk.Put(FidRequest{node->fid, 0});
      (void)RoundTripLocked(Op::kClunk, clunk.bytes());
    }
    return Errno(EIO);
  }
  if ((in.msg_flags & MSG_TRUNC) != 0) return Fail("oversized reply");

  MessageReader reader(std::span<const std::byte>(buf_.get(), static_cast<size_t>(n)));
  Result<ReplyHeader> header = reader.Get<ReplyHeader>();
  if (!header.ok()) return Fail("short reply");
  if (header->op != static_cast<uint32_t>(op)) return Fail("reply to another request");
  if (header->error != 0) {
    if (header->error > 0 || header->error < -kMaxErrno || nfds != 0 || reader.remaining() != 0) {
      return Fail("malformed error reply");
    }
    return Errno(-header->error);
  }
  if (nfds != ReplyFdCount(op)) return Fail("wrong fd count");
  const std::byte* body = buf_.get() + sizeof(ReplyHeader);
  r.body.assign(body, body + reader.remaining());
  return r;
}

Result<Node> Client::ParseNode(Received& r) {
  MessageReader in(r.body);
  Result<NodeReply> reply = in.Get<NodeReply>();
  if (!reply.ok() || !in.ExpectEnd().ok() || reply->fid == 0 || !IsServedType(reply->attr.mode)) {
    return Fail("malformed node reply");
  }
  Node node;
  node.fid = Fid{reply->fid};
  node.attr = reply->attr;
  node.path_fd = std::move(r.fds[0]);
  return node;
}

Result<Node> Client::NodeCall(Op op, const MessageWriter& request) {
  ASSIGN_OR_RETURN(Received r, RoundTrip(op, request));
  return ParseNode(r);
}

Result<void> Client::EmptyCall(Op op, const MessageWriter& request) {
  ASSIGN_OR_RETURN(Received r, RoundTrip(op, request));
  if (!r.body.empty()) return Fail("unexpected reply body");
  return Ok();
}

Result<Node> Client::Attach(uint32_t tree) {
  MessageWriter w = Begin(Op::kAttach);
  w.Put(AttachRequest{tree, 0});
  return NodeCall(Op::kAttach, w);
}

Result<Node> Client::Walk(Fid dir, std::string_view name) {
  RETURN_IF_ERROR(ValidateName(name));
  MessageWriter w = Begin(Op::kWalk);
  w.Put(WalkRequest{Raw(dir), 0});
  w.PutString(name);
  return NodeCall(Op::kWalk, w);
}

Result<FileDescriptor> Client::Open(Fid fid, uint32_t flags) {
  MessageWriter w = Begin(Op::kOpen);
  w.Put(OpenRequest{Raw(fid), flags});
  ASSIGN_OR_RETURN(Received r, RoundTrip(Op::kOpen, w));
  if (!r.body.empty()) return Fail("unexpected reply body");
  return std::move(r.fds[0]);
}

Result<std::pair<Node, FileDescriptor>> Client::Create(Fid dir, std::string_view name,
                                                       uint32_t flags, uint32_t mode, uint32_t uid,
                                                       uint32_t gid) {
  RETURN_IF_ERROR(ValidateName(name));
  MessageWriter w = Begin(Op::kCreate);
  w.Put(CreateRequest{Raw(dir), flags, mode, uid, gid, 0});
  w.PutString(name);
  ASSIGN_OR_RETURN(Received r, RoundTrip(Op::kCreate, w));
  FileDescriptor opened = std::move(r.fds[1]);
  ASSIGN_OR_RETURN(Node node, ParseNode(r));
  return std::make_pair(std::move(node), std::move(opened));
}

Result<Node> Client::Mkdir(Fid dir, std::string_view name, uint32_t mode, uint32_t uid,
                           uint32_t gid) {
  RETURN_IF_ERROR(ValidateName(name));
  MessageWriter w = Begin(Op::kMkdir);
  w.Put(MkdirRequest{Raw(dir), mode, uid, gid});
  w.PutString(name);
  return NodeCall(Op::kMkdir, w);
}

Result<Node> Client::Symlink(Fid dir, std::string_view name, std::string_view target, uint32_t uid,
                             uint32_t gid) {
  RETURN_IF_ERROR(ValidateName(name));
  RETURN_IF_ERROR(ValidateSymlinkTarget(target));
  MessageWriter w = Begin(Op::kSymlink);
  w.Put(SymlinkRequest{Raw(dir), uid, gid, 0});
  w.PutString(name);
  w.PutString(target);
  return NodeCall(Op::kSymlink, w);
}

Result<void> Client::Link(Fid dir, std::string_view name, Fid target) {
  RETURN_IF_ERROR(ValidateName(name));
  MessageWriter w = Begin(Op::kLink);
  w.Put(LinkRequest{Raw(dir), Raw(target)});
  w.PutString(name);
  return EmptyCall(Op::kLink, w);
}

Result<void> Client::Unlink(Fid dir, std::string_view name, uint32_t flags) {
  RETURN_IF_ERROR(ValidateName(name));
  MessageWriter w = Begin(Op::kUnlink);
  w.Put(UnlinkRequest{Raw(dir), flags});
  w.PutString(name);
  return EmptyCall(Op::kUnlink, w);
}

Result<void> Client::Rename(Fid old_dir, std::string_view old_name, Fid new_dir,
                            std::string_view new_name, uint32_t flags) {
  RETURN_IF_ERROR(ValidateName(old_name));
  RETURN_IF_ERROR(ValidateName(new_name));
  MessageWriter w = Begin(Op::kRename);
  w.Put(RenameRequest{Raw(old_dir), Raw(new_dir), flags, 0});
  w.PutString(old_name);
  w.PutString(new_name);
  return EmptyCall(Op::kRename, w);
}

Result<std::string> Client::Readlink(Fid fid) {
  MessageWriter w = Begin(Op::kReadlink);
  w.Put(FidRequest{Raw(fid), 0});
  ASSIGN_OR_RETURN(Received r, RoundTrip(Op::kReadlink, w));
  MessageReader in(r.body);
  Result<std::string_view> target = in.GetString();
  if (!target.ok() || !in.ExpectEnd().ok() || !ValidateSymlinkTarget(*target).ok()) {
    return Fail("malformed readlink reply");
  }
  return std::string(*target);
}

Result<abi::linux::Stat> Client::Stat(Fid fid) {
  MessageWriter w = Begin(Op::kStat);
  w.Put(FidRequest{Raw(fid), 0});
  ASSIGN_OR_RETURN(Received r, RoundTrip(Op::kStat, w));
  MessageReader in(r.body);
  Result<StatReply> reply = in.Get<StatReply>();
  if (!reply.ok() || !in.ExpectEnd().ok()) return Fail("malformed stat reply");
  return reply->attr;
}

Result<void> Client::SetStat(Fid fid, const SetAttr& attr) {
  MessageWriter w = Begin(Op::kSetStat);
  w.Put(SetStatRequest{Raw(fid), 0, attr});
  return EmptyCall(Op::kSetStat, w);
}

Result<DirBatch> Client::Getdents(Fid dir, uint64_t cookie) {
  MessageWriter w = Begin(Op::kGetdents);
  w.Put(GetdentsRequest{Raw(dir), 0, cookie});
  ASSIGN_OR_RETURN(Received r, RoundTrip(Op::kGetdents, w));
  MessageReader in(r.body);
  Result<GetdentsReply> reply = in.Get<GetdentsReply>();
  if (!reply.ok() || reply->end > 1) return Fail("malformed getdents reply");
  DirBatch batch;
  batch.next_cookie = reply->next_cookie;
  batch.end = reply->end != 0;
  // Each entry takes at least sizeof(WireDirent) + 3 bytes: bounds the reserve.
  if (reply->count > in.remaining() / (sizeof(WireDirent) + 3)) {
    return Fail("malformed getdents reply");
  }
  batch.entries.reserve(reply->count);
  for (uint32_t i = 0; i < reply->count; ++i) {
    Result<WireDirent> d = in.Get<WireDirent>();
    if (!d.ok()) return Fail("malformed getdents reply");
    Result<std::string_view> name = in.GetString();
    if (!name.ok() || !ValidateName(*name).ok()) return Fail("malformed getdents reply");
    batch.entries.push_back(Dirent{d->ino, d->type, std::string(*name)});
  }
  if (!in.ExpectEnd().ok()) return Fail("malformed getdents reply");
  return batch;
}

Result<StatfsReply> Client::Statfs(Fid fid) {
  MessageWriter w = Begin(Op::kStatfs);
  w.Put(FidRequest{Raw(fid), 0});
  ASSIGN_OR_RETURN(Received r, RoundTrip(Op::kStatfs, w));
  MessageReader in(r.body);
  Result<StatfsReply> reply = in.Get<StatfsReply>();
  if (!reply.ok() || !in.ExpectEnd().ok()) return Fail("malformed statfs reply");
  return *reply;
}

Result<std::string> Client::GetXattr(Fid fid, std::string_view name) {
  MessageWriter w = Begin(Op::kGetXattr);
  w.Put(XattrRequest{Raw(fid), 0});
  w.PutString(name);
  ASSIGN_OR_RETURN(Received r, RoundTrip(Op::kGetXattr, w));
  if (r.body.size() > kMaxXattrValue) return Fail("malformed getxattr reply");
  return std::string(reinterpret_cast<const char*>(r.body.data()), r.body.size());
}

Result<void> Client::SetXattr(Fid fid, std::string_view name, std::string_view value,
                              uint32_t flags) {
  MessageWriter w = Begin(Op::kSetXattr);
  w.Put(XattrRequest{Raw(fid), flags});
  w.PutString(name);
  w.PutBytes(value);
  return EmptyCall(Op::kSetXattr, w);
}

Result<std::vector<std::string>> Client::ListXattr(Fid fid) {
  MessageWriter w = Begin(Op::kListXattr);
  w.Put(XattrRequest{Raw(fid), 0});
  ASSIGN_OR_RETURN(Received r, RoundTrip(Op::kListXattr, w));
  std::string_view list(reinterpret_cast<const char*>(r.body.data()), r.body.size());
  if (list.size() > kMaxXattrList || (!list.empty() && list.back() != '\0')) {
    return Fail("malformed listxattr reply");
  }
  std::vector<std::string> names;
  while (!list.empty()) {
    const size_t end = list.find('\0');
    std::string_view name = list.substr(0, end);
    if (!ValidateXattrName(name).ok()) return Fail("malformed listxattr reply");
    names.emplace_back(name);
    list.remove_prefix(end + 1);
  }
  return names;
}

Result<void> Client::RemoveXattr(Fid fid, std::string_view name) {
  MessageWriter w = Begin(Op::kRemoveXattr);
  w.Put(XattrRequest{Raw(fid), 0});
  w.PutString(name);
  return EmptyCall(Op::kRemoveXattr, w);
}

Result<void> Client::Clunk(Fid fid) {
  MessageWriter w = Begin(Op::kClunk);
  w.Put(FidRequest{Raw(fid), 0});
  return EmptyCall(Op::kClunk, w);
}

}  // namespace kekkai::gofer

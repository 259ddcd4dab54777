// FileServer: dispatch, and the lookups and checks every handler shares.
#include "gofer/file_server.h"

#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <utility>

#include "base/logging.h"
#include "gofer/host_stat.h"
#include "gofer/policy.h"
#include "gofer/pseudo_fs.h"

namespace kekkai::gofer {

void Reply::AddFd(int fd) {
  CHECK(nfds_ < kMaxReplyFds);
  fds_[nfds_++] = fd;
}

void Reply::AddOwnedFd(FileDescriptor fd) {
  CHECK(nfds_ < kMaxReplyFds);
  fds_[nfds_] = fd.get();
  owned_[nfds_] = std::move(fd);
  ++nfds_;
}

void Reply::Clear() {
  body_.Clear();
  for (FileDescriptor& fd : owned_) fd.reset();
  nfds_ = 0;
}

const std::array<FileServer::Handler, kOpLimit> FileServer::kHandlers = [] {
  std::array<Handler, kOpLimit> t{};
  t[static_cast<uint32_t>(Op::kAttach)] = &FileServer::HandleAttach;
  t[static_cast<uint32_t>(Op::kWalk)] = &FileServer::HandleWalk;
  t[static_cast<uint32_t>(Op::kOpen)] = &FileServer::HandleOpen;
  t[static_cast<uint32_t>(Op::kCreate)] = &FileServer::HandleCreate;
  t[static_cast<uint32_t>(Op::kMkdir)] = &FileServer::HandleMkdir;
  t[static_cast<uint32_t>(Op::kSymlink)] = &FileServer::HandleSymlink;
  t[static_cast<uint32_t>(Op::kLink)] = &FileServer::HandleLink;
  t[static_cast<uint32_t>(Op::kUnlink)] = &FileServer::HandleUnlink;
  t[static_cast<uint32_t>(Op::kRename)] = &FileServer::HandleRename;
  t[static_cast<uint32_t>(Op::kReadlink)] = &FileServer::HandleReadlink;
  t[static_cast<uint32_t>(Op::kStat)] = &FileServer::HandleStat;
  t[static_cast<uint32_t>(Op::kSetStat)] = &FileServer::HandleSetStat;
  t[static_cast<uint32_t>(Op::kGetdents)] = &FileServer::HandleGetdents;
  t[static_cast<uint32_t>(Op::kStatfs)] = &FileServer::HandleStatfs;
  t[static_cast<uint32_t>(Op::kClunk)] = &FileServer::HandleClunk;
  t[static_cast<uint32_t>(Op::kGetXattr)] = &FileServer::HandleGetXattr;
  t[static_cast<uint32_t>(Op::kSetXattr)] = &FileServer::HandleSetXattr;
  t[static_cast<uint32_t>(Op::kListXattr)] = &FileServer::HandleListXattr;
  t[static_cast<uint32_t>(Op::kRemoveXattr)] = &FileServer::HandleRemoveXattr;
  return t;
}();

FileServer::FileServer(std::vector<ServedTree> trees) : trees_(std::move(trees)) {}

void FileServer::Handle(std::span<const std::byte> request, Reply& reply) {
  reply.Clear();
  MessageReader in(request);
  Result<RequestHeader> header = in.Get<RequestHeader>();
  if (!header.ok() || header->reserved != 0) {
    reply.body().Put(ReplyHeader{header.ok() ? header->op : 0, -EINVAL});
    return;
  }
  const uint32_t op = header->op;
  Handler handler = op < kOpLimit ? kHandlers[op] : nullptr;
  if (handler == nullptr) {
    reply.body().Put(ReplyHeader{op, -ENOSYS});
    return;
  }
  reply.body().Put(ReplyHeader{op, 0});
  Result<void> r = (this->*handler)(in, reply);
  if (!r.ok()) {
    reply.Clear();
    reply.body().Put(ReplyHeader{op, -r.error().value()});
  }
}

Result<std::shared_ptr<HostNode>> FileServer::GetNode(uint32_t fid) const { return fids_.Get(fid); }

Result<std::shared_ptr<HostNode>> FileServer::GetDir(uint32_t fid) const {
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> node, fids_.Get(fid));
  if (node->type != S_IFDIR) return Errno(ENOTDIR);
  return node;
}

Result<void> FileServer::CheckWritable(const HostNode& node) const {
  if (trees_[node.tree].read_only) return Errno(EROFS);
  return Ok();
}

std::string FileServer::ChildPath(const HostNode& dir, std::string_view name) {
  std::string path = dir.path;
  if (path != "/") path += '/';
  path += name;
  return path;
}

bool FileServer::IsHidden(uint32_t tree, std::string_view path) const {
  const std::optional<Policy>& policy = trees_[tree].policy;
  return policy.has_value() && policy->IsHidden(path);
}

Result<void> FileServer::CheckServable(int fd, const struct stat& st, uint64_t parent_dev) {
  if (!Policy::IsVisibleType(st.st_mode)) return Errno(ENOENT);
  // st_dev names a superblock: only a mount crossing can reach another filesystem.
  if (st.st_dev != parent_dev) {
    struct statfs sfs;
    if (fstatfs(fd, &sfs) != 0) return LastErrno();
    if (IsRefusedFilesystem(sfs.f_type)) return Errno(ENOENT);
  }
  return Ok();
}

Result<FileServer::Found> FileServer::LookUp(const std::shared_ptr<HostNode>& dir,
                                             std::string_view name) const {
  RETURN_IF_ERROR(ValidateName(name));
  std::string path = ChildPath(*dir, name);
  if (IsHidden(dir->tree, path)) return Errno(ENOENT);
  const std::string cname(name);
  FileDescriptor fd(openat(dir->fd.get(), cname.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return LastErrno();
  Found found;
  if (fstat(fd.get(), &found.st) != 0) return LastErrno();
  RETURN_IF_ERROR(CheckServable(fd.get(), found.st, dir->dev));
  auto node = std::make_shared<HostNode>();
  node->fd = std::move(fd);
  node->tree = dir->tree;
  node->parent = dir;
  node->name = cname;
  node->path = std::move(path);
  node->dev = found.st.st_dev;
  node->ino = found.st.st_ino;
  node->type = found.st.st_mode & S_IFMT;
  found.node = std::move(node);
  return found;
}

Result<void> FileServer::ReplyNewNode(Found found, Reply& reply) {
  const int fd = found.node->fd.get();
  ASSIGN_OR_RETURN(const uint32_t fid, fids_.Add(std::move(found.node)));
  reply.body().Put(NodeReply{fid, 0, ToAbiStat(found.st)});
  reply.AddFd(fd);
  return Ok();
}

Result<FileDescriptor> FileServer::Reopen(const HostNode& node, int flags) const {
  flags &= ~O_TRUNC;
  if (node.type == S_IFLNK) return Errno(ELOOP);
  if (node.type == S_IFDIR) {
    if ((flags & O_ACCMODE) != O_RDONLY) return Errno(EISDIR);
    FileDescriptor fd(openat(node.fd.get(), ".", flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return LastErrno();
    return fd;
  }
  if ((flags & O_DIRECTORY) != 0) return Errno(ENOTDIR);
  // Tree roots are directories, so a non-directory always has a parent.
  if (node.parent == nullptr) return Errno(EINVAL);
  // O_NONBLOCK until the check: a FIFO swapped in by a racing rename must not
  // block the gofer.
  FileDescriptor fd(openat(node.parent->fd.get(), node.name.c_str(),
                           flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) {
    // The name now holds a symlink, so no longer this node.
    if (errno == ELOOP) return Errno(ESTALE);
    return LastErrno();
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return LastErrno();
  if (st.st_dev != node.dev || st.st_ino != node.ino) return Errno(ESTALE);
  if ((flags & O_NONBLOCK) == 0) {
    const int fl = fcntl(fd.get(), F_GETFL);
    if (fl < 0 || fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK) != 0) return LastErrno();
  }
  return fd;
}

}  // namespace kekkai::gofer

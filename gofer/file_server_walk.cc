// FileServer: Attach, Walk, and the requests on one node (Readlink, Stat, Statfs,
// Clunk).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <utility>

#include "gofer/file_server.h"
#include "gofer/host_stat.h"
#include "gofer/pseudo_fs.h"

namespace kekkai::gofer {

Result<void> FileServer::HandleAttach(MessageReader& in, Reply& reply) {
  ASSIGN_OR_RETURN(const AttachRequest req, in.Get<AttachRequest>());
  RETURN_IF_ERROR(in.ExpectEnd());
  if (req.tree >= trees_.size()) return Errno(EINVAL);
  ASSIGN_OR_RETURN(FileDescriptor fd, Dup(trees_[req.tree].root.get()));
  Found found;
  if (fstat(fd.get(), &found.st) != 0) return LastErrno();
  if (!S_ISDIR(found.st.st_mode)) return Errno(ENOTDIR);
  struct statfs sfs;
  if (fstatfs(fd.get(), &sfs) != 0) return LastErrno();
  if (IsRefusedFilesystem(sfs.f_type)) return Errno(ENOENT);
  auto node = std::make_shared<HostNode>();
  node->fd = std::move(fd);
  node->tree = req.tree;
  node->path.assign(1, '/');  // not = "/": GCC 12 -Wrestrict false positive (PR 105329)
  node->dev = found.st.st_dev;
  node->ino = found.st.st_ino;
  node->type = S_IFDIR;
  found.node = std::move(node);
  return ReplyNewNode(std::move(found), reply);
}

Result<void> FileServer::HandleWalk(MessageReader& in, Reply& reply) {
  ASSIGN_OR_RETURN(const WalkRequest req, in.Get<WalkRequest>());
  ASSIGN_OR_RETURN(const std::string_view name, in.GetString());
  RETURN_IF_ERROR(in.ExpectEnd());
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> dir, GetDir(req.dir));
  ASSIGN_OR_RETURN(Found found, LookUp(dir, name));
  return ReplyNewNode(std::move(found), reply);
}

Result<void> FileServer::HandleReadlink(MessageReader& in, Reply& reply) {
  ASSIGN_OR_RETURN(const FidRequest req, in.Get<FidRequest>());
  RETURN_IF_ERROR(in.ExpectEnd());
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> node, GetNode(req.fid));
  if (node->type != S_IFLNK) return Errno(EINVAL);
  char buf[kMaxSymlinkTarget + 1];
  const ssize_t n = readlinkat(node->fd.get(), "", buf, sizeof(buf));
  if (n < 0) return LastErrno();
  // Longer than any target the gofer could pass on.
  if (static_cast<size_t>(n) > kMaxSymlinkTarget) return Errno(ENAMETOOLONG);
  reply.body().PutString(std::string_view(buf, static_cast<size_t>(n)));
  return Ok();
}

Result<void> FileServer::HandleStat(MessageReader& in, Reply& reply) {
  ASSIGN_OR_RETURN(const FidRequest req, in.Get<FidRequest>());
  RETURN_IF_ERROR(in.ExpectEnd());
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> node, GetNode(req.fid));
  ASSIGN_OR_RETURN(const abi::linux::Stat attr, StatFd(node->fd.get()));
  reply.body().Put(StatReply{attr});
  return Ok();
}

Result<void> FileServer::HandleStatfs(MessageReader& in, Reply& reply) {
  ASSIGN_OR_RETURN(const FidRequest req, in.Get<FidRequest>());
  RETURN_IF_ERROR(in.ExpectEnd());
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> node, GetNode(req.fid));
  struct statfs st;
  if (fstatfs(node->fd.get(), &st) != 0) return LastErrno();
  reply.body().Put(ToStatfsReply(st));
  return Ok();
}

Result<void> FileServer::HandleClunk(MessageReader& in, Reply&) {
  ASSIGN_OR_RETURN(const FidRequest req, in.Get<FidRequest>());
  RETURN_IF_ERROR(in.ExpectEnd());
  return fids_.Remove(req.fid);
}

}  // namespace kekkai::gofer

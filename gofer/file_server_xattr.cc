// FileServer: GetXattr, SetXattr, ListXattr, RemoveXattr. The host's f*xattr calls
// need an opened fd (not O_PATH), so each call reopens the node read-only; only
// regular files and directories have attributes here. Writes are limited to the
// user.* namespace: the others either need capabilities the gofer lacks
// (trusted.*, security.*) or change the host's permissions (system.*, ACLs).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <string>
#include <utility>

#include "gofer/file_server.h"

namespace kekkai::gofer {

namespace {

// Returns an error unless the sentry may change attribute `name` on the host.
Result<void> CheckWritableName(std::string_view name) {
  if (name.substr(0, 5) == "user.") return Ok();
  return Errno(name.substr(0, 7) == "system." ? EOPNOTSUPP : EPERM);
}

}  // namespace

Result<FileDescriptor> FileServer::ReopenForXattr(const HostNode& node) const {
  if (node.type != S_IFREG && node.type != S_IFDIR) return Errno(ENODATA);
  return Reopen(node, O_RDONLY | O_NONBLOCK);
}

Result<FileDescriptor> FileServer::ReopenForXattrChange(uint32_t fid,
                                                       std::string_view name) const {
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> node, GetNode(fid));
  RETURN_IF_ERROR(CheckWritable(*node));
  RETURN_IF_ERROR(CheckWritableName(name));
  if (node->type != S_IFREG && node->type != S_IFDIR) return Errno(EPERM);
  return ReopenForXattr(*node);
}

Result<void> FileServer::HandleGetXattr(MessageReader& in, Reply& reply) {
  ASSIGN_OR_RETURN(const XattrRequest req, in.Get<XattrRequest>());
  ASSIGN_OR_RETURN(const std::string_view name, in.GetString());
  RETURN_IF_ERROR(in.ExpectEnd());
  if (req.flags != 0) return Errno(EINVAL);
  RETURN_IF_ERROR(ValidateXattrName(name));
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> node, GetNode(req.fid));
  ASSIGN_OR_RETURN(FileDescriptor fd, ReopenForXattr(*node));
  std::string value(kMaxXattrValue, '\0');
  const ssize_t n = fgetxattr(fd.get(), std::string(name).c_str(), value.data(), value.size());
  if (n < 0) return LastErrno();
  value.resize(static_cast<size_t>(n));
  reply.body().PutBytes(value);
  return Ok();
}

Result<void> FileServer::HandleSetXattr(MessageReader& in, Reply&) {
  ASSIGN_OR_RETURN(const XattrRequest req, in.Get<XattrRequest>());
  ASSIGN_OR_RETURN(const std::string_view name, in.GetString());
  const std::string_view value = in.GetRest();
  if ((req.flags & ~static_cast<uint32_t>(XATTR_CREATE | XATTR_REPLACE)) != 0) {
    return Errno(EINVAL);
  }
  RETURN_IF_ERROR(ValidateXattrName(name));
  if (value.size() > kMaxXattrValue) return Errno(E2BIG);
  ASSIGN_OR_RETURN(FileDescriptor fd, ReopenForXattrChange(req.fid, name));
  if (fsetxattr(fd.get(), std::string(name).c_str(), value.data(), value.size(),
                static_cast<int>(req.flags)) != 0) {
    return LastErrno();
  }
  return Ok();
}

Result<void> FileServer::HandleListXattr(MessageReader& in, Reply& reply) {
  ASSIGN_OR_RETURN(const XattrRequest req, in.Get<XattrRequest>());
  RETURN_IF_ERROR(in.ExpectEnd());
  if (req.flags != 0) return Errno(EINVAL);
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> node, GetNode(req.fid));
  if (node->type != S_IFREG && node->type != S_IFDIR) return Ok();
  ASSIGN_OR_RETURN(FileDescriptor fd, ReopenForXattr(*node));
  std::string list(kMaxXattrList, '\0');
  const ssize_t n = flistxattr(fd.get(), list.data(), list.size());
  if (n < 0) return errno == ERANGE ? Errno(E2BIG) : LastErrno();
  list.resize(static_cast<size_t>(n));
  reply.body().PutBytes(list);
  return Ok();
}

Result<void> FileServer::HandleRemoveXattr(MessageReader& in, Reply&) {
  ASSIGN_OR_RETURN(const XattrRequest req, in.Get<XattrRequest>());
  ASSIGN_OR_RETURN(const std::string_view name, in.GetString());
  RETURN_IF_ERROR(in.ExpectEnd());
  if (req.flags != 0) return Errno(EINVAL);
  RETURN_IF_ERROR(ValidateXattrName(name));
  ASSIGN_OR_RETURN(FileDescriptor fd, ReopenForXattrChange(req.fid, name));
  if (fremovexattr(fd.get(), std::string(name).c_str()) != 0) return LastErrno();
  return Ok();
}

}  // namespace kekkai::gofer

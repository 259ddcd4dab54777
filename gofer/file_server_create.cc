// FileServer: the requests that make a node (Create, Mkdir, Symlink). Each sets the
// owner the sentry asks for (the gofer runs as host root) and answers with the new
// node; if setting the owner fails the new entry is removed again.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "gofer/file_server.h"
#include "gofer/open_flags.h"

namespace kekkai::gofer {

namespace {

constexpr uint32_t kPermissionBits = 07777;

// Checks that `found` is the file just made as `made` (ESTALE if the name was
// replaced in between).
Result<void> CheckSameFile(const struct stat& found, const struct stat& made) {
  if (found.st_dev != made.st_dev || found.st_ino != made.st_ino) return Errno(ESTALE);
  return Ok();
}

}  // namespace

Result<void> FileServer::HandleCreate(MessageReader& in, Reply& reply) {
  ASSIGN_OR_RETURN(const CreateRequest req, in.Get<CreateRequest>());
  ASSIGN_OR_RETURN(const std::string_view name, in.GetString());
  RETURN_IF_ERROR(in.ExpectEnd());
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> dir, GetDir(req.dir));
  RETURN_IF_ERROR(CheckWritable(*dir));
  RETURN_IF_ERROR(ValidateName(name));
  ASSIGN_OR_RETURN(const int flags, SanitizeOpenFlags(req.flags));
  if ((flags & O_DIRECTORY) != 0 || (req.mode & ~kPermissionBits) != 0) return Errno(EINVAL);
  if (IsHidden(dir->tree, ChildPath(*dir, name))) return Errno(EACCES);
  const std::string cname(name);
  FileDescriptor fd(openat(dir->fd.get(), cname.c_str(),
                           flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, req.mode));
  if (!fd.valid()) return LastErrno();
  // Through the opened fd, so it is this file whatever happens to the name. Root's
  // chown clears set-id bits: set the mode again after it.
  if (fchown(fd.get(), req.uid, req.gid) != 0 ||
      ((req.mode & (S_ISUID | S_ISGID)) != 0 && fchmod(fd.get(), req.mode) != 0)) {
    const Errno err = LastErrno();
    unlinkat(dir->fd.get(), cname.c_str(), 0);
    return err;
  }
  struct stat made;
  if (fstat(fd.get(), &made) != 0) return LastErrno();
  ASSIGN_OR_RETURN(Found found, LookUp(dir, name));
  RETURN_IF_ERROR(CheckSameFile(found.st, made));
  RETURN_IF_ERROR(ReplyNewNode(std::move(found), reply));
  reply.AddOwnedFd(std::move(fd));
  return Ok();
}

Result<void> FileServer::HandleMkdir(MessageReader& in, Reply& reply) {
  ASSIGN_OR_RETURN(const MkdirRequest req, in.Get<MkdirRequest>());
  ASSIGN_OR_RETURN(const std::string_view name, in.GetString());
  RETURN_IF_ERROR(in.ExpectEnd());
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> dir, GetDir(req.dir));
  RETURN_IF_ERROR(CheckWritable(*dir));
  RETURN_IF_ERROR(ValidateName(name));
  if ((req.mode & ~kPermissionBits) != 0) return Errno(EINVAL);
  if (IsHidden(dir->tree, ChildPath(*dir, name))) return Errno(EACCES);
  const std::string cname(name);
  if (mkdirat(dir->fd.get(), cname.c_str(), req.mode) != 0) return LastErrno();
  ASSIGN_OR_RETURN(Found found, LookUp(dir, name));
  if (found.node->type != S_IFDIR) return Errno(ESTALE);
  if (fchownat(found.node->fd.get(), "", req.uid, req.gid, AT_EMPTY_PATH) != 0) {
    const Errno err = LastErrno();
    unlinkat(dir->fd.get(), cname.c_str(), AT_REMOVEDIR);
    return err;
  }
  if (fstat(found.node->fd.get(), &found.st) != 0) return LastErrno();
  return ReplyNewNode(std::move(found), reply);
}

Result<void> FileServer::HandleSymlink(MessageReader& in, Reply& reply) {
  ASSIGN_OR_RETURN(const SymlinkRequest req, in.Get<SymlinkRequest>());
  ASSIGN_OR_RETURN(const std::string_view name, in.GetString());
  ASSIGN_OR_RETURN(const std::string_view target, in.GetString());
  RETURN_IF_ERROR(in.ExpectEnd());
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> dir, GetDir(req.dir));
  RETURN_IF_ERROR(CheckWritable(*dir));
  RETURN_IF_ERROR(ValidateName(name));
  RETURN_IF_ERROR(ValidateSymlinkTarget(target));
  if (IsHidden(dir->tree, ChildPath(*dir, name))) return Errno(EACCES);
  const std::string cname(name);
  const std::string ctarget(target);
  if (symlinkat(ctarget.c_str(), dir->fd.get(), cname.c_str()) != 0) return LastErrno();
  ASSIGN_OR_RETURN(Found found, LookUp(dir, name));
  if (found.node->type != S_IFLNK) return Errno(ESTALE);
  // On the O_PATH fd of the symlink itself: never its target.
  if (fchownat(found.node->fd.get(), "", req.uid, req.gid, AT_EMPTY_PATH) != 0) {
    const Errno err = LastErrno();
    unlinkat(dir->fd.get(), cname.c_str(), 0);
    return err;
  }
  if (fstat(found.node->fd.get(), &found.st) != 0) return LastErrno();
  return ReplyNewNode(std::move(found), reply);
}

}  // namespace kekkai::gofer

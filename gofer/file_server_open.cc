// FileServer: Open.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

#include "gofer/file_server.h"
#include "gofer/open_flags.h"

namespace kekkai::gofer {

Result<void> FileServer::HandleOpen(MessageReader& in, Reply& reply) {
  ASSIGN_OR_RETURN(const OpenRequest req, in.Get<OpenRequest>());
  RETURN_IF_ERROR(in.ExpectEnd());
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> node, GetNode(req.fid));
  ASSIGN_OR_RETURN(const int flags, SanitizeOpenFlags(req.flags));
  if (IsWriteOpen(flags)) RETURN_IF_ERROR(CheckWritable(*node));
  if (node->type == S_IFDIR && (flags & O_TRUNC) != 0) return Errno(EISDIR);
  ASSIGN_OR_RETURN(FileDescriptor fd, Reopen(*node, flags));
  if ((flags & O_TRUNC) != 0 && node->type == S_IFREG) {
    // Truncated only now that the file is known to be the node. A read-only open
    // truncates too, as on Linux, through a second, write-only open.
    if ((flags & O_ACCMODE) == O_RDONLY) {
      ASSIGN_OR_RETURN(FileDescriptor wfd, Reopen(*node, O_WRONLY));
      if (ftruncate(wfd.get(), 0) != 0) return LastErrno();
    } else if (ftruncate(fd.get(), 0) != 0) {
      return LastErrno();
    }
  }
  reply.AddOwnedFd(std::move(fd));
  return Ok();
}

}  // namespace kekkai::gofer

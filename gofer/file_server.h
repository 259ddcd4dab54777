// FileServer: answers one gofer request at a time against the served host trees.
// Serve() (server.h) feeds it from the socket; tests may call Handle() directly.
// Split by concern: file_server.cc (dispatch, lookups, checks), file_server_walk.cc,
// file_server_open.cc, file_server_create.cc, file_server_names.cc,
// file_server_setstat.cc, file_server_getdents.cc, file_server_xattr.cc.
#ifndef KEKKAI_GOFER_FILE_SERVER_H_
#define KEKKAI_GOFER_FILE_SERVER_H_

#include <sys/stat.h>

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_descriptor.h"
#include "base/result.h"
#include "gofer/fid_table.h"
#include "gofer/host_node.h"
#include "gofer/message.h"
#include "gofer/protocol.h"
#include "gofer/served_tree.h"

namespace kekkai::gofer {

// One reply being built: its bytes and the host fds it donates.
class Reply {
 public:
  MessageWriter& body() { return body_; }
  const MessageWriter& body() const { return body_; }
  // Donates the borrowed `fd`; it must stay open until the reply is sent.
  void AddFd(int fd);
  // Donates `fd`, which the reply owns and closes when cleared.
  void AddOwnedFd(FileDescriptor fd);
  // Empties the reply and closes the fds it owns.
  void Clear();
  std::span<const int> fds() const { return {fds_.data(), nfds_}; }

 private:
  MessageWriter body_;
  std::array<int, kMaxReplyFds> fds_{};
  size_t nfds_ = 0;
  std::array<FileDescriptor, kMaxReplyFds> owned_;
};

// Not thread-safe. Handles anything a (possibly compromised) sentry sends without
// crashing: every failure becomes a reply error.
class FileServer {
 public:
  explicit FileServer(std::vector<ServedTree> trees);

  // Answers `request` (one whole message) into `reply`, which it clears first.
  void Handle(std::span<const std::byte> request, Reply& reply);

  // Returns how many fids are live (for tests).
  size_t fid_count() const { return fids_.size(); }

 private:
  using Handler = Result<void> (FileServer::*)(MessageReader&, Reply&);
  static const std::array<Handler, kOpLimit> kHandlers;

  // A node just found by name, with the fstat that identified it.
  struct Found {
    std::shared_ptr<HostNode> node;
    struct stat st;
  };

  // Handlers, one per Op (body already positioned after the RequestHeader).
  Result<void> HandleAttach(MessageReader& in, Reply& reply);
  Result<void> HandleWalk(MessageReader& in, Reply& reply);
  Result<void> HandleOpen(MessageReader& in, Reply& reply);
  Result<void> HandleCreate(MessageReader& in, Reply& reply);
  Result<void> HandleMkdir(MessageReader& in, Reply& reply);
  Result<void> HandleSymlink(MessageReader& in, Reply& reply);
  Result<void> HandleLink(MessageReader& in, Reply& reply);
  Result<void> HandleUnlink(MessageReader& in, Reply& reply);
  Result<void> HandleRename(MessageReader& in, Reply& reply);
  Result<void> HandleReadlink(MessageReader& in, Reply& reply);
  Result<void> HandleStat(MessageReader& in, Reply& reply);
  Result<void> HandleSetStat(MessageReader& in, Reply& reply);
  Result<void> HandleGetdents(MessageReader& in, Reply& reply);
  Result<void> HandleStatfs(MessageReader& in, Reply& reply);
  Result<void> HandleClunk(MessageReader& in, Reply& reply);
  Result<void> HandleGetXattr(MessageReader& in, Reply& reply);
  Result<void> HandleSetXattr(MessageReader& in, Reply& reply);
  Result<void> HandleListXattr(MessageReader& in, Reply& reply);
  Result<void> HandleRemoveXattr(MessageReader& in, Reply& reply);

  // Returns the node `fid` names (EBADF), or only if it is a directory (ENOTDIR).
  Result<std::shared_ptr<HostNode>> GetNode(uint32_t fid) const;
  Result<std::shared_ptr<HostNode>> GetDir(uint32_t fid) const;
  // Returns EROFS if `node`'s tree is read-only.
  Result<void> CheckWritable(const HostNode& node) const;
  // Returns the canonical tree path of `name` in `dir`.
  static std::string ChildPath(const HostNode& dir, std::string_view name);
  // Returns whether the tree's policy hides `path`.
  bool IsHidden(uint32_t tree, std::string_view path) const;
  // Returns ENOENT unless a node of `st` (reached through `fd`, found in a
  // directory on device `parent_dev`) may be served: a regular file, directory or
  // symlink, not on a kernel pseudo-filesystem.
  static Result<void> CheckServable(int fd, const struct stat& st, uint64_t parent_dev);
  // Looks `name` up in `dir` (validated, policy-checked, never following a
  // symlink) and returns a new node for it, not yet given a fid.
  Result<Found> LookUp(const std::shared_ptr<HostNode>& dir, std::string_view name) const;
  // Gives `found` a fid and writes its NodeReply and O_PATH fd into `reply`.
  Result<void> ReplyNewNode(Found found, Reply& reply);
  // Opens `node` with `flags` (plus O_NOFOLLOW|O_CLOEXEC|O_NOCTTY): a directory
  // through its own fd, anything else through its parent and name, then checks the
  // opened file is still `node` (ESTALE if a rename put another file there).
  // O_TRUNC is not passed to the host: callers truncate after the check.
  Result<FileDescriptor> Reopen(const HostNode& node, int flags) const;
  // Reopens a regular file or directory read-only for the f*xattr calls: ENODATA
  // for anything else.
  Result<FileDescriptor> ReopenForXattr(const HostNode& node) const;
  // The same for a change to attribute `name` of `fid`: EROFS on a read-only
  // tree, EPERM/EOPNOTSUPP outside user.*, EPERM for other file types.
  Result<FileDescriptor> ReopenForXattrChange(uint32_t fid, std::string_view name) const;

  std::vector<ServedTree> trees_;
  FidTable fids_;
};

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_FILE_SERVER_H_

// Client: the sentry's side of the gofer protocol — typed, synchronous calls that
// each make one round trip over the gofer socket.
#ifndef KEKKAI_GOFER_CLIENT_H_
#define KEKKAI_GOFER_CLIENT_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/linux/types.h"
#include "base/file_descriptor.h"
#include "base/result.h"
#include "gofer/message.h"
#include "gofer/protocol.h"

namespace kekkai::gofer {

// A node the gofer holds for us: its fid, its attributes when it was found, and a
// donated O_PATH|O_CLOEXEC fd of it (fstat it, e.g. with StatFd(), for fresh
// attributes without a round trip). The fid stays live until Clunk.
struct Node {
  Fid fid = kNoFid;
  abi::linux::Stat attr{};
  FileDescriptor path_fd;
};

// One directory entry: a regular file, directory or symlink (DT_REG/DT_DIR/DT_LNK).
struct Dirent {
  uint64_t ino = 0;
  uint8_t type = 0;
  std::string name;
};

// One Getdents batch. Pass `next_cookie` to the next call; `end` means no entries
// follow these.
struct DirBatch {
  std::vector<Dirent> entries;
  uint64_t next_cookie = 0;
  bool end = false;
};

// Thread-safe: a mutex serializes round trips (one request in flight at a time), so
// a call blocks its host thread while the gofer works. Once the gofer is dead (EOF,
// ECONNRESET, EPIPE) or has sent a malformed reply, every call fails with EIO at
// once. Errors the gofer reports come back as they are (ENOENT, EROFS, ...).
class Client {
 public:
  // Returns a client speaking over `sock`, one end of a SOCK_SEQPACKET socketpair
  // whose other end a gofer serves.
  static std::unique_ptr<Client> Create(FileDescriptor sock);

  // Returns the root of served tree `tree` (as ordered on the gofer's command line).
  Result<Node> Attach(uint32_t tree);
  // Returns the child `name` (one component) of directory `dir`. A symlink is
  // returned as itself: read it with Readlink and resolve it in the sentry.
  Result<Node> Walk(Fid dir, std::string_view name);
  // Opens `fid` with open(2) `flags` (kernel values; O_CREAT, O_EXCL, O_PATH,
  // O_CLOEXEC, O_NOCTTY, O_NOFOLLOW are ignored) and returns the host fd,
  // close-on-exec. ESTALE if the node's name now leads to another file.
  Result<FileDescriptor> Open(Fid fid, uint32_t flags);
  // Creates regular file `name` in `dir` (exclusively: EEXIST if it exists) with
  // permission bits `mode`, owned by uid:gid, and opens it with `flags`. Returns
  // the new node and the opened fd.
  Result<std::pair<Node, FileDescriptor>> Create(Fid dir, std::string_view name, uint32_t flags,
                                                 uint32_t mode, uint32_t uid, uint32_t gid);
  // Creates directory `name` in `dir`, owned by uid:gid, and returns it.
  Result<Node> Mkdir(Fid dir, std::string_view name, uint32_t mode, uint32_t uid, uint32_t gid);
  // Creates symlink `name` -> `target` in `dir`, owned by uid:gid, and returns it.
  Result<Node> Symlink(Fid dir, std::string_view name, std::string_view target, uint32_t uid,
                       uint32_t gid);
  // Gives the (non-directory) node `target` the new name `name` in `dir`.
  Result<void> Link(Fid dir, std::string_view name, Fid target);
  // Removes `name` from `dir`; `flags` is 0 or AT_REMOVEDIR.
  Result<void> Unlink(Fid dir, std::string_view name, uint32_t flags);
  // Renames as renameat2(2) with `flags` (RENAME_NOREPLACE, RENAME_EXCHANGE). Fids
  // of the moved nodes follow them.
  Result<void> Rename(Fid old_dir, std::string_view old_name, Fid new_dir,
                      std::string_view new_name, uint32_t flags);
  // Returns the target of symlink `fid`.
  Result<std::string> Readlink(Fid fid);
  // Returns `fid`'s current attributes.
  Result<abi::linux::Stat> Stat(Fid fid);
  // Changes the attributes `attr.mask` names (protocol.h).
  Result<void> SetStat(Fid fid, const SetAttr& attr);
  // Returns the entries of `dir` from `cookie` (0: the start), without "." and "..".
  Result<DirBatch> Getdents(Fid dir, uint64_t cookie);
  // Returns statfs(2) of the filesystem holding `fid`.
  Result<StatfsReply> Statfs(Fid fid);
  // Releases `fid`.
  Result<void> Clunk(Fid fid);
  // Extended attributes of `fid` (protocol.h's XattrRequest): the value of `name`
  // (ENODATA if none), setting it (setxattr(2) `flags`), the names, removing one.
  Result<std::string> GetXattr(Fid fid, std::string_view name);
  Result<void> SetXattr(Fid fid, std::string_view name, std::string_view value, uint32_t flags);
  Result<std::vector<std::string>> ListXattr(Fid fid);
  Result<void> RemoveXattr(Fid fid, std::string_view name);

  // Returns whether the gofer is gone (every call now fails with EIO).
  bool dead() const { return dead_.load(std::memory_order_acquire); }

 private:
  // A successful reply: its body (after the ReplyHeader) and donated fds.
  struct Received {
    std::vector<std::byte> body;
    std::array<FileDescriptor, kMaxReplyFds> fds;
  };

  explicit Client(FileDescriptor sock);
  // Sends `request` (for `op`) and returns the successful reply, the error the
  // gofer reported, or EIO.
  Result<Received> RoundTrip(Op op, const MessageWriter& request);
  // Sends one message and receives one; `mu_` held.
  Result<Received> RoundTripLocked(Op op, std::span<const std::byte> request);
  // Marks the gofer dead and returns EIO.
  Errno Fail(const char* why);
  // Parses a NodeReply body and its O_PATH fd.
  Result<Node> ParseNode(Received& r);
  Result<Node> NodeCall(Op op, const MessageWriter& request);
  Result<void> EmptyCall(Op op, const MessageWriter& request);

  std::mutex mu_;
  FileDescriptor sock_;
  std::unique_ptr<std::byte[]> buf_;  // receive buffer, under mu_
  std::atomic<bool> dead_{false};
};

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_CLIENT_H_

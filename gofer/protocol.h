// Protocol: the gofer wire format, shared by the sentry's client and the gofer.
//
// One request message gets one reply message over a SOCK_SEQPACKET socket. A message
// is a fixed header, an op's fixed-layout struct, then the op's strings, each a
// little-endian uint16 length and that many bytes (no NUL). A reply carries an
// `int32_t` that is 0 or -errno; only a successful reply has a body, and only a
// successful reply carries host fds (SCM_RIGHTS), exactly ReplyFdCount(op) of them.
// Both ends validate every size: the gofer trusts nothing the sentry sends, and
// the sentry treats a malformed reply as a dead gofer.
#ifndef KEKKAI_GOFER_PROTOCOL_H_
#define KEKKAI_GOFER_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "abi/linux/types.h"
#include "base/result.h"

namespace kekkai::gofer {

// Names one node the gofer holds for the sentry. The gofer picks fids; 0 is never one.
enum class Fid : uint32_t {};
inline constexpr Fid kNoFid{0};

// Bounds: a whole message (room for the largest extended attribute value and its
// name), one path component, a symlink target, fds in a reply, an extended
// attribute's name, value and list of names.
inline constexpr size_t kMaxMessageSize = 80 * 1024;
inline constexpr size_t kMaxNameLength = 255;
inline constexpr size_t kMaxSymlinkTarget = 4095;
inline constexpr size_t kMaxReplyFds = 2;
inline constexpr size_t kMaxXattrName = 255;
inline constexpr size_t kMaxXattrValue = 64 * 1024;
inline constexpr size_t kMaxXattrList = 64 * 1024;

// The request types; the gofer's handler table is indexed by them.
enum class Op : uint32_t {
  kAttach = 1,
  kWalk,
  kOpen,
  kCreate,
  kMkdir,
  kSymlink,
  kLink,
  kUnlink,
  kRename,
  kReadlink,
  kStat,
  kSetStat,
  kGetdents,
  kStatfs,
  kClunk,
  kGetXattr,
  kSetXattr,
  kListXattr,
  kRemoveXattr,
};
// One past the largest Op value.
inline constexpr uint32_t kOpLimit = static_cast<uint32_t>(Op::kRemoveXattr) + 1;

// Returns the op's name ("Walk"), or "?" for a value outside the enum.
const char* OpName(Op op);
// Returns how many host fds a successful reply to `op` carries.
size_t ReplyFdCount(Op op);

// Returns Ok if `name` is one path component: ENAMETOOLONG past kMaxNameLength,
// EINVAL for "", ".", "..", or a '/' or NUL in it.
Result<void> ValidateName(std::string_view name);
// Returns Ok if `name` may name an extended attribute: EINVAL if empty, holding a
// NUL or in no known namespace (user., trusted., security., system.), ERANGE past
// kMaxXattrName.
Result<void> ValidateXattrName(std::string_view name);
// Returns Ok if `target` may be a symlink's target: EINVAL if empty or holding a
// NUL, ENAMETOOLONG past kMaxSymlinkTarget.
Result<void> ValidateSymlinkTarget(std::string_view target);

// Opens every request.
struct RequestHeader {
  uint32_t op;
  uint32_t reserved;  // 0
};
static_assert(sizeof(RequestHeader) == 8);

// Opens every reply; `error` is 0 or -errno. A failed reply ends here.
struct ReplyHeader {
  uint32_t op;  // the request's op, echoed
  int32_t error;
};
static_assert(sizeof(ReplyHeader) == 8);

// --- Requests (after RequestHeader). "+ name" marks a trailing string. ---

// Attach: the root of served tree `tree`. Replies NodeReply + the root's O_PATH fd.
struct AttachRequest {
  uint32_t tree;
  uint32_t reserved;
};
static_assert(sizeof(AttachRequest) == 8);

// Walk: one component below `dir` + name. Replies NodeReply + O_PATH fd. A symlink
// is returned as itself, never followed.
struct WalkRequest {
  uint32_t dir;
  uint32_t reserved;
};
static_assert(sizeof(WalkRequest) == 8);

// Open: the node with open(2) `flags`. Replies an empty body + the opened fd.
struct OpenRequest {
  uint32_t fid;
  uint32_t flags;
};
static_assert(sizeof(OpenRequest) == 8);

// Create: a new regular file (always O_EXCL) + name, owned by uid:gid, opened with
// `flags`. Replies NodeReply + the O_PATH fd + the opened fd.
struct CreateRequest {
  uint32_t dir;
  uint32_t flags;
  uint32_t mode;
  uint32_t uid;
  uint32_t gid;
  uint32_t reserved;
};
static_assert(sizeof(CreateRequest) == 24);

// Mkdir: + name. Replies NodeReply + O_PATH fd.
struct MkdirRequest {
  uint32_t dir;
  uint32_t mode;
  uint32_t uid;
  uint32_t gid;
};
static_assert(sizeof(MkdirRequest) == 16);

// Symlink: + name + target. Replies NodeReply + O_PATH fd.
struct SymlinkRequest {
  uint32_t dir;
  uint32_t uid;
  uint32_t gid;
  uint32_t reserved;
};
static_assert(sizeof(SymlinkRequest) == 16);

// Link: a new name for `target` in `dir` + name. Replies an empty body.
struct LinkRequest {
  uint32_t dir;
  uint32_t target;
};
static_assert(sizeof(LinkRequest) == 8);

// Unlink: + name; `flags` is 0 or AT_REMOVEDIR. Replies an empty body.
struct UnlinkRequest {
  uint32_t dir;
  uint32_t flags;
};
static_assert(sizeof(UnlinkRequest) == 8);

// Rename: + old name + new name; `flags` as renameat2(2) (NOREPLACE, EXCHANGE).
// Replies an empty body. Fids of the moved nodes follow them.
struct RenameRequest {
  uint32_t old_dir;
  uint32_t new_dir;
  uint32_t flags;
  uint32_t reserved;
};
static_assert(sizeof(RenameRequest) == 16);

// Readlink, Stat, Statfs, Clunk: one fid. Readlink replies a string; Stat a
// StatReply; Statfs a StatfsReply; Clunk an empty body.
struct FidRequest {
  uint32_t fid;
  uint32_t reserved;
};
static_assert(sizeof(FidRequest) == 8);

// GetXattr, RemoveXattr: + name; `flags` 0. GetXattr replies the value as the
// rest of the body (no length prefix); RemoveXattr an empty body.
// SetXattr: + name, then the value as the rest of the message; `flags` as
// setxattr(2) (XATTR_CREATE, XATTR_REPLACE). Replies an empty body.
// ListXattr: `flags` 0, nothing follows. Replies the names, each ended by a NUL, as
// the rest of the body (at most kMaxXattrList bytes: E2BIG for more).
// Only regular files and directories have attributes here: a symlink has none
// (ENODATA, an empty list, EPERM to set).
struct XattrRequest {
  uint32_t fid;
  uint32_t flags;
};
static_assert(sizeof(XattrRequest) == 8);

// The SetAttr fields to apply.
inline constexpr uint32_t kSetAttrMode = 1 << 0;
inline constexpr uint32_t kSetAttrUid = 1 << 1;
inline constexpr uint32_t kSetAttrGid = 1 << 2;
inline constexpr uint32_t kSetAttrSize = 1 << 3;
inline constexpr uint32_t kSetAttrAtime = 1 << 4;
inline constexpr uint32_t kSetAttrMtime = 1 << 5;
inline constexpr uint32_t kSetAttrAll = (1 << 6) - 1;

// The attributes SetStat changes: those named in `mask`. A time's nsec may be
// UTIME_NOW or UTIME_OMIT, as in utimensat(2). `mode` holds permission bits only.
struct SetAttr {
  uint32_t mask;
  uint32_t mode;
  uint32_t uid;
  uint32_t gid;
  uint64_t size;
  abi::linux::Timespec atime;
  abi::linux::Timespec mtime;
};
static_assert(sizeof(SetAttr) == 56);

// SetStat. Replies an empty body. Applied in the order size, owner, mode, times;
// a failure stops there (earlier changes stay).
struct SetStatRequest {
  uint32_t fid;
  uint32_t reserved;
  SetAttr attr;
};
static_assert(sizeof(SetStatRequest) == 64);

// Getdents: entries of `dir` from `cookie` (0: the start; else a next_cookie
// returned before). Replies GetdentsReply, then `count` × (WireDirent + name).
// "." and ".." are never listed.
struct GetdentsRequest {
  uint32_t dir;
  uint32_t reserved;
  uint64_t cookie;
};
static_assert(sizeof(GetdentsRequest) == 16);

// --- Reply bodies (after a successful ReplyHeader). ---

// Attach, Walk, Create, Mkdir, Symlink: the new fid and the node's attributes.
struct NodeReply {
  uint32_t fid;
  uint32_t reserved;
  abi::linux::Stat attr;
};
static_assert(sizeof(NodeReply) == 152);

struct StatReply {
  abi::linux::Stat attr;
};
static_assert(sizeof(StatReply) == 144);

// struct statfs (x86-64) of the filesystem holding the node.
using StatfsReply = abi::linux::Statfs;

struct GetdentsReply {
  uint64_t next_cookie;  // where the next batch starts
  uint32_t count;        // entries that follow
  uint32_t end;          // 1: the directory has no entries after these
};
static_assert(sizeof(GetdentsReply) == 16);

// One directory entry; its name follows as a string.
struct WireDirent {
  uint64_t ino;
  uint8_t type;  // DT_REG, DT_DIR or DT_LNK
  uint8_t reserved[7];
};
static_assert(sizeof(WireDirent) == 16);

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_PROTOCOL_H_

// FileServer: SetStat.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <utility>

#include "gofer/file_server.h"

namespace kekkai::gofer {

namespace {

// Returns whether `ts` is a valid utimensat(2) time.
bool IsValidTime(const abi::linux::Timespec& ts) {
  return (ts.nsec >= 0 && ts.nsec < 1'000'000'000) || ts.nsec == UTIME_NOW || ts.nsec == UTIME_OMIT;
}

Result<void> Validate(const SetAttr& a) {
  if ((a.mask & ~kSetAttrAll) != 0) return Errno(EINVAL);
  if ((a.mask & kSetAttrMode) != 0 && (a.mode & ~07777u) != 0) return Errno(EINVAL);
  if ((a.mask & kSetAttrSize) != 0 && a.size > static_cast<uint64_t>(INT64_MAX)) {
    return Errno(EINVAL);
  }
  if ((a.mask & kSetAttrAtime) != 0 && !IsValidTime(a.atime)) return Errno(EINVAL);
  if ((a.mask & kSetAttrMtime) != 0 && !IsValidTime(a.mtime)) return Errno(EINVAL);
  return Ok();
}

}  // namespace

Result<void> FileServer::HandleSetStat(MessageReader& in, Reply&) {
  ASSIGN_OR_RETURN(const SetStatRequest req, in.Get<SetStatRequest>());
  RETURN_IF_ERROR(in.ExpectEnd());
  const SetAttr& a = req.attr;
  RETURN_IF_ERROR(Validate(a));
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> node, GetNode(req.fid));
  if (a.mask == 0) return Ok();
  RETURN_IF_ERROR(CheckWritable(*node));

  if ((a.mask & kSetAttrSize) != 0) {
    if (node->type == S_IFDIR) return Errno(EISDIR);
    if (node->type != S_IFREG) return Errno(EINVAL);
    ASSIGN_OR_RETURN(FileDescriptor fd, Reopen(*node, O_WRONLY));
    if (ftruncate(fd.get(), static_cast<off_t>(a.size)) != 0) return LastErrno();
  }
  if ((a.mask & (kSetAttrUid | kSetAttrGid)) != 0) {
    const uid_t uid = (a.mask & kSetAttrUid) != 0 ? a.uid : static_cast<uid_t>(-1);
    const gid_t gid = (a.mask & kSetAttrGid) != 0 ? a.gid : static_cast<gid_t>(-1);
    // On the O_PATH fd itself: a symlink's own owner, never its target's.
    if (fchownat(node->fd.get(), "", uid, gid, AT_EMPTY_PATH) != 0) return LastErrno();
  }
  if ((a.mask & kSetAttrMode) != 0) {
    // Linux has no symlink modes; fchmod needs an opened (not O_PATH) fd.
    if (node->type == S_IFLNK) return Errno(EOPNOTSUPP);
    ASSIGN_OR_RETURN(FileDescriptor fd, Reopen(*node, O_RDONLY));
    if (fchmod(fd.get(), a.mode) != 0) return LastErrno();
  }
  if ((a.mask & (kSetAttrAtime | kSetAttrMtime)) != 0) {
    const struct timespec omit = {0, UTIME_OMIT};
    struct timespec times[2] = {omit, omit};
    if ((a.mask & kSetAttrAtime) != 0) times[0] = {a.atime.sec, a.atime.nsec};
    if ((a.mask & kSetAttrMtime) != 0) times[1] = {a.mtime.sec, a.mtime.nsec};
    if (utimensat(node->fd.get(), "", times, AT_EMPTY_PATH) != 0) return LastErrno();
  }
  return Ok();
}

}  // namespace kekkai::gofer

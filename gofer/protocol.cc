#include "gofer/protocol.h"

namespace kekkai::gofer {

const char* OpName(Op op) {
  switch (op) {
    case Op::kAttach:
      return "Attach";
    case Op::kWalk:
      return "Walk";
    case Op::kOpen:
      return "Open";
    case Op::kCreate:
      return "Create";
    case Op::kMkdir:
      return "Mkdir";
    case Op::kSymlink:
      return "Symlink";
    case Op::kLink:
      return "Link";
    case Op::kUnlink:
      return "Unlink";
    case Op::kRename:
      return "Rename";
    case Op::kReadlink:
      return "Readlink";
    case Op::kStat:
      return "Stat";
    case Op::kSetStat:
      return "SetStat";
    case Op::kGetdents:
      return "Getdents";
    case Op::kStatfs:
      return "Statfs";
    case Op::kClunk:
      return "Clunk";
    case Op::kGetXattr:
      return "GetXattr";
    case Op::kSetXattr:
      return "SetXattr";
    case Op::kListXattr:
      return "ListXattr";
    case Op::kRemoveXattr:
      return "RemoveXattr";
  }
  return "?";
}

size_t ReplyFdCount(Op op) {
  switch (op) {
    case Op::kAttach:
    case Op::kWalk:
    case Op::kMkdir:
    case Op::kSymlink:
    case Op::kOpen:
      return 1;
    case Op::kCreate:
      return 2;
    default:
      return 0;
  }
}

Result<void> ValidateName(std::string_view name) {
  if (name.size() > kMaxNameLength) return Errno(ENAMETOOLONG);
  if (name.empty() || name == "." || name == "..") return Errno(EINVAL);
  if (name.find_first_of(std::string_view("/\0", 2)) != std::string_view::npos) {
    return Errno(EINVAL);
  }
  return Ok();
}

Result<void> ValidateXattrName(std::string_view name) {
  if (name.size() > kMaxXattrName) return Errno(ERANGE);
  if (name.find('\0') != std::string_view::npos) return Errno(EINVAL);
  for (std::string_view prefix : {"user.", "trusted.", "security.", "system."}) {
    if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix) return Ok();
  }
  return Errno(EINVAL);
}

Result<void> ValidateSymlinkTarget(std::string_view target) {
  if (target.size() > kMaxSymlinkTarget) return Errno(ENAMETOOLONG);
  if (target.empty() || target.find('\0') != std::string_view::npos) return Errno(EINVAL);
  return Ok();
}

}  // namespace kekkai::gofer

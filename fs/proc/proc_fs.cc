#include "fs/proc/proc_fs.h"

#include <sys/stat.h>

namespace kekkai::fs::proc {

namespace {

constexpr uint64_t kRootIno = 1;
constexpr uint64_t kSelfIno = 2;
// Per-pid nodes get inode numbers above the fixed ones: a block of kPidInoStride per pid.
constexpr uint64_t kPidInoBase = 1 << 12;
constexpr uint64_t kPidInoStride = 16;

// Returns whether `name` is the decimal pid of `c`, spelled as Linux spells it (no
// sign, no leading zeros).
bool IsCallerPid(const vfs::Caller& c, const std::string& name) {
  return c.pid > 0 && name == std::to_string(c.pid);
}

uint64_t PidIno(int32_t pid) { return kPidInoBase + static_cast<uint64_t>(pid) * kPidInoStride; }

}  // namespace

ProcFs::ProcFs(uint64_t device, abi::linux::Timespec time) : device_(device), time_(time) {}

std::optional<ProcFs::Kind> ProcFs::Find(const vfs::Caller& c, std::span<const std::string> rel) {
  if (rel.empty()) return Kind::kRoot;
  if (rel.size() == 1 && rel[0] == "self") {
    if (c.pid <= 0) return std::nullopt;
    return Kind::kSelf;
  }
  if (!IsCallerPid(c, rel[0])) return std::nullopt;
  if (rel.size() == 1) return Kind::kPidDir;
  if (rel.size() == 2 && rel[1] == "exe") return Kind::kExe;
  return std::nullopt;
}

Result<abi::linux::Stat> ProcFs::Stat(const vfs::Caller& c,
                                      std::span<const std::string> rel) const {
  const std::optional<Kind> kind = Find(c, rel);
  if (!kind) return Errno(ENOENT);
  abi::linux::Stat s{};
  s.dev = device_;
  s.blksize = 1024;
  s.atime = s.mtime = s.ctime = time_;
  // A process's nodes belong to its effective ids, as in Linux.
  const uint32_t uid = c.creds != nullptr ? c.creds->euid : 0;
  const uint32_t gid = c.creds != nullptr ? c.creds->egid : 0;
  switch (*kind) {
    case Kind::kRoot:
      s.ino = kRootIno;
      s.mode = S_IFDIR | 0555;
      s.nlink = c.pid > 0 ? 3 : 2;  // "." and "..", and the one pid directory's ".."
      break;
    case Kind::kSelf:
      s.ino = kSelfIno;
      s.mode = S_IFLNK | 0777;
      s.nlink = 1;
      s.size = static_cast<int64_t>(std::to_string(c.pid).size());
      break;
    case Kind::kPidDir:
      s.ino = PidIno(c.pid);
      s.mode = S_IFDIR | 0555;
      s.nlink = 2;
      s.uid = uid;
      s.gid = gid;
      break;
    case Kind::kExe:
      s.ino = PidIno(c.pid) + 1;
      s.mode = S_IFLNK | 0777;
      s.nlink = 1;
      s.uid = uid;
      s.gid = gid;
      break;
  }
  return s;
}

Result<std::string> ProcFs::Readlink(const vfs::Caller& c, std::span<const std::string> rel) const {
  const std::optional<Kind> kind = Find(c, rel);
  if (!kind) return Errno(ENOENT);
  switch (*kind) {
    case Kind::kSelf:
      return std::to_string(c.pid);
    case Kind::kExe:
      // A task that has no executable yet has nothing to point at.
      if (c.exe.empty()) return Errno(ENOENT);
      return std::string(c.exe);
    case Kind::kRoot:
    case Kind::kPidDir:
      break;
  }
  return Errno(EINVAL);
}

Result<std::vector<std::string>> ProcFs::List(const vfs::Caller& c,
                                              std::span<const std::string> rel) const {
  const std::optional<Kind> kind = Find(c, rel);
  if (!kind) return Errno(ENOENT);
  switch (*kind) {
    case Kind::kRoot: {
      std::vector<std::string> out;
      if (c.pid > 0) {
        out.push_back("self");
        out.push_back(std::to_string(c.pid));
      }
      return out;
    }
    case Kind::kPidDir:
      return std::vector<std::string>{"exe"};
    case Kind::kSelf:
    case Kind::kExe:
      break;
  }
  return Errno(ENOTDIR);
}

}  // namespace kekkai::fs::proc

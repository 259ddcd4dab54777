#include "fs/dev/dev_fs.h"

#include <sys/stat.h>

#include <iterator>
#include <memory>

#include "fs/dev/mem_device.h"

namespace kekkai::fs::dev {

namespace {

struct Entry {
  std::string_view name;
  // A device when target is empty, else a symlink to target.
  MemDeviceKind kind;
  uint32_t major;
  uint32_t minor;
  std::string_view target;
};

constexpr uint64_t kRootIno = 1;

// The device numbers are Linux's (Documentation/admin-guide/devices.txt).
constexpr Entry kEntries[] = {
    {"null", MemDeviceKind::kNull, 1, 3, ""},
    {"zero", MemDeviceKind::kZero, 1, 5, ""},
    {"full", MemDeviceKind::kFull, 1, 7, ""},
    {"random", MemDeviceKind::kRandom, 1, 8, ""},
    {"urandom", MemDeviceKind::kUrandom, 1, 9, ""},
    {"stdin", MemDeviceKind::kNull, 0, 0, "/proc/self/fd/0"},
    {"stdout", MemDeviceKind::kNull, 0, 0, "/proc/self/fd/1"},
    {"stderr", MemDeviceKind::kNull, 0, 0, "/proc/self/fd/2"},
    {"fd", MemDeviceKind::kNull, 0, 0, "/proc/self/fd"},
};

// Returns the entry named `name`, or nullptr.
const Entry* Find(std::string_view name) {
  for (const Entry& e : kEntries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

abi::linux::Stat StatOf(const Entry& e, uint64_t device, abi::linux::Timespec time) {
  abi::linux::Stat s{};
  s.dev = device;
  s.ino = kRootIno + 1 + static_cast<uint64_t>(&e - kEntries);
  s.nlink = 1;
  if (e.target.empty()) {
    s.mode = S_IFCHR | 0666;
    s.rdev = MakeDev(e.major, e.minor);
  } else {
    s.mode = S_IFLNK | 0777;
    s.size = static_cast<int64_t>(e.target.size());
  }
  s.blksize = 4096;
  s.atime = s.mtime = s.ctime = time;
  return s;
}

}  // namespace

DevFs::DevFs(uint64_t device, abi::linux::Timespec time) : device_(device), time_(time) {}

abi::linux::Stat DevFs::RootStat() const {
  abi::linux::Stat s{};
  s.dev = device_;
  s.ino = kRootIno;
  s.nlink = 2;
  s.mode = S_IFDIR | 0755;
  s.blksize = 4096;
  s.atime = s.mtime = s.ctime = time_;
  return s;
}

Result<abi::linux::Stat> DevFs::Stat(std::string_view name) const {
  const Entry* e = Find(name);
  if (e == nullptr) return Errno(ENOENT);
  return StatOf(*e, device_, time_);
}

Result<std::string> DevFs::Readlink(std::string_view name) const {
  const Entry* e = Find(name);
  if (e == nullptr) return Errno(ENOENT);
  if (e->target.empty()) return Errno(EINVAL);
  return std::string(e->target);
}

std::vector<std::string> DevFs::Names() const {
  std::vector<std::string> out;
  out.reserve(std::size(kEntries));
  for (const Entry& e : kEntries) out.emplace_back(e.name);
  return out;
}

Result<vfs::FileRef> DevFs::Open(std::string_view name, uint32_t flags) const {
  const Entry* e = Find(name);
  if (e == nullptr) return Errno(ENOENT);
  if (!e->target.empty()) return Errno(ELOOP);
  return vfs::FileRef(std::make_shared<MemDevice>(e->kind, flags, "/dev/" + std::string(name),
                                                  StatOf(*e, device_, time_)));
}

}  // namespace kekkai::fs::dev

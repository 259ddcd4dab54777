#include "fs/dev/dev_fs.h"

#include "fs/dev/mem_device.h"

namespace kekkai::fs::dev {

namespace {

struct MemEntry {
  const char* name;
  MemDeviceKind kind;
  uint32_t minor;  // Major 1 (Documentation/admin-guide/devices.txt).
};

constexpr MemEntry kMemDevices[] = {
    {"null", MemDeviceKind::kNull, 3},     {"zero", MemDeviceKind::kZero, 5},
    {"full", MemDeviceKind::kFull, 7},     {"random", MemDeviceKind::kRandom, 8},
    {"urandom", MemDeviceKind::kUrandom, 9},
};

}  // namespace

DevFs NewDevFs(const DevOptions& opts) {
  constexpr int64_t kTmpfsMagic = 0x01021994;  // Linux's /dev is a devtmpfs.
  auto fs = std::make_shared<kernfs::KernFs>("devtmpfs", kTmpfsMagic, opts.device);
  auto root = std::make_shared<kernfs::Directory>(*fs, 0755);
  for (const MemEntry& e : kMemDevices) {
    const uint64_t rdev = MakeDev(1, e.minor);
    auto node = std::make_shared<kernfs::Device>(
        *fs, 0666, rdev, [kind = e.kind, name = std::string(e.name)](uint32_t flags) {
          return Result<vfs::FileRef>(
              std::make_shared<MemDevice>(kind, flags, "/dev/" + name, abi::linux::Stat{}));
        });
    root->Add(e.name, node);
  }
  root->Add("tty", std::make_shared<kernfs::Device>(
                       *fs, 0666, MakeDev(5, 0), [open = opts.open_tty](uint32_t flags) {
                         if (!open) return Result<vfs::FileRef>(Errno(ENXIO));
                         return open(flags);
                       }));
  root->Add("stdin", std::make_shared<kernfs::Symlink>(*fs, "/proc/self/fd/0"));
  root->Add("stdout", std::make_shared<kernfs::Symlink>(*fs, "/proc/self/fd/1"));
  root->Add("stderr", std::make_shared<kernfs::Symlink>(*fs, "/proc/self/fd/2"));
  root->Add("fd", std::make_shared<kernfs::Symlink>(*fs, "/proc/self/fd"));
  root->Add("shm", std::make_shared<kernfs::Directory>(*fs, 01777));
  root->Add("pts", std::make_shared<kernfs::Directory>(*fs, 0755));
  return {std::move(fs), std::move(root)};
}

}  // namespace kekkai::fs::dev

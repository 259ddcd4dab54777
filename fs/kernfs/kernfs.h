// kernfs: building blocks for filesystems the sentry makes up (as gVisor's
// kernfs): /dev, /proc, /sys. Fixed directories, symlinks whose target may be
// computed when read, "magic" links that stand for a place (/proc/PID/fd/N),
// device nodes that open through a factory, and files whose text is generated
// when read (Linux's seq files). Names can't be made or removed, and attributes
// can't be changed (EPERM); only a file given a writer takes writes.
#ifndef KEKKAI_FS_KERNFS_KERNFS_H_
#define KEKKAI_FS_KERNFS_KERNFS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "fs/vfs/inode.h"

namespace kekkai::fs::kernfs {

class KernFs : public vfs::Filesystem {
 public:
  // `magic` is statfs's f_type; `device` every inode's st_dev.
  KernFs(std::string type_name, int64_t magic, uint64_t device)
      : type_name_(std::move(type_name)), magic_(magic), device_(device) {}

  std::string_view type_name() const override { return type_name_; }
  Result<abi::linux::Statfs> Statfs() override;
  uint64_t device() const { return device_; }
  // Returns a fresh inode number.
  uint64_t NextIno() { return next_ino_.fetch_add(1); }

 private:
  const std::string type_name_;
  const int64_t magic_;
  const uint64_t device_;
  std::atomic<uint64_t> next_ino_{1};
};

// An inode with fixed attributes (the owner may be computed: /proc/PID belongs to
// the process's effective ids).
class KernInode : public vfs::Inode {
 public:
  // `mode` is the type and permission bits.
  KernInode(KernFs& fs, uint32_t mode);

  Result<abi::linux::Stat> Stat() override;
  vfs::Filesystem& filesystem() override { return fs_; }
  Result<vfs::FileRef> Open(uint32_t flags) override;

 protected:
  // The owner shown by Stat: uid and gid 0 by default.
  virtual std::pair<uint32_t, uint32_t> Owner() { return {0, 0}; }
  // st_size: 0 by default.
  virtual int64_t Size() { return 0; }
  KernFs& kernfs() { return fs_; }

 private:
  KernFs& fs_;
  const uint32_t mode_;
  const uint64_t ino_;
  const abi::linux::Timespec time_;
};

// A directory of fixed entries, in the order added, plus whatever a subclass adds
// through Dynamic*.
class Directory : public KernInode {
 public:
  Directory(KernFs& fs, uint32_t perm) : KernInode(fs, abi::linux::kSIfdir | perm) {}

  // Adds (or replaces) the entry `name`.
  void Add(std::string name, vfs::InodeRef inode);

  Result<vfs::InodeRef> Lookup(std::string_view name) override;
  Result<std::vector<vfs::DirEntry>> ReadDir() override;
  Result<vfs::FileRef> Open(uint32_t flags) override;
  // A mount point for the sandbox's own mounts (/dev/shm): made as a fixed entry.
  Result<vfs::InodeRef> MakeMountpoint(std::string_view name) override;

 protected:
  // Entries computed on each lookup (/proc/PID): nullptr if none.
  virtual Result<vfs::InodeRef> DynamicLookup(std::string_view) { return Errno(ENOENT); }
  virtual std::vector<vfs::DirEntry> DynamicEntries() { return {}; }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, vfs::InodeRef>> entries_;
};

// A symlink whose target is computed each time it is read.
class Symlink : public KernInode {
 public:
  using Target = std::function<Result<std::string>()>;
  Symlink(KernFs& fs, Target target) : KernInode(fs, abi::linux::kSIflnk | 0777),
                                       target_(std::move(target)) {}
  // A symlink to the fixed `target`.
  Symlink(KernFs& fs, std::string target);

  Result<std::string> Readlink() override { return target_(); }

 protected:
  int64_t Size() override {
    Result<std::string> t = target_();
    return t.ok() ? static_cast<int64_t>(t->size()) : 0;
  }

 private:
  const Target target_;
};

// A magic link: Readlink shows the place's path, and a walk jumps to the place
// itself (see vfs::Inode::MagicTarget).
class MagicLink : public KernInode {
 public:
  using Target = std::function<Result<vfs::VirtualDentry>()>;
  MagicLink(KernFs& fs, Target target) : KernInode(fs, abi::linux::kSIflnk | 0777),
                                         target_(std::move(target)) {}

  Result<std::string> Readlink() override;
  Result<vfs::VirtualDentry> MagicTarget() override { return target_(); }

 private:
  const Target target_;
};

// A character device whose opens go to `open`.
class Device : public KernInode {
 public:
  using Opener = std::function<Result<vfs::FileRef>(uint32_t flags)>;
  Device(KernFs& fs, uint32_t perm, uint64_t rdev, Opener open)
      : KernInode(fs, abi::linux::kSIfchr | perm), rdev_(rdev), open_(std::move(open)) {}

  Result<abi::linux::Stat> Stat() override;
  Result<vfs::FileRef> Open(uint32_t flags) override { return open_(flags); }

 private:
  const uint64_t rdev_;
  const Opener open_;
};

// A regular file whose text is generated, as Linux's seq files: an open file
// makes it at its first read from offset 0 (and again at each later read from
// offset 0, so lseek(0) and pread at 0 see fresh text) and serves reads at any
// offset from that snapshot. stat(2) shows size 0. Writes go to the writer, if
// any (EINVAL otherwise).
class DataFile : public KernInode {
 public:
  using Generator = std::function<Result<std::string>()>;
  // Takes the bytes written (at most kMaxWrite) and returns how many it took.
  using Writer = std::function<Result<size_t>(std::string_view)>;
  // The most bytes one write hands the writer.
  static constexpr size_t kMaxWrite = 4096;

  DataFile(KernFs& fs, uint32_t perm, Generator gen, Writer write = nullptr)
      : KernInode(fs, abi::linux::kSIfreg | perm), gen_(std::move(gen)),
        write_(std::move(write)) {}

  Result<vfs::FileRef> Open(uint32_t flags) override;
  // As Linux's proc_setattr: a mode change is EPERM; size (O_TRUNC, which
  // `echo x > /proc/self/comm` asks for), owner and time changes are taken and
  // change nothing here.
  Result<void> SetStat(const vfs::SetAttr& attr) override {
    return (attr.mask & vfs::SetAttr::kMode) ? Result<void>(Errno(EPERM)) : Ok();
  }

 private:
  const Generator gen_;
  const Writer write_;
};

}  // namespace kekkai::fs::kernfs

#endif  // KEKKAI_FS_KERNFS_KERNFS_H_

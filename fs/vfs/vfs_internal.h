// What the Vfs's source files share; not for filesystems or syscalls.
#ifndef KEKKAI_FS_VFS_VFS_INTERNAL_H_
#define KEKKAI_FS_VFS_VFS_INTERNAL_H_

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "fs/vfs/vfs.h"

namespace kekkai::fs::vfs {

// Guards every dentry's tree fields (name, parent, children, dead, mounts).
std::mutex& TreeMutex();

struct SplitResult {
  bool absolute = false;
  bool trailing_slash = false;
  std::vector<std::string> components;  // Without empty ones; "." and ".." kept.
};
SplitResult SplitPath(std::string_view path);

// Whether `vd` was unlinked.
bool IsDead(const VirtualDentry& vd);

inline constexpr int kCapDacReadSearch = 2;

// Whether `creds` (nullptr: the sandbox's root with Docker's set) holds `cap`.
inline bool HasCap(const sentry::auth::Credentials* creds, int cap) {
  return creds == nullptr ? (sentry::auth::DockerDefaultCaps() & sentry::auth::CapBit(cap)) != 0
                          : creds->HasCapability(cap);
}

struct Vfs::Parent {
  VirtualDentry dir;
  // The last component: "" when the path named a root ("/"), or "." or "..".
  std::string name;
  bool trailing_slash = false;

  // Whether the last component is no plain name ("", ".", "..").
  bool special() const { return name.empty() || name == "." || name == ".."; }
};

// One path walk (see vfs.h for the rules). It counts the symlinks it follows.
class Vfs::Walker {
 public:
  Walker(const Vfs& vfs, const PathContext& ctx, uint64_t resolve);

  // Walks `path`. With `parent`, stops before the last component and fills it in
  // (the last component is then not looked up).
  Result<VirtualDentry> Walk(std::string_view path, bool follow_final, bool must_dir,
                             Parent* parent);
  // Makes relative paths start at `start` from now on (a symlink's directory).
  void set_start(VirtualDentry start) { start_ = std::move(start); }
  int symlinks() const { return symlinks_; }
  void set_symlinks(int n) { symlinks_ = n; }

 private:
  // Checks search permission on the directory `dir`.
  Result<void> Search(const VirtualDentry& dir);

  const Vfs& vfs_;
  const sentry::auth::Credentials* const creds_;
  const uint64_t resolve_;
  VirtualDentry start_;
  VirtualDentry root_;
  int symlinks_ = 0;
};

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_VFS_INTERNAL_H_

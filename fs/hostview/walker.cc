#include "fs/hostview/walker.h"

#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "fs/hostview/host_stat.h"
#include "fs/hostview/permission.h"

namespace kekkai::fs::hostview {

namespace {

// Returns the stat of host fd `fd` itself (an O_PATH fd may name a symlink).
Result<abi::linux::Stat> StatFd(int fd) {
  struct stat st;
  if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) return LastErrno();
  return ToLinuxStat(st);
}

// Returns the canonical path of the directory holding canonical `path`.
std::string ParentPath(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == 0 || slash == std::string_view::npos) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out != "/") out += '/';
  out += name;
  return out;
}

Walker::Walker(int root_fd, const Policy* policy, std::vector<Mount> mounts)
    : root_fd_(root_fd), policy_(policy), mounts_(std::move(mounts)) {}

Result<Node> Walker::Root() const {
  Node n;
  n.path = "/";
  ASSIGN_OR_RETURN(n.fd, Dup(root_fd_));
  ASSIGN_OR_RETURN(n.stat, StatFd(root_fd_));
  return n;
}

Result<std::string> Walker::ReadLink(const vfs::Caller& c, const Node& link) const {
  if (!link.is_symlink()) return Errno(EINVAL);
  if (!link.is_host()) return link.fs->Readlink(c, link.rel);
  std::string target(vfs::kPathMax, '\0');
  const ssize_t n = readlinkat(link.fd.get(), "", target.data(), target.size());
  if (n < 0) return LastErrno();
  if (static_cast<size_t>(n) >= target.size()) return Errno(ENAMETOOLONG);
  target.resize(static_cast<size_t>(n));
  return target;
}

Result<std::optional<Node>> Walker::Lookup(const vfs::Caller& c, const Node& dir,
                                           std::string_view name) const {
  Node n;
  n.path = JoinPath(dir.path, name);
  if (dir.is_host() && dir.path == "/") {
    for (const Mount& m : mounts_) {
      if (m.name != name) continue;
      n.fs = m.fs;
      ASSIGN_OR_RETURN(n.stat, m.fs->Stat(c, n.rel));
      return std::optional<Node>(std::move(n));
    }
  }
  if (!dir.is_host()) {
    n.fs = dir.fs;
    n.rel = dir.rel;
    n.rel.emplace_back(name);
    Result<abi::linux::Stat> st = n.fs->Stat(c, n.rel);
    if (!st.ok()) {
      if (st.error() == Errno(ENOENT)) return std::optional<Node>();
      return st.error();
    }
    n.stat = *st;
    return std::optional<Node>(std::move(n));
  }
  if (policy_ != nullptr && policy_->IsHidden(n.path)) return std::optional<Node>();
  const std::string host_name(name);
  n.fd.reset(openat(dir.fd.get(), host_name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!n.fd.valid()) {
    if (errno == ENOENT) return std::optional<Node>();
    return LastErrno();
  }
  ASSIGN_OR_RETURN(n.stat, StatFd(n.fd.get()));
  if (!Policy::IsVisibleType(n.stat.mode)) return std::optional<Node>();
  return std::optional<Node>(std::move(n));
}

Result<Node> Walker::Rewalk(const std::vector<Level>& levels) const {
  ASSIGN_OR_RETURN(Node cur, Root());
  for (const Level& l : levels) {
    Node next;
    next.path = JoinPath(cur.path, l.name);
    next.fd.reset(
        openat(cur.fd.get(), l.name.c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
    if (!next.fd.valid()) return Errno(ENOENT);
    ASSIGN_OR_RETURN(next.stat, StatFd(next.fd.get()));
    // Moved or replaced on the host while we walked: it is gone for the guest.
    if (next.stat.dev != l.dev || next.stat.ino != l.ino) return Errno(ENOENT);
    cur = std::move(next);
  }
  return cur;
}

Result<Node> Walker::Up(const vfs::Caller& c, Node cur, std::vector<Level>& levels) const {
  if (levels.empty()) return cur;  // "/.." is "/"
  levels.pop_back();
  if (levels.empty()) return Root();
  Node parent;
  parent.path = ParentPath(cur.path);
  if (!cur.is_host()) {
    parent.fs = cur.fs;
    parent.rel.assign(cur.rel.begin(), cur.rel.end() - 1);
    ASSIGN_OR_RETURN(parent.stat, parent.fs->Stat(c, parent.rel));
    return parent;
  }
  // The host's ".." is the directory we came from unless the host moved things
  // meanwhile; the recorded identity tells, and a re-walk from the root settles it.
  parent.fd.reset(openat(cur.fd.get(), "..", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (parent.fd.valid()) {
    Result<abi::linux::Stat> st = StatFd(parent.fd.get());
    if (st.ok() && st->dev == levels.back().dev && st->ino == levels.back().ino) {
      parent.stat = *st;
      return parent;
    }
  }
  return Rewalk(levels);
}

Result<Resolution> Walker::Resolve(const vfs::Caller& c, std::string_view path, bool follow) const {
  if (path.empty()) return Errno(ENOENT);
  if (path.front() != '/' || path.find('\0') != std::string_view::npos) return Errno(EINVAL);
  if (path.size() >= vfs::kPathMax) return Errno(ENAMETOOLONG);
  ASSIGN_OR_RETURN(Node cur, Root());
  std::vector<Level> levels;
  std::string remaining(path);
  size_t pos = 0;
  int links = 0;
  for (;;) {
    while (pos < remaining.size() && remaining[pos] == '/') ++pos;
    if (pos == remaining.size()) {
      // Nothing but slashes: the path names the directory we stand on.
      Resolution r;
      r.name = "/";
      r.node = std::move(cur);
      return r;
    }
    size_t end = remaining.find('/', pos);
    if (end == std::string::npos) end = remaining.size();
    std::string name = remaining.substr(pos, end - pos);
    size_t next = end;
    while (next < remaining.size() && remaining[next] == '/') ++next;
    const bool last = next == remaining.size();
    const bool trailing = last && end < remaining.size();
    pos = end;
    if (name.size() > vfs::kNameMax) return Errno(ENAMETOOLONG);

    if (name == "." || name == "..") {
      if (name == "..") {
        ASSIGN_OR_RETURN(cur, Up(c, std::move(cur), levels));
      }
      if (!last) continue;
      Resolution r;
      r.name = std::move(name);
      r.node = std::move(cur);
      r.trailing_slash = trailing;
      return r;
    }

    RETURN_IF_ERROR(CheckPermission(c.creds, cur.stat, kMayExec));
    ASSIGN_OR_RETURN(std::optional<Node> child, Lookup(c, cur, name));
    if (!child) {
      if (!last) return Errno(ENOENT);
      Resolution r;
      r.parent = std::move(cur);
      r.name = std::move(name);
      r.trailing_slash = trailing;
      return r;
    }

    if (child->is_symlink() && (!last || follow || trailing)) {
      if (++links > vfs::kMaxSymlinks) return Errno(ELOOP);
      ASSIGN_OR_RETURN(std::string target, ReadLink(c, *child));
      if (target.empty()) return Errno(ENOENT);
      if (target.find('\0') != std::string::npos) return Errno(ENOENT);
      if (target.front() == '/') {
        // Absolute targets start again at the guest root: the host root.
        ASSIGN_OR_RETURN(cur, Root());
        levels.clear();
      }
      remaining = target + remaining.substr(pos);
      pos = 0;
      continue;
    }

    if (child->is_dir()) {
      if (last) {
        Resolution r;
        r.parent = std::move(cur);
        r.name = std::move(name);
        r.node = std::move(child);
        r.trailing_slash = trailing;
        return r;
      }
      levels.push_back({name, child->stat.dev, child->stat.ino});
      cur = std::move(*child);
      continue;
    }

    // A file (or a symlink not followed): it can only end the path.
    if (!last || trailing) return Errno(ENOTDIR);
    Resolution r;
    r.parent = std::move(cur);
    r.name = std::move(name);
    r.node = std::move(child);
    return r;
  }
}

}  // namespace kekkai::fs::hostview

// FileServer: the requests that change names (Link, Unlink, Rename).
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "gofer/file_server.h"
#include "gofer/policy.h"

namespace kekkai::gofer {

namespace {

// Returns whether `path` is `prefix` or lies below it.
bool IsAtOrUnder(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || prefix == "/" || path[prefix.size()] == '/';
}

// Returns the type of the entry `name` in `dir`, not following a symlink; 0 if
// there is none.
Result<uint32_t> EntryType(int dir, const std::string& name) {
  struct stat st;
  if (fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return 0u;
    return LastErrno();
  }
  return st.st_mode & S_IFMT;
}

}  // namespace

Result<void> FileServer::HandleLink(MessageReader& in, Reply&) {
  ASSIGN_OR_RETURN(const LinkRequest req, in.Get<LinkRequest>());
  ASSIGN_OR_RETURN(const std::string_view name, in.GetString());
  RETURN_IF_ERROR(in.ExpectEnd());
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> dir, GetDir(req.dir));
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> target, GetNode(req.target));
  if (target->tree != dir->tree) return Errno(EXDEV);
  RETURN_IF_ERROR(CheckWritable(*dir));
  RETURN_IF_ERROR(ValidateName(name));
  if (target->type == S_IFDIR) return Errno(EPERM);
  if (IsHidden(dir->tree, ChildPath(*dir, name))) return Errno(EACCES);
  const std::string cname(name);
  // Links the inode the fid holds, never what a name leads to now.
  if (linkat(target->fd.get(), "", dir->fd.get(), cname.c_str(), AT_EMPTY_PATH) != 0) {
    return LastErrno();
  }
  return Ok();
}

Result<void> FileServer::HandleUnlink(MessageReader& in, Reply&) {
  ASSIGN_OR_RETURN(const UnlinkRequest req, in.Get<UnlinkRequest>());
  ASSIGN_OR_RETURN(const std::string_view name, in.GetString());
  RETURN_IF_ERROR(in.ExpectEnd());
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> dir, GetDir(req.dir));
  RETURN_IF_ERROR(CheckWritable(*dir));
  RETURN_IF_ERROR(ValidateName(name));
  if ((req.flags & ~static_cast<uint32_t>(AT_REMOVEDIR)) != 0) return Errno(EINVAL);
  // What the sentry cannot see does not exist for it: it cannot remove it either.
  if (IsHidden(dir->tree, ChildPath(*dir, name))) return Errno(ENOENT);
  const std::string cname(name);
  ASSIGN_OR_RETURN(const uint32_t type, EntryType(dir->fd.get(), cname));
  if (type == 0 || !Policy::IsVisibleType(type)) return Errno(ENOENT);
  if (unlinkat(dir->fd.get(), cname.c_str(), static_cast<int>(req.flags)) != 0) {
    return LastErrno();
  }
  return Ok();
}

Result<void> FileServer::HandleRename(MessageReader& in, Reply&) {
  ASSIGN_OR_RETURN(const RenameRequest req, in.Get<RenameRequest>());
  ASSIGN_OR_RETURN(const std::string_view old_name, in.GetString());
  ASSIGN_OR_RETURN(const std::string_view new_name, in.GetString());
  RETURN_IF_ERROR(in.ExpectEnd());
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> old_dir, GetDir(req.old_dir));
  ASSIGN_OR_RETURN(std::shared_ptr<HostNode> new_dir, GetDir(req.new_dir));
  if (old_dir->tree != new_dir->tree) return Errno(EXDEV);
  RETURN_IF_ERROR(CheckWritable(*old_dir));
  RETURN_IF_ERROR(ValidateName(old_name));
  RETURN_IF_ERROR(ValidateName(new_name));
  const bool exchange = (req.flags & RENAME_EXCHANGE) != 0;
  if ((req.flags & ~static_cast<uint32_t>(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0 ||
      (exchange && (req.flags & RENAME_NOREPLACE) != 0)) {
    return Errno(EINVAL);
  }
  const uint32_t tree = old_dir->tree;
  const std::string old_path = ChildPath(*old_dir, old_name);
  const std::string new_path = ChildPath(*new_dir, new_name);
  if (IsHidden(tree, old_path)) return Errno(ENOENT);
  if (IsHidden(tree, new_path)) return Errno(exchange ? ENOENT : EACCES);
  const std::string cold(old_name);
  const std::string cnew(new_name);
  ASSIGN_OR_RETURN(const uint32_t old_type, EntryType(old_dir->fd.get(), cold));
  if (old_type == 0 || !Policy::IsVisibleType(old_type)) return Errno(ENOENT);
  ASSIGN_OR_RETURN(const uint32_t new_type, EntryType(new_dir->fd.get(), cnew));
  // Never replace (or move) a host entry the sentry cannot see.
  if (new_type != 0 && !Policy::IsVisibleType(new_type)) return Errno(exchange ? ENOENT : EACCES);
  if (renameat2(old_dir->fd.get(), cold.c_str(), new_dir->fd.get(), cnew.c_str(), req.flags) != 0) {
    return LastErrno();
  }

  // Fids of the moved nodes, and of everything below them, follow the move. A fid
  // of a replaced node keeps its old name, which now leads elsewhere: operations by
  // name on it fail with ESTALE.
  fids_.ForEach([&](HostNode& n) {
    if (n.tree != tree) return;
    auto move = [&n](const std::string& from, const std::string& to,
                     const std::shared_ptr<HostNode>& to_dir, std::string_view to_name) {
      if (!IsAtOrUnder(n.path, from)) return false;
      if (n.path.size() == from.size()) {
        n.parent = to_dir;
        n.name = to_name;
      }
      n.path = to + n.path.substr(from.size());
      return true;
    };
    if (move(old_path, new_path, new_dir, new_name)) return;
    if (exchange) move(new_path, old_path, old_dir, old_name);
  });
  return Ok();
}

}  // namespace kekkai::gofer

#include "fs/tmpfs/node.h"

#include <utility>

namespace kekkai::fs::tmpfs {

namespace linux = abi::linux;

namespace {

// The pages `bytes` of extended attributes are charged as.
uint64_t XattrPages(size_t bytes) { return (bytes + kPageSize - 1) / kPageSize; }

bool NotAfter(const linux::Timespec& a, const linux::Timespec& b) {
  return a.sec < b.sec || (a.sec == b.sec && a.nsec <= b.nsec);
}

}  // namespace

Node::Node(std::shared_ptr<Tmpfs> fs, const vfs::NewNode& node)
    : vfs::Inode(node.mode),
      mode_(node.mode),
      uid_(node.uid),
      gid_(node.gid),
      rdev_(node.rdev),
      fs_(std::move(fs)),
      ino_(fs_->NextIno()) {
  atime_ = mtime_ = ctime_ = Now();
}

Result<linux::Stat> Node::Stat() {
  linux::Stat st{};
  st.dev = fs_->device();
  st.ino = ino_;
  st.blksize = static_cast<int64_t>(kPageSize);
  std::lock_guard<std::mutex> l(mu_);
  st.mode = mode_;
  st.nlink = nlink_;
  st.uid = uid_;
  st.gid = gid_;
  st.rdev = rdev_;
  st.atime = atime_;
  st.mtime = mtime_;
  st.ctime = ctime_;
  FillStatLocked(st);
  return st;
}

Result<void> Node::SetStat(const vfs::SetAttr& attr) {
  if (attr.mask & vfs::SetAttr::kSize) RETURN_IF_ERROR(Truncate(attr.size));
  std::lock_guard<std::mutex> l(mu_);
  if (attr.mask & vfs::SetAttr::kMode) mode_ = (mode_ & linux::kSIfmt) | (attr.mode & 07777);
  if (attr.mask & vfs::SetAttr::kUid) uid_ = attr.uid;
  if (attr.mask & vfs::SetAttr::kGid) gid_ = attr.gid;
  if (attr.mask & vfs::SetAttr::kAtime) atime_ = attr.atime;
  if (attr.mask & vfs::SetAttr::kMtime) mtime_ = attr.mtime;
  if (attr.mask & vfs::SetAttr::kCtime) ctime_ = attr.ctime;
  return Ok();
}

Result<std::string> Node::GetXattr(std::string_view name) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = xattrs_.find(name);
  if (it == xattrs_.end()) return Errno(ENODATA);
  return it->second;
}

Node::~Node() { fs_->Uncharge(XattrPages(xattr_bytes_)); }

Result<void> Node::SetXattr(std::string_view name, std::string_view value, uint32_t flags) {
  const linux::Timespec now = Now();
  std::lock_guard<std::mutex> l(mu_);
  auto it = xattrs_.find(name);
  if (it != xattrs_.end() && (flags & vfs::kXattrCreate)) return Errno(EEXIST);
  if (it == xattrs_.end() && (flags & vfs::kXattrReplace)) return Errno(ENODATA);
  const size_t old_bytes = it == xattrs_.end() ? 0 : name.size() + it->second.size();
  const size_t bytes = xattr_bytes_ - old_bytes + name.size() + value.size();
  if (bytes > kXattrSpace) return Errno(ENOSPC);
  const uint64_t had = XattrPages(xattr_bytes_), needs = XattrPages(bytes);
  if (needs > had) RETURN_IF_ERROR(fs_->Charge(needs - had));
  if (needs < had) fs_->Uncharge(had - needs);
  if (it == xattrs_.end()) {
    xattrs_.emplace(std::string(name), std::string(value));
  } else {
    it->second.assign(value);
  }
  xattr_bytes_ = bytes;
  ctime_ = now;
  return Ok();
}

Result<std::vector<std::string>> Node::ListXattr() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> names;
  names.reserve(xattrs_.size());
  for (const auto& [name, value] : xattrs_) names.push_back(name);
  return names;
}

Result<void> Node::RemoveXattr(std::string_view name) {
  const linux::Timespec now = Now();
  std::lock_guard<std::mutex> l(mu_);
  auto it = xattrs_.find(name);
  if (it == xattrs_.end()) return Errno(ENODATA);
  const uint64_t had = XattrPages(xattr_bytes_);
  xattr_bytes_ -= it->first.size() + it->second.size();
  xattrs_.erase(it);
  fs_->Uncharge(had - XattrPages(xattr_bytes_));
  ctime_ = now;
  return Ok();
}

Result<void> Node::Truncate(uint64_t) { return Errno(is_dir() ? EISDIR : EINVAL); }

uint64_t Node::nlink() const {
  std::lock_guard<std::mutex> l(mu_);
  return nlink_;
}

void Node::AddName(const linux::Timespec& now) {
  std::lock_guard<std::mutex> l(mu_);
  ++nlink_;
  ctime_ = now;
}

void Node::DropName(const linux::Timespec& now) {
  std::lock_guard<std::mutex> l(mu_);
  if (nlink_ > 0) --nlink_;
  ctime_ = now;
}

void Node::TouchCtime(const linux::Timespec& now) {
  std::lock_guard<std::mutex> l(mu_);
  ctime_ = now;
}

void Node::TouchAtime(const linux::Timespec& now) {
  constexpr int64_t kDay = 24 * 60 * 60;
  std::lock_guard<std::mutex> l(mu_);
  if (NotAfter(atime_, mtime_) || NotAfter(atime_, ctime_) || now.sec - atime_.sec >= kDay) {
    atime_ = now;
  }
}

SymlinkNode::SymlinkNode(std::shared_ptr<Tmpfs> fs, const vfs::NewNode& node, std::string target)
    : Node(std::move(fs), node), target_(std::move(target)) {}

Result<std::string> SymlinkNode::Readlink() {
  TouchAtime(Now());
  return target_;
}

Result<vfs::FileRef> SymlinkNode::Open(uint32_t) { return Errno(ELOOP); }

void SymlinkNode::FillStatLocked(linux::Stat& st) const {
  st.size = static_cast<int64_t>(target_.size());
}

SpecialNode::SpecialNode(std::shared_ptr<Tmpfs> fs, const vfs::NewNode& node)
    : Node(std::move(fs), node),
      pipe_((node.mode & linux::kSIfmt) == linux::kSIfifo
                ? std::make_shared<pipe::Pipe>(/*fifo=*/true, node.uid, node.gid)
                : nullptr) {}

Result<vfs::FileRef> SpecialNode::Open(uint32_t flags) {
  if (pipe_) return pipe::OpenFifo(pipe_, flags);
  return Errno(ENXIO);
}

}  // namespace kekkai::fs::tmpfs

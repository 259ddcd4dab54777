#include "fs/hostview/synthetic_fs.h"

namespace kekkai::fs::hostview {

Result<abi::linux::Stat> DevMount::Stat(const vfs::Caller&,
                                        std::span<const std::string> rel) const {
  if (rel.empty()) return dev_.RootStat();
  if (rel.size() > 1) return Errno(ENOENT);
  return dev_.Stat(rel[0]);
}

Result<std::string> DevMount::Readlink(const vfs::Caller&, std::span<const std::string> rel) const {
  if (rel.empty()) return Errno(EINVAL);
  if (rel.size() > 1) return Errno(ENOENT);
  return dev_.Readlink(rel[0]);
}

Result<std::vector<std::string>> DevMount::List(const vfs::Caller&,
                                                std::span<const std::string> rel) const {
  if (rel.empty()) return dev_.Names();
  if (rel.size() > 1) return Errno(ENOENT);
  RETURN_IF_ERROR(dev_.Stat(rel[0]));
  return Errno(ENOTDIR);
}

Result<vfs::FileRef> DevMount::Open(const vfs::Caller&, std::span<const std::string> rel,
                                    uint32_t flags) const {
  if (rel.size() != 1) return Errno(ENOENT);
  return dev_.Open(rel[0], flags);
}

Result<vfs::FileRef> ProcMount::Open(const vfs::Caller&, std::span<const std::string>,
                                     uint32_t) const {
  return Errno(ENOENT);
}

}  // namespace kekkai::fs::hostview

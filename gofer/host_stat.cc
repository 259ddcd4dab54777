#include "gofer/host_stat.h"

#include <cerrno>

namespace kekkai::gofer {

abi::linux::Stat ToAbiStat(const struct stat& st) {
  abi::linux::Stat out{};
  out.dev = st.st_dev;
  out.ino = st.st_ino;
  out.nlink = st.st_nlink;
  out.mode = st.st_mode;
  out.uid = st.st_uid;
  out.gid = st.st_gid;
  out.rdev = st.st_rdev;
  out.size = st.st_size;
  out.blksize = st.st_blksize;
  out.blocks = st.st_blocks;
  out.atime = {st.st_atim.tv_sec, st.st_atim.tv_nsec};
  out.mtime = {st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  out.ctime = {st.st_ctim.tv_sec, st.st_ctim.tv_nsec};
  return out;
}

StatfsReply ToStatfsReply(const struct statfs& st) {
  StatfsReply out{};
  out.type = st.f_type;
  out.bsize = st.f_bsize;
  out.blocks = st.f_blocks;
  out.bfree = st.f_bfree;
  out.bavail = st.f_bavail;
  out.files = st.f_files;
  out.ffree = st.f_ffree;
  static_assert(sizeof(st.f_fsid) == sizeof(out.fsid));
  __builtin_memcpy(out.fsid, &st.f_fsid, sizeof(out.fsid));
  out.namelen = st.f_namelen;
  out.frsize = st.f_frsize;
  out.flags = st.f_flags;
  return out;
}

Result<abi::linux::Stat> StatFd(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return LastErrno();
  return ToAbiStat(st);
}

}  // namespace kekkai::gofer

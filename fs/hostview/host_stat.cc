#include "fs/hostview/host_stat.h"

namespace kekkai::fs::hostview {

abi::linux::Stat ToLinuxStat(const struct stat& st) {
  abi::linux::Stat s{};
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.nlink = st.st_nlink;
  s.mode = st.st_mode;
  s.uid = st.st_uid;
  s.gid = st.st_gid;
  s.rdev = st.st_rdev;
  s.size = st.st_size;
  s.blksize = st.st_blksize;
  s.blocks = st.st_blocks;
  s.atime = {st.st_atim.tv_sec, st.st_atim.tv_nsec};
  s.mtime = {st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  s.ctime = {st.st_ctim.tv_sec, st.st_ctim.tv_nsec};
  return s;
}

}  // namespace kekkai::fs::hostview

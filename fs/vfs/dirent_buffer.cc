#include "fs/vfs/dirent_buffer.h"

#include <sys/stat.h>

#include <cstring>

namespace kekkai::fs::vfs {

namespace {

// struct linux_dirent64 without its flexible name.
struct [[gnu::packed]] Dirent64Header {
  uint64_t ino;
  int64_t off;
  uint16_t reclen;
  uint8_t type;
};
static_assert(sizeof(Dirent64Header) == kDirentHeaderSize);

}  // namespace

uint8_t DirentType(uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return kDtReg;
    case S_IFDIR:
      return kDtDir;
    case S_IFLNK:
      return kDtLnk;
    case S_IFCHR:
      return kDtChr;
    case S_IFBLK:
      return kDtBlk;
    case S_IFIFO:
      return kDtFifo;
    case S_IFSOCK:
      return kDtSock;
    default:
      return kDtUnknown;
  }
}

DirentBuffer::DirentBuffer(size_t capacity) : capacity_(capacity) {}

bool DirentBuffer::Append(uint64_t ino, int64_t off, uint8_t type, std::string_view name) {
  const size_t reclen = DirentRecordSize(name.size());
  if (reclen > capacity_ - buf_.size()) return false;
  const size_t at = buf_.size();
  buf_.resize(at + reclen);  // zero-fills the NUL and the padding
  const Dirent64Header h{ino, off, static_cast<uint16_t>(reclen), type};
  std::memcpy(buf_.data() + at, &h, sizeof(h));
  std::memcpy(buf_.data() + at + sizeof(h), name.data(), name.size());
  return true;
}

}  // namespace kekkai::fs::vfs

#include "tests/syscalls/util/mapping.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <sys/mman.h>

namespace kekkai::syscall_test {

void Mapping::reset() {
  if (addr_ == nullptr) return;
  if (munmap(addr_, len_) != 0) {
    ADD_FAILURE() << "munmap(" << addr_ << ", " << len_
                  << ") of an owned mapping: " << ErrnoName(errno);
  }
  addr_ = nullptr;
  len_ = 0;
}

ErrnoOr<Mapping> MmapFile(size_t len, int prot, int flags, int fd, off_t offset) {
  void* p = mmap(nullptr, len, prot, flags, fd, offset);
  if (p == MAP_FAILED) return ErrnoOr<Mapping>::Error(errno, "mmap");
  return Mapping(p, len);
}

ErrnoOr<Mapping> MmapAnon(size_t len, int prot, int flags, void* addr) {
  if ((flags & MAP_TYPE) == 0) flags |= MAP_PRIVATE;
  void* p = mmap(addr, len, prot, flags | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return ErrnoOr<Mapping>::Error(errno, "mmap(anonymous)");
  return Mapping(p, len);
}

ErrnoOr<uintptr_t> FindFreeRange(size_t pages) {
  const size_t len = pages * kPageSize;
  void* p = mmap(nullptr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return ErrnoOr<uintptr_t>::Error(errno, "mmap(PROT_NONE)");
  if (munmap(p, len) != 0) return ErrnoOr<uintptr_t>::Error(errno, "munmap");
  return reinterpret_cast<uintptr_t>(p);
}

}  // namespace kekkai::syscall_test

// Mapping: owns one range of the address space, unmapped on destruction (a failing
// munmap is a test failure); MmapAnon makes one.
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_MAPPING_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_MAPPING_H_

#include <stddef.h>
#include <stdint.h>

#include <utility>

#include "tests/syscalls/util/errno_or.h"

namespace kekkai::syscall_test {

// The page size of x86-64 Linux; tests assert it matches sysconf(_SC_PAGESIZE).
inline constexpr size_t kPageSize = 4096;

class Mapping {
 public:
  Mapping() = default;
  Mapping(void* addr, size_t len) : addr_(addr), len_(len) {}
  Mapping(Mapping&& o) noexcept
      : addr_(std::exchange(o.addr_, nullptr)), len_(std::exchange(o.len_, 0)) {}
  Mapping& operator=(Mapping&& o) noexcept {
    if (this != &o) {
      reset();
      addr_ = std::exchange(o.addr_, nullptr);
      len_ = std::exchange(o.len_, 0);
    }
    return *this;
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { reset(); }

  void* ptr() const { return addr_; }
  char* bytes() const { return static_cast<char*>(addr_); }
  uintptr_t addr() const { return reinterpret_cast<uintptr_t>(addr_); }
  uintptr_t end() const { return addr() + len_; }
  size_t len() const { return len_; }

  // Gives up ownership (the range stays mapped).
  void release() {
    addr_ = nullptr;
    len_ = 0;
  }
  // Unmaps the range now.
  void reset();

 private:
  void* addr_ = nullptr;
  size_t len_ = 0;
};

// Returns mmap(addr, len, prot, flags | MAP_ANONYMOUS, -1, 0) as an owned range.
// Without MAP_SHARED in `flags`, the mapping is private.
ErrnoOr<Mapping> MmapAnon(size_t len, int prot, int flags = 0, void* addr = nullptr);

// Returns mmap(nullptr, len, prot, flags, fd, offset) of a file as an owned range.
ErrnoOr<Mapping> MmapFile(size_t len, int prot, int flags, int fd, off_t offset = 0);

// Returns the start of `pages` pages that were free when this returned (mapped,
// then unmapped): somewhere MAP_FIXED can place things without clobbering.
ErrnoOr<uintptr_t> FindFreeRange(size_t pages);

}  // namespace kekkai::syscall_test

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_MAPPING_H_

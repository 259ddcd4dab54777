// getdents64(2) for the file tests: reads a directory fd to its end and checks
// every record's layout on the way.
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_DIRENTS_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_DIRENTS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kekkai::syscall_test {

struct Dirent64 {
  std::string name;
  uint64_t ino = 0;
  int64_t off = 0;
  unsigned char type = 0;
};

// Reads `fd` to its end with getdents64 and a `bufsize` buffer, in order. Each
// record must be 8-byte aligned in size, lie within what the call returned, hold a
// NUL-terminated name and a non-zero inode number (non-fatal failures otherwise).
std::vector<Dirent64> ReadDirents(int fd, size_t bufsize);

}  // namespace kekkai::syscall_test

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_DIRENTS_H_

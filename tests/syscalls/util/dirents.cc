#include "tests/syscalls/util/dirents.h"

#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {

std::vector<Dirent64> ReadDirents(int fd, size_t bufsize) {
  std::vector<Dirent64> entries;
  std::vector<char> buf(bufsize);
  for (int calls = 0; calls < 100000; ++calls) {
    const long n = syscall(SYS_getdents64, fd, buf.data(), buf.size());
    EXPECT_THAT(n, SyscallSucceeds());
    if (n <= 0) break;
    for (long pos = 0; pos < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf.data() + pos);
      const size_t name_len = strnlen(d->d_name, d->d_reclen - offsetof(struct dirent64, d_name));
      EXPECT_EQ(d->d_reclen % 8, 0) << d->d_name;
      EXPECT_LE(pos + d->d_reclen, n);
      EXPECT_LT(offsetof(struct dirent64, d_name) + name_len, static_cast<size_t>(d->d_reclen))
          << "no NUL in the record";
      EXPECT_NE(d->d_ino, 0u) << d->d_name;
      entries.push_back({std::string(d->d_name, name_len), d->d_ino, d->d_off, d->d_type});
      pos += d->d_reclen;
    }
  }
  return entries;
}

}  // namespace kekkai::syscall_test

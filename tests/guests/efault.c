// Hands write(2) pointers that point at nothing: each must fail with EFAULT,
// and nothing must crash.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int Check(const char* what, uintptr_t addr, size_t len) {
  errno = 0;
  // The raw syscall: glibc must not get a chance to touch the buffer.
  const long ret = syscall(SYS_write, 1, (const void*)addr, len);
  if (ret != -1 || errno != EFAULT) {
    printf("write(1, %s %#lx, %zu) = %ld, errno %d (%s); want -1, EFAULT\n", what,
           (unsigned long)addr, len, ret, errno, strerror(errno));
    return 1;
  }
  return 0;
}

int main(void) {
  int bad = 0;
  bad |= Check("low", 0x10, 10);
  bad |= Check("non-canonical", 0xdead000000000000ul, 10);
  bad |= Check("kernel-half", 0xffff880000000000ul, 10);
  // A range that starts in the user half and runs off its end.
  bad |= Check("user-top", 0x00007ffffffff000ul, 0x2000);
  if (bad) return 1;
  printf("EFAULT ok\n");
  return 0;
}

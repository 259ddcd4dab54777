// Calls a syscall number no kernel has (999): it must fail with ENOSYS and the
// program must go on running.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  errno = 0;
  const long ret = syscall(999, 1, 2, 3, 4, 5, 6);
  if (ret != -1 || errno != ENOSYS) {
    printf("syscall(999) = %ld, errno %d (%s); want -1, ENOSYS\n", ret, errno, strerror(errno));
    return 1;
  }
  printf("still alive\n");
  return 0;
}

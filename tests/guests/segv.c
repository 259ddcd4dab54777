// Writes through a NULL pointer: the program must die of SIGSEGV (under kekkai,
// kekkai exits 139). It says so first, so a test can tell the guest ran.
#include <stdio.h>

int main(void) {
  printf("about to fault\n");
  fflush(stdout);
  volatile int* volatile p = 0;
  *p = 42;
  printf("survived a NULL write\n");
  return 1;
}

// A static hello-world: the first program kekkai must run.
#include <stdio.h>

int main(void) {
  printf("hello, world\n");
  return 0;
}

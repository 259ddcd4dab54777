// Reads 8 KiB of stdin into a buffer whose second page is PROT_NONE: Linux fills
// the first page and leaves the rest in the pipe, so a second read gets it. Prints
// both counts ("4096 4096").
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void) {
  char* p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || mprotect(p + 4096, 4096, PROT_NONE) != 0) return 2;
  const ssize_t first = read(0, p, 8192);
  const ssize_t second = read(0, p, 4096);
  printf("%zd %zd\n", first, second);
  return 0;
}

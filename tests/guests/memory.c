// Memory syscalls as Linux defines them: mmap/munmap/mprotect/mremap/madvise/brk.
// Prints "memory ok" and exits 0; a mismatch prints what differed and exits 1.
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static sigjmp_buf jump;
static void OnSegv(int sig) {
  (void)sig;
  siglongjmp(jump, 1);
}

static int Faults(volatile char* p, int write) {
  if (sigsetjmp(jump, 1) == 0) {
    if (write) *p = 1;
    else (void)*p;
    return 0;
  }
  return 1;
}

int main(void) {
  const size_t pg = 4096;
  signal(SIGSEGV, OnSegv);

  // Anonymous private memory is zeroed and writable.
  char* a = mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(a != MAP_FAILED);
  for (size_t i = 0; i < 16 * pg; i += pg) CHECK(a[i] == 0);
  memset(a, 0x5a, 16 * pg);

  // Argument errors.
  CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
  CHECK(mmap((void*)0x10001, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED && errno == EINVAL);
  CHECK(mmap(NULL, pg, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
  CHECK(mmap(a, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED && errno == EEXIST);
  CHECK(munmap(a + 1, pg) == -1 && errno == EINVAL);

  // mprotect: read-only pages fault on write, not on read.
  CHECK(mprotect(a + 4 * pg, pg, PROT_READ) == 0);
  CHECK(!Faults(a + 4 * pg, 0));
  CHECK(Faults(a + 4 * pg, 1));
  CHECK(a[4 * pg] == 0x5a);
  CHECK(mprotect(a + 4 * pg, pg, PROT_NONE) == 0);
  CHECK(Faults(a + 4 * pg, 0));
  CHECK(mprotect(a + 4 * pg, pg, PROT_READ | PROT_WRITE) == 0);
  CHECK(a[4 * pg] == 0x5a);

  // munmap in the middle leaves a hole; mprotect over the hole fails with ENOMEM.
  CHECK(munmap(a + 8 * pg, pg) == 0);
  CHECK(Faults(a + 8 * pg, 0));
  CHECK(mprotect(a + 7 * pg, 3 * pg, PROT_READ) == -1 && errno == ENOMEM);
  CHECK(a[9 * pg] == 0x5a);

  // madvise(DONTNEED) zeroes private pages.
  CHECK(madvise(a, pg, MADV_DONTNEED) == 0);
  CHECK(a[0] == 0 && a[pg] == 0x5a);

  // mremap: grow with move keeps the data.
  char* b = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(b != MAP_FAILED);
  strcpy(b, "remapped");
  char* c = mremap(b, 2 * pg, 64 * pg, MREMAP_MAYMOVE);
  CHECK(c != MAP_FAILED);
  CHECK(strcmp(c, "remapped") == 0);
  c[63 * pg] = 1;
  c = mremap(c, 64 * pg, pg, 0);
  CHECK(c != MAP_FAILED && strcmp(c, "remapped") == 0);

  // Shared anonymous memory.
  int* s = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(s != MAP_FAILED);
  *s = 42;
  CHECK(*s == 42);

  // brk: grows, is zeroed, shrinks.
  char* cur = (char*)syscall(SYS_brk, 0);
  char* grown = (char*)syscall(SYS_brk, cur + 64 * pg);
  CHECK(grown == cur + 64 * pg);
  CHECK(cur[10] == 0);
  cur[10] = 7;
  CHECK((char*)syscall(SYS_brk, cur) == cur);
  CHECK((char*)syscall(SYS_brk, cur + pg) == cur + pg);
  CHECK(cur[10] == 0);

  // A big allocation through malloc (mmap-backed) works.
  size_t big = 64 << 20;
  char* m = malloc(big);
  CHECK(m != NULL);
  memset(m, 1, big);
  CHECK(m[big - 1] == 1);
  free(m);

  // Bad pointers to the kernel are EFAULT, not a crash.
  CHECK(syscall(SYS_write, 1, (void*)8, 1) == -1 && errno == EFAULT);
  CHECK(syscall(SYS_clock_gettime, 0, (void*)0x10) == -1 && errno == EFAULT);

  printf("memory ok\n");
  return 0;
}

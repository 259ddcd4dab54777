// The getpid round-trip benchmark: N (argv[1], default 1000000) raw getpid
// syscalls timed with CLOCK_MONOTONIC; prints `ns_per_call <float>`.
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long n = 1000000;
  if (argc > 1) n = strtol(argv[1], NULL, 10);
  if (n <= 0) {
    fprintf(stderr, "usage: %s [ITERATIONS > 0]\n", argv[0]);
    return 2;
  }
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long i = 0; i < n; i++) syscall(SYS_getpid);
  clock_gettime(CLOCK_MONOTONIC, &end);
  const double ns =
      (double)(end.tv_sec - start.tv_sec) * 1e9 + (double)(end.tv_nsec - start.tv_nsec);
  printf("ns_per_call %.1f\n", ns / (double)n);
  return 0;
}

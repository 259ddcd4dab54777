// A file-operation loop for the benchmarks: `file_loop stat PATH N` calls stat(2) N
// times; `file_loop open_read PATH N` does open + read 4 KiB + close N times.
// Prints "ns_per_call <float>" (one stat, or one open+read+close).
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double NowNs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s stat|open_read PATH N\n", argv[0]);
    return 2;
  }
  const int open_read = strcmp(argv[1], "open_read") == 0;
  const char* path = argv[2];
  const long n = atol(argv[3]);
  static char buf[4096];
  const double t0 = NowNs();
  for (long i = 0; i < n; i++) {
    if (open_read) {
      int fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd < 0 || read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || close(fd) != 0) {
        perror(path);
        return 1;
      }
    } else {
      struct stat st;
      if (stat(path, &st) != 0) {
        perror(path);
        return 1;
      }
    }
  }
  printf("ns_per_call %.1f\n", (NowNs() - t0) / (double)n);
  return 0;
}

// A file-operation loop for the benchmarks. Prints "ns_per_call <float>" for one
// operation:
//   file_loop stat PATH N        stat(2), N times;
//   file_loop open_read PATH N   open + read 4 KiB + close, N times;
//   file_loop getdents DIR N     open DIR + getdents64 to the end + close, N times
//                                (DIR is made with 1,000 empty files first unless
//                                it exists: give a fresh path in tmpfs, or an
//                                existing directory);
//   file_loop write_read PATH MB write MB MiB to a new file PATH in 1 MiB writes,
//                                read it back in 1 MiB reads, unlink it (one call);
//   file_loop metadata DIR N     make the new directory DIR, create N empty files
//                                in it, stat each, unlink each, remove DIR (one
//                                call).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double NowNs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int Fail(const char* what) {
  perror(what);
  return 1;
}

// Makes DIR with 1,000 files unless it exists.
static int MakeDir(const char* dir) {
  if (mkdir(dir, 0755) != 0) return errno == EEXIST ? 0 : Fail(dir);
  char name[4096];
  for (int i = 0; i < 1000; i++) {
    snprintf(name, sizeof(name), "%s/entry-%04d", dir, i);
    int fd = open(name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0 || close(fd) != 0) return Fail(name);
  }
  return 0;
}

static int ListOnce(const char* dir) {
  static char buf[32768];
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Fail(dir);
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
    if (n < 0) return Fail("getdents64");
    if (n == 0) break;
  }
  return close(fd) != 0 ? Fail("close") : 0;
}

static int WriteRead(const char* path, long mb) {
  static char buf[1 << 20];
  memset(buf, 'k', sizeof(buf));
  int fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) return Fail(path);
  for (long i = 0; i < mb; i++) {
    if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) return Fail("write");
  }
  if (lseek(fd, 0, SEEK_SET) != 0) return Fail("lseek");
  for (long i = 0; i < mb; i++) {
    if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) return Fail("read");
  }
  if (close(fd) != 0 || unlink(path) != 0) return Fail(path);
  return 0;
}

// Creates, stats and deletes `n` files in the new directory `dir`.
static int Metadata(const char* dir, long n) {
  if (mkdir(dir, 0755) != 0) return Fail(dir);
  char name[4096];
  for (long i = 0; i < n; i++) {
    snprintf(name, sizeof(name), "%s/file-%06ld", dir, i);
    int fd = open(name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0 || close(fd) != 0) return Fail(name);
  }
  for (long i = 0; i < n; i++) {
    struct stat st;
    snprintf(name, sizeof(name), "%s/file-%06ld", dir, i);
    if (stat(name, &st) != 0 || !S_ISREG(st.st_mode)) return Fail(name);
  }
  for (long i = 0; i < n; i++) {
    snprintf(name, sizeof(name), "%s/file-%06ld", dir, i);
    if (unlink(name) != 0) return Fail(name);
  }
  return rmdir(dir) != 0 ? Fail(dir) : 0;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s stat|open_read|getdents|write_read|metadata PATH N\n",
            argv[0]);
    return 2;
  }
  const char* op = argv[1];
  const char* path = argv[2];
  long n = atol(argv[3]);
  static char buf[4096];
  if (strcmp(op, "write_read") == 0) {
    const double t0 = NowNs();
    if (WriteRead(path, n) != 0) return 1;
    printf("ns_per_call %.1f\n", NowNs() - t0);
    return 0;
  }
  if (strcmp(op, "metadata") == 0) {
    const double t0 = NowNs();
    if (Metadata(path, n) != 0) return 1;
    printf("ns_per_call %.1f\n", NowNs() - t0);
    return 0;
  }
  if (strcmp(op, "getdents") == 0 && MakeDir(path) != 0) return 1;
  const double t0 = NowNs();
  for (long i = 0; i < n; i++) {
    if (strcmp(op, "open_read") == 0) {
      int fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd < 0 || read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || close(fd) != 0) {
        return Fail(path);
      }
    } else if (strcmp(op, "getdents") == 0) {
      if (ListOnce(path) != 0) return 1;
    } else {
      struct stat st;
      if (stat(path, &st) != 0) return Fail(path);
    }
  }
  printf("ns_per_call %.1f\n", (NowNs() - t0) / (double)n);
  return 0;
}

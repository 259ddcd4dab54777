// A path prober for the file-isolation tests, static so it runs in a bare
// --rootfs and as one process (no shell, no fork). Runs the commands of its
// argv in order, one output line each:
//   cat PATH          "cat PATH: <content>" (escaped) or "cat PATH: ENOENT"
//   ls PATH           "ls PATH: a b c" (sorted, without . and ..) or the errno
//   write PATH TEXT   creates or truncates PATH with TEXT: "write PATH: ok" or the errno
//   mkdir PATH        "mkdir PATH: ok" or the errno
//   cd PATH           "cd PATH: ok" or the errno
//   pwd               "pwd: <cwd>"
//   race PATH MS      opens and reads PATH again and again for MS milliseconds;
//                     prints "race PATH: N reads" and then one "  <outcome> <count>"
//                     line per distinct outcome (content or errno), in order of
//                     first appearance.
// Exits 2 on a bad command line, else 0.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { kMaxContent = 256, kMaxNames = 512, kMaxOutcomes = 16 };

static const char* ErrName(int e) {
  const char* name = strerrorname_np(e);
  return name != NULL ? name : "E?";
}

// Appends `s` (of `n` bytes) to `out` with \n, \\ and non-printable bytes escaped.
static void Escape(const char* s, size_t n, char* out, size_t out_size) {
  size_t o = 0;
  for (size_t i = 0; i < n && o + 5 < out_size; i++) {
    const unsigned char c = (unsigned char)s[i];
    if (c == '\n') {
      out[o++] = '\\';
      out[o++] = 'n';
    } else if (c == '\\') {
      out[o++] = '\\';
      out[o++] = '\\';
    } else if (c < 0x20 || c >= 0x7f) {
      o += (size_t)snprintf(out + o, out_size - o, "\\x%02x", c);
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = '\0';
}

// Reads up to kMaxContent bytes of `path` into `out` (escaped); returns 0 or an errno.
static int ReadEscaped(const char* path, char* out, size_t out_size) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char buf[kMaxContent];
  size_t n = 0;
  while (n < sizeof(buf)) {
    const ssize_t r = read(fd, buf + n, sizeof(buf) - n);
    if (r < 0) {
      const int e = errno;
      close(fd);
      return e;
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  close(fd);
  Escape(buf, n, out, out_size);
  return 0;
}

static void Cat(const char* path) {
  char content[kMaxContent * 4 + 1];
  const int e = ReadEscaped(path, content, sizeof(content));
  printf("cat %s: %s\n", path, e == 0 ? content : ErrName(e));
}

static int CompareNames(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

static void Ls(const char* path) {
  DIR* d = opendir(path);
  if (d == NULL) {
    printf("ls %s: %s\n", path, ErrName(errno));
    return;
  }
  static char* names[kMaxNames];
  size_t n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL && n < kMaxNames) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof(names[0]), CompareNames);
  printf("ls %s:", path);
  for (size_t i = 0; i < n; i++) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");
}

static void Write(const char* path, const char* text) {
  const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    printf("write %s: %s\n", path, ErrName(errno));
    return;
  }
  const size_t len = strlen(text);
  const ssize_t w = write(fd, text, len);
  const int e = w < 0 ? errno : (size_t)w != len ? EIO : 0;
  close(fd);
  printf("write %s: %s\n", path, e == 0 ? "ok" : ErrName(e));
}

static double NowMs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void Race(const char* path, long ms) {
  static char outcomes[kMaxOutcomes][96];
  static long counts[kMaxOutcomes + 1];  // the last counts outcomes past the table
  memset(counts, 0, sizeof(counts));
  size_t n_outcomes = 0;
  long reads = 0;
  const double end = NowMs() + (double)ms;
  do {
    char content[kMaxContent * 4 + 1];
    const int e = ReadEscaped(path, content, sizeof(content));
    const char* outcome = e == 0 ? content : ErrName(e);
    size_t i = 0;
    while (i < n_outcomes && strncmp(outcomes[i], outcome, sizeof(outcomes[i]) - 1) != 0) i++;
    if (i == n_outcomes && n_outcomes < kMaxOutcomes) {
      const size_t len = strnlen(outcome, sizeof(outcomes[i]) - 1);
      memcpy(outcomes[i], outcome, len);
      outcomes[i][len] = '\0';
      n_outcomes++;
    }
    counts[i]++;
    reads++;
  } while (NowMs() < end);
  printf("race %s: %ld reads\n", path, reads);
  for (size_t i = 0; i < n_outcomes; i++) printf("  %s %ld\n", outcomes[i], counts[i]);
  if (counts[kMaxOutcomes] > 0) printf("  (other) %ld\n", counts[kMaxOutcomes]);
}

int main(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    const char* cmd = argv[i];
    const int left = argc - i - 1;
    if (strcmp(cmd, "cat") == 0 && left >= 1) {
      Cat(argv[++i]);
    } else if (strcmp(cmd, "ls") == 0 && left >= 1) {
      Ls(argv[++i]);
    } else if (strcmp(cmd, "write") == 0 && left >= 2) {
      Write(argv[i + 1], argv[i + 2]);
      i += 2;
    } else if (strcmp(cmd, "mkdir") == 0 && left >= 1) {
      const char* path = argv[++i];
      printf("mkdir %s: %s\n", path, mkdir(path, 0755) == 0 ? "ok" : ErrName(errno));
    } else if (strcmp(cmd, "cd") == 0 && left >= 1) {
      const char* path = argv[++i];
      printf("cd %s: %s\n", path, chdir(path) == 0 ? "ok" : ErrName(errno));
    } else if (strcmp(cmd, "pwd") == 0) {
      char buf[4096];
      printf("pwd: %s\n", getcwd(buf, sizeof(buf)) != NULL ? buf : ErrName(errno));
    } else if (strcmp(cmd, "race") == 0 && left >= 2) {
      Race(argv[i + 1], atol(argv[i + 2]));
      i += 2;
    } else {
      fprintf(stderr, "path_probe: bad command \"%s\"\n", cmd);
      return 2;
    }
    fflush(stdout);
  }
  return 0;
}

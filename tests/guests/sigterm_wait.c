// Prints `ready` and then blocks forever, with no signal handlers, so a test can
// signal it (or kekkai running it) and see it die of that signal. It blocks in
// futex(FUTEX_WAIT); where that is missing it falls back to pause(2), then to
// read(2) of stdin. If every way to block fails it exits 3, never 0.
#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  printf("ready\n");
  fflush(stdout);
  static int word = 0;
  for (;;) {
    long ret = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    if (ret == -1 && errno == ENOSYS) ret = syscall(SYS_pause);
    if (ret == -1 && errno == ENOSYS) {
      char c;
      ret = syscall(SYS_read, 0, &c, 1);
      if (ret == 0) break;  // stdin closed: nothing left to block on.
    }
    if (ret == -1 && errno != EINTR && errno != EAGAIN) break;
  }
  fprintf(stderr, "sigterm_wait: could not block: %s\n", strerror(errno));
  return 3;
}

// futex(2) on one thread: a value mismatch is EAGAIN, a timed wait times out with
// ETIMEDOUT after about the time asked, a wake with no waiter wakes nobody, and
// nanosleep sleeps. Prints "futex ok" and exits 0, else what differed and 1.
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void) {
  static uint32_t word = 5;
  CHECK(syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0) == -1 && errno == EAGAIN);
  struct timespec t = {0, 50 * 1000 * 1000};
  double start = Now();
  CHECK(syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 5, &t, NULL, 0) == -1 && errno == ETIMEDOUT);
  double waited = Now() - start;
  CHECK(waited >= 0.045 && waited < 2.0);
  CHECK(syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0);
  CHECK(syscall(SYS_futex, (char*)&word + 1, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == -1 && errno == EINVAL);
  CHECK(syscall(SYS_futex, (void*)8, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) == -1 && errno == EFAULT);

  start = Now();
  struct timespec nap = {0, 30 * 1000 * 1000};
  CHECK(nanosleep(&nap, NULL) == 0);
  CHECK(Now() - start >= 0.025);
  struct timespec bad = {0, 1000000000};
  CHECK(nanosleep(&bad, NULL) == -1 && errno == EINVAL);

  printf("futex ok\n");
  return 0;
}

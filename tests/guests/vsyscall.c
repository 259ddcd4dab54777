// Calls time() through the legacy vsyscall page (0xffffffffff600400). Under
// kekkai the sentry must service it (`--strace` shows a `time(` line); on the host
// it runs in the kernel's vsyscall emulation. The reference time comes from
// clock_gettime so this program makes no time(2) syscall of its own.
#include <stdio.h>
#include <time.h>

typedef long (*VsyscallTime)(long*);

int main(void) {
  const VsyscallTime vtime = (VsyscallTime)0xffffffffff600400ul;
  struct timespec before, after;
  clock_gettime(CLOCK_REALTIME, &before);
  const long t1 = vtime(0);
  long stored = -1;
  const long t2 = vtime(&stored);
  clock_gettime(CLOCK_REALTIME, &after);
  const long lo = (long)before.tv_sec - 5, hi = (long)after.tv_sec + 5;
  if (t1 < lo || t1 > hi || t2 < lo || t2 > hi || stored != t2) {
    printf("vsyscall time: %ld, %ld (stored %ld); want within [%ld, %ld]\n", t1, t2, stored, lo,
           hi);
    return 1;
  }
  printf("vsyscall ok\n");
  return 0;
}

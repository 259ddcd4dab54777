// Executes `int $0x80` with eax = 20 (i386 getpid) from 64-bit code. kekkai must
// refuse the i386 entry (-ENOSYS, prints `int80 refused`); the host runs i386
// getpid (prints `int80 native PID`). Anything else fails.
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  long ret = 20;  // __NR_getpid in the i386 table.
  __asm__ volatile("int $0x80"
                   : "+a"(ret)
                   :
                   : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
  const long pid = syscall(SYS_getpid);
  if (ret == -ENOSYS) {
    printf("int80 refused\n");
    return 0;
  }
  if (ret == pid) {
    printf("int80 native %ld\n", ret);
    return 0;
  }
  printf("int80 unexpected %ld (getpid %ld)\n", ret, pid);
  return 1;
}

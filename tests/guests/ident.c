// Prints who the program is: pid, ppid, tid, credentials and host name, one
// `key=value` per line. Under kekkai: pid 1, uid/gid 0, host name `kekkai`.
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(void) {
  struct utsname u;
  if (uname(&u) != 0) {
    perror("uname");
    return 1;
  }
  printf("pid=%ld\n", (long)syscall(SYS_getpid));
  printf("ppid=%ld\n", (long)syscall(SYS_getppid));
  printf("tid=%ld\n", (long)syscall(SYS_gettid));
  printf("uid=%ld euid=%ld gid=%ld egid=%ld\n", (long)syscall(SYS_getuid),
         (long)syscall(SYS_geteuid), (long)syscall(SYS_getgid), (long)syscall(SYS_getegid));
  printf("sysname=%s\n", u.sysname);
  printf("nodename=%s\n", u.nodename);
  printf("machine=%s\n", u.machine);
  return 0;
}

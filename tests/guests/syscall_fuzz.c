// A hostile guest: calls (almost) every syscall number with garbage arguments —
// wild, kernel-half and misaligned pointers, huge lengths, negative fds, random
// flags, and a valid buffer full of random bytes. The sentry must answer every call
// (an error is fine) without crashing, hanging or passing it to the host. Calls
// that would end or stop this program (exit, signals to itself, sigreturn, TLS and
// memory-map changes, fork/exec, timers) or block by design (sleeps, waits, pipes)
// are skipped.
//
// With the argument "risky" it instead fuzzes the calls that may legitimately end
// this program (memory maps, TLS, signal dispositions, fds, limits): the program may
// then die of a signal, but the sentry must still answer and exit cleanly.
//
// Prints "fuzz done <calls>" on a private duplicate of stdout and exits 0. Only run
// sandboxed: on the host these calls would run for real, as root.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t Next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static int Skipped(long nr) {
  switch (nr) {
    case SYS_exit: case SYS_exit_group: case SYS_rt_sigreturn:
    case SYS_kill: case SYS_tkill: case SYS_tgkill: case SYS_rt_sigqueueinfo:
    case SYS_rt_tgsigqueueinfo: case SYS_pidfd_send_signal:
    case SYS_arch_prctl: case SYS_set_tid_address:
    case SYS_mmap: case SYS_munmap: case SYS_mprotect: case SYS_mremap: case SYS_brk:
    case SYS_madvise: case SYS_remap_file_pages: case SYS_shmdt: case SYS_pkey_mprotect:
    case SYS_fork: case SYS_vfork: case SYS_clone: case SYS_clone3: case SYS_execve:
    case SYS_execveat: case SYS_pause: case SYS_nanosleep: case SYS_clock_nanosleep:
    case SYS_wait4: case SYS_waitid: case SYS_rt_sigsuspend: case SYS_rt_sigtimedwait:
    case SYS_poll: case SYS_ppoll: case SYS_select: case SYS_pselect6: case SYS_epoll_wait:
    case SYS_epoll_pwait: case SYS_epoll_pwait2: case SYS_accept: case SYS_accept4:
    case SYS_recvfrom: case SYS_recvmsg: case SYS_recvmmsg: case SYS_msgrcv: case SYS_semop:
    case SYS_semtimedop: case SYS_mq_timedreceive: case SYS_io_getevents:
    case SYS_io_pgetevents: case SYS_io_uring_enter: case SYS_flock: case SYS_futex:
    case SYS_read: case SYS_readv: case SYS_pread64: case SYS_preadv: case SYS_preadv2:
    case SYS_close: case SYS_close_range: case SYS_dup2: case SYS_dup3:
    case SYS_rt_sigaction: case SYS_sigaltstack: case SYS_rt_sigprocmask:
    case SYS_prctl: case SYS_seccomp: case SYS_setrlimit: case SYS_prlimit64:
    case SYS_personality: case SYS_ptrace:
    // A timer's SIGALRM would end this program; pipes and FIFOs (mknod) make fds
    // whose writes and opens block by design (this program holds the other end).
    case SYS_alarm: case SYS_setitimer: case SYS_pipe: case SYS_pipe2:
    case SYS_mknod: case SYS_mknodat:
      return 1;
    default:
      return 0;
  }
}

// Calls skipped in the normal run only because they may end this program.
static int Risky(long nr) {
  switch (nr) {
    case SYS_arch_prctl: case SYS_set_tid_address: case SYS_mmap: case SYS_munmap:
    case SYS_mprotect: case SYS_mremap: case SYS_brk: case SYS_madvise:
    case SYS_close: case SYS_dup2: case SYS_dup3: case SYS_rt_sigaction:
    case SYS_sigaltstack: case SYS_rt_sigprocmask: case SYS_prctl: case SYS_setrlimit:
    case SYS_prlimit64: case SYS_read: case SYS_readv: case SYS_pread64:
      return 1;
    default:
      return 0;
  }
}

int main(int argc, char** argv) {
  const int risky = argc > 1 && strcmp(argv[1], "risky") == 0;
  // The buffer ends at an inaccessible page: a call that writes past it (a long
  // getrandom at its last bytes) faults there instead of corrupting this
  // program's own data, whatever the random arguments.
  enum { kBufSize = 65536, kGuard = 4096 };
  char* const buf = mmap(NULL, kBufSize + kGuard, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf == MAP_FAILED || mprotect(buf + kBufSize, kGuard, PROT_NONE) != 0) return 4;
  const int out = dup(1);
  if (out < 0) return 2;
  uint64_t calls = 0;
  for (int round = 0; round < 8; round++) {
    for (long nr = 0; nr < 512; nr++) {
      if (risky ? !Risky(nr) : Skipped(nr)) continue;
      for (size_t i = 0; i < kBufSize; i += 8) {
        uint64_t v = Next();
        memcpy(buf + i, &v, 8);
      }
      const uint64_t pool[] = {
          0, 1, 2, (uint64_t)-1, 0x10, 4096, 0x7fffffff, 0xdeadbeef000ULL,
          0xffff800000000000ULL, 0x7ffffffff000ULL, ~0ULL >> 1, (uint64_t)(uintptr_t)buf,
          (uint64_t)(uintptr_t)buf + 3, (uint64_t)(uintptr_t)buf + kBufSize - 4, 1ULL << 40,
          (uint64_t)-4096,
      };
      const size_t n = sizeof(pool) / sizeof(pool[0]);
      uint64_t a[6];
      for (int j = 0; j < 6; j++) a[j] = pool[Next() % n];
      // Writes go to fds that are not our output (stdout stays readable for the test).
      if ((nr == SYS_write || nr == SYS_writev || nr == SYS_pwrite64) && a[0] <= 2) a[0] = 2;
      syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
      calls++;
    }
  }
  char msg[64];
  int len = snprintf(msg, sizeof(msg), "fuzz done %llu\n", (unsigned long long)calls);
  return write(out, msg, (size_t)len) == len ? 0 : 3;
}

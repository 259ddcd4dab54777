// Signal delivery to handlers: SA_SIGINFO frames, rt_sigreturn restoring general and
// vector registers, a SIGSEGV handler leaving with siglongjmp, sigaltstack with
// SA_ONSTACK, blocked signals held pending until unblocked, and SA_RESETHAND.
// Prints "signals ok" and exits 0; any mismatch prints what differed and exits 1.
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t usr1_count;
static volatile int usr1_code;
static volatile uintptr_t handler_sp;
static sigjmp_buf segv_jump;
static volatile uintptr_t segv_addr;
static volatile int segv_code;

static void OnUsr1(int sig, siginfo_t* info, void* uc) {
  (void)uc;
  if (sig == SIGUSR1 && info->si_signo == SIGUSR1) usr1_count++;
  usr1_code = info->si_code;
  int local;
  handler_sp = (uintptr_t)&local;
  // Clobber vector registers: the interrupted code's must come back intact.
  volatile double x = 1.0;
  for (int i = 0; i < 10; i++) x = x * 3.25 + 1.5;
  __asm__ volatile("pxor %%xmm7, %%xmm7" ::: "xmm7");
}

static void OnSegv(int sig, siginfo_t* info, void* uc) {
  (void)sig;
  (void)uc;
  segv_addr = (uintptr_t)info->si_addr;
  segv_code = info->si_code;
  siglongjmp(segv_jump, 1);
}

static void RaiseRaw(int sig) {
  // tgkill from the exact spot whose registers must survive the handler.
  syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), sig);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = OnUsr1;
  sa.sa_flags = SA_SIGINFO;
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);

  // 1. A handler runs, with siginfo; xmm7 survives it.
  uint64_t pattern[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  uint64_t after[2] = {0, 0};
  __asm__ volatile("movdqu %0, %%xmm7" ::"m"(pattern) : "xmm7");
  RaiseRaw(SIGUSR1);
  __asm__ volatile("movdqu %%xmm7, %0" : "=m"(after)::"xmm7");
  CHECK(usr1_count == 1);
  CHECK(usr1_code == SI_TKILL);
  CHECK(after[0] == pattern[0] && after[1] == pattern[1]);

  // 2. A blocked signal stays pending, then runs when unblocked.
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0);
  CHECK(raise(SIGUSR1) == 0);
  CHECK(usr1_count == 1);
  sigset_t pending;
  CHECK(sigpending(&pending) == 0);
  CHECK(sigismember(&pending, SIGUSR1) == 1);
  CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
  CHECK(usr1_count == 2);

  // 3. SA_ONSTACK runs the handler on the alternate stack.
  static char altstack[64 * 1024];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0};
  CHECK(sigaltstack(&ss, NULL) == 0);
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  RaiseRaw(SIGUSR1);
  CHECK(usr1_count == 3);
  CHECK(handler_sp >= (uintptr_t)altstack && handler_sp < (uintptr_t)altstack + sizeof(altstack));
  stack_t cur;
  CHECK(sigaltstack(NULL, &cur) == 0);
  CHECK(cur.ss_sp == altstack && cur.ss_flags == 0);

  // 4. A fault reaches a SIGSEGV handler with its address; siglongjmp leaves it.
  struct sigaction sv;
  memset(&sv, 0, sizeof(sv));
  sv.sa_sigaction = OnSegv;
  sv.sa_flags = SA_SIGINFO;
  CHECK(sigaction(SIGSEGV, &sv, NULL) == 0);
  if (sigsetjmp(segv_jump, 1) == 0) {
    *(volatile int*)0x1234 = 1;
    CHECK(!"the write should have faulted");
  }
  CHECK(segv_addr == 0x1234);
  CHECK(segv_code == SEGV_MAPERR);

  // 5. SA_RESETHAND: the second SIGUSR2 takes the default action (ignore SIGCHLD-like
  // is not it: SIGURG is ignored by default).
  sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
  CHECK(sigaction(SIGURG, &sa, NULL) == 0);
  struct sigaction now;
  CHECK(raise(SIGURG) == 0);
  CHECK(sigaction(SIGURG, NULL, &now) == 0);
  CHECK(now.sa_handler == SIG_DFL);
  CHECK(raise(SIGURG) == 0);

  // 6. Ignored signals are dropped.
  signal(SIGUSR2, SIG_IGN);
  CHECK(raise(SIGUSR2) == 0);

  printf("signals ok\n");
  return 0;
}

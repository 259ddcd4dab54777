// Tests of the stub's seccomp filter, installed in forked children: a page of
// `syscall; ret` plays the stub's code page.
#include "platform/ptrace/stub_filter.h"

#include <linux/seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "abi/linux/signal.h"
#include "gtest/gtest.h"

namespace kekkai::platform::ptrace {
namespace {

constexpr uint64_t kFakeStubPage = 0x7e0000000000;

// Calls the `syscall; ret` at the fake stub page. Async-signal-safe.
long StubSyscall(long nr, long a0 = 0, long a1 = 0) {
  long ret;
  asm volatile("call *%[page]"
               : "=a"(ret)
               : [page] "r"(kFakeStubPage), "a"(nr), "D"(a0), "S"(a1)
               : "rcx", "r11", "rdx", "memory");
  return ret;
}

// The child's SIGSYS handler: exits (through the stub page, the only way out)
// with a status naming the trapped syscall.
void OnSigsys(int, siginfo_t* info, void*) {
  int status = 99;
  if (info->si_code == abi::linux::kSiSysSeccomp) {
    switch (info->si_syscall) {
      case SYS_time:
        status = 51;
        break;
      case SYS_gettimeofday:
        status = 52;
        break;
      case SYS_getcpu:
        status = 53;
        break;
      default:
        status = 60;
        break;
    }
  }
  StubSyscall(SYS_exit_group, status);
}

// Forks a child that installs the filter and runs `body`; returns its wait status.
template <typename F>
int RunFiltered(F body) {
  pid_t pid = fork();
  if (pid == 0) {
    void* page =
        mmap(reinterpret_cast<void*>(kFakeStubPage), 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (page != reinterpret_cast<void*>(kFakeStubPage)) _exit(97);
    const unsigned char code[] = {0x0f, 0x05, 0xc3};  // syscall; ret
    std::memcpy(page, code, sizeof(code));
    struct sigaction sa {};
    sa.sa_sigaction = OnSigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, nullptr);
    std::vector<sock_filter> filter = BuildStubFilter(kFakeStubPage);
    sock_fprog prog{static_cast<unsigned short>(filter.size()), filter.data()};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(98);
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) _exit(98);
    body();
    StubSyscall(SYS_exit_group, 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(StubFilterTest, AllowsTheStubsSyscallsFromItsPage) {
  int status = RunFiltered([] {
    long pid = StubSyscall(SYS_getpid);
    long m = StubSyscall(SYS_munmap, kFakeStubPage + 0x10000, 4096);
    StubSyscall(SYS_exit_group, pid > 0 && m == 0 ? 42 : 43);
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 42);
}

TEST(StubFilterTest, KillsOtherSyscallsFromTheStubPage) {
  int status = RunFiltered([] { StubSyscall(SYS_getppid); });
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGSYS);
}

TEST(StubFilterTest, KillsTheStubsSyscallsFromElsewhere) {
  int status = RunFiltered([] { syscall(SYS_getpid); });
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGSYS);
}

TEST(StubFilterTest, TrapsTheVsyscallNumbersFromElsewhere) {
  int status = RunFiltered([] { syscall(SYS_time, nullptr); });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 51);
  status = RunFiltered([] { syscall(SYS_gettimeofday, nullptr, nullptr); });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 52);
  status = RunFiltered([] { syscall(SYS_getcpu, nullptr, nullptr, nullptr); });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 53);
}

TEST(StubFilterTest, KillsI386Syscalls) {
  // int $0x80 with eax = 20 (i386 getpid), from ordinary code.
  int status = RunFiltered([] { asm volatile("mov $20, %%eax\n int $0x80" ::: "rax", "memory"); });
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGSYS);
}

}  // namespace
}  // namespace kekkai::platform::ptrace

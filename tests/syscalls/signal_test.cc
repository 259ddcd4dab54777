// Signals within one thread: rt_sigaction(2), rt_sigprocmask(2), rt_sigpending(2),
// sigaltstack(2), kill(2), tgkill(2), tkill(2), handler flags (SA_SIGINFO,
// SA_RESETHAND, SA_NODEFER, SA_ONSTACK), and rt_sigreturn(2) restoring the
// registers and mask of the frame — as the handler left them.
#include <errno.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <ucontext.h>
#include <unistd.h>

#include <vector>

#include "tests/syscalls/util/cleanup.h"
#include "tests/syscalls/util/scoped_signal.h"
#include "tests/syscalls/util/syscall_matchers.h"

namespace kekkai::syscall_test {
namespace {

// The kernel's struct sigaction on x86-64 (the raw rt_sigaction(2) argument).
struct KernelSigaction {
  uintptr_t handler;
  unsigned long flags;
  uintptr_t restorer;
  uint64_t mask;
};

constexpr size_t kKernelSigsetSize = 8;
constexpr unsigned long kSaUnsupported = 0x00000400;       // SA_UNSUPPORTED
constexpr unsigned long kSaRestorer = 0x04000000;          // SA_RESTORER
constexpr int kSsAutodisarm = static_cast<int>(1U << 31);  // SS_AUTODISARM
void* const kKernelAddr = reinterpret_cast<void*>(0xffffffffff600000ULL);

uint64_t Bit(int sig) { return 1ULL << (sig - 1); }

long RawSigaction(int sig, const KernelSigaction* act, KernelSigaction* old,
                  size_t size = kKernelSigsetSize) {
  return syscall(SYS_rt_sigaction, sig, act, old, size);
}

long RawSigprocmask(int how, const uint64_t* set, uint64_t* old, size_t size = kKernelSigsetSize) {
  return syscall(SYS_rt_sigprocmask, how, set, old, size);
}

uint64_t CurrentMask() {
  uint64_t m = 0;
  RawSigprocmask(SIG_BLOCK, nullptr, &m);
  return m;
}

uint64_t Pending() {
  uint64_t p = 0;
  syscall(SYS_rt_sigpending, &p, kKernelSigsetSize);
  return p;
}

pid_t Gettid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

// What the recording handler saw, reset by each test.
volatile sig_atomic_t g_count;
volatile int g_signo;
volatile int g_code;
volatile pid_t g_pid;
volatile uid_t g_uid;
volatile uint64_t g_mask_in_handler;

void Recorder(int sig, siginfo_t* info, void*) {
  g_count = g_count + 1;
  g_signo = sig;
  g_code = info->si_code;
  g_pid = info->si_pid;
  g_uid = info->si_uid;
  uint64_t m = 0;
  RawSigprocmask(SIG_BLOCK, nullptr, &m);
  g_mask_in_handler = m;
}

void ResetRecorder() {
  g_count = 0;
  g_signo = 0;
  g_code = 0;
  g_pid = 0;
  g_uid = 0;
  g_mask_in_handler = 0;
}

struct sigaction RecorderAction(int flags = 0, const sigset_t* mask = nullptr) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = Recorder;
  sa.sa_flags = SA_SIGINFO | flags;
  if (mask != nullptr) sa.sa_mask = *mask;
  return sa;
}

struct sigaction HandlerAction(void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = handler;
  return sa;
}

class SignalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ResetRecorder();
    // Every test starts with SIGUSR1/SIGUSR2/SIGRTMIN unblocked, whatever a
    // failed test before it left.
    const sigset_t set = SigsetOf({SIGUSR1, SIGUSR2, SIGRTMIN});
    mask_ = ASSERT_NO_ERRNO_AND_VALUE(ScopedSignalMask(SIG_UNBLOCK, set));
  }
  Cleanup mask_;
};

// rt_sigaction(2).

TEST_F(SignalTest, SigactionRoundTripsHandlerFlagsAndMask) {
  const sigset_t mask = SigsetOf({SIGUSR2, SIGTERM});
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(
      ScopedSigaction(SIGUSR1, RecorderAction(SA_RESTART | SA_ONSTACK, &mask)));
  KernelSigaction got = {};
  ASSERT_THAT(RawSigaction(SIGUSR1, nullptr, &got), SyscallSucceeds());
  EXPECT_EQ(got.handler, reinterpret_cast<uintptr_t>(&Recorder));
  EXPECT_EQ(got.flags & ~kSaRestorer,
            static_cast<unsigned long>(SA_SIGINFO | SA_RESTART | SA_ONSTACK));
  EXPECT_EQ(got.mask, Bit(SIGUSR2) | Bit(SIGTERM));
}

TEST_F(SignalTest, SigactionReturnsThePreviousAction) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, HandlerAction(SIG_IGN)));
  struct sigaction next = RecorderAction(), old;
  ASSERT_THAT(sigaction(SIGUSR1, &next, &old), SyscallSucceeds());
  EXPECT_EQ(old.sa_handler, SIG_IGN);
  ASSERT_THAT(sigaction(SIGUSR1, nullptr, &old), SyscallSucceeds());
  EXPECT_EQ(old.sa_sigaction, &Recorder);
}

TEST_F(SignalTest, SigkillAndSigstopCannotBeCaughtOrIgnored) {
  for (int sig : {SIGKILL, SIGSTOP}) {
    KernelSigaction act = {reinterpret_cast<uintptr_t>(SIG_IGN), 0, 0, 0};
    EXPECT_THAT(RawSigaction(sig, &act, nullptr), SyscallFailsWithErrno(EINVAL)) << sig;
    act.handler = reinterpret_cast<uintptr_t>(&Recorder);
    EXPECT_THAT(RawSigaction(sig, &act, nullptr), SyscallFailsWithErrno(EINVAL)) << sig;
    // Reading their action is allowed: the default.
    KernelSigaction old = {1, 1, 1, 1};
    EXPECT_THAT(RawSigaction(sig, nullptr, &old), SyscallSucceeds()) << sig;
    EXPECT_EQ(old.handler, reinterpret_cast<uintptr_t>(SIG_DFL)) << sig;
  }
}

TEST_F(SignalTest, SigactionOfAnInvalidSignalFailsWithEinval) {
  KernelSigaction old;
  EXPECT_THAT(RawSigaction(0, nullptr, &old), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(RawSigaction(65, nullptr, &old), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(RawSigaction(-1, nullptr, &old), SyscallFailsWithErrno(EINVAL));
  // 64 is the last valid signal; 32 and 33 (which libc keeps for itself) are
  // ordinary signals to the kernel.
  EXPECT_THAT(RawSigaction(64, nullptr, &old), SyscallSucceeds());
  EXPECT_THAT(RawSigaction(32, nullptr, &old), SyscallSucceeds());
}

TEST_F(SignalTest, SigactionWithAWrongSigsetSizeFailsWithEinval) {
  KernelSigaction old;
  EXPECT_THAT(RawSigaction(SIGUSR1, nullptr, &old, 4), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(RawSigaction(SIGUSR1, nullptr, &old, 16), SyscallFailsWithErrno(EINVAL));
}

TEST_F(SignalTest, SigactionWithBadPointersFailsWithEfault) {
  EXPECT_THAT(RawSigaction(SIGUSR1, static_cast<const KernelSigaction*>(kKernelAddr), nullptr),
              SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(RawSigaction(SIGUSR1, nullptr, static_cast<KernelSigaction*>(kKernelAddr)),
              SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(RawSigaction(SIGUSR1, nullptr, nullptr), SyscallSucceeds());
}

TEST_F(SignalTest, SigkillAndSigstopAreDroppedFromSaMask) {
  struct sigaction sa = RecorderAction();
  sigfillset(&sa.sa_mask);
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, sa));
  KernelSigaction got = {};
  ASSERT_THAT(RawSigaction(SIGUSR1, nullptr, &got), SyscallSucceeds());
  EXPECT_EQ(got.mask & (Bit(SIGKILL) | Bit(SIGSTOP)), 0u);
  EXPECT_EQ(got.mask & Bit(SIGUSR2), Bit(SIGUSR2));
}

TEST_F(SignalTest, UnknownFlagBitsAreClearedOnReadBack) {
  struct sigaction sa = RecorderAction();
  sa.sa_flags |= kSaUnsupported;
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, sa));
  KernelSigaction got = {};
  ASSERT_THAT(RawSigaction(SIGUSR1, nullptr, &got), SyscallSucceeds());
  EXPECT_EQ(got.flags & kSaUnsupported, 0u);
  EXPECT_NE(got.flags & SA_SIGINFO, 0u);
}

// Delivery to self: kill(2), tgkill(2), tkill(2).

TEST_F(SignalTest, KillToSelfRunsTheHandlerBeforeReturning) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, RecorderAction()));
  ASSERT_THAT(kill(getpid(), SIGUSR1), SyscallSucceeds());
  EXPECT_EQ(g_count, 1);
  EXPECT_EQ(g_signo, SIGUSR1);
  EXPECT_EQ(g_code, SI_USER);
  EXPECT_EQ(g_pid, getpid());
  EXPECT_EQ(g_uid, getuid());
}

TEST_F(SignalTest, TgkillToSelfSaysSiTkill) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR2, RecorderAction()));
  ASSERT_THAT(syscall(SYS_tgkill, getpid(), Gettid(), SIGUSR2), SyscallSucceeds());
  EXPECT_EQ(g_count, 1);
  EXPECT_EQ(g_signo, SIGUSR2);
  EXPECT_EQ(g_code, SI_TKILL);
  EXPECT_EQ(g_pid, getpid());
  EXPECT_EQ(g_uid, getuid());
}

TEST_F(SignalTest, TkillToSelfSaysSiTkill) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, RecorderAction()));
  ASSERT_THAT(syscall(SYS_tkill, Gettid(), SIGUSR1), SyscallSucceeds());
  EXPECT_EQ(g_count, 1);
  EXPECT_EQ(g_code, SI_TKILL);
}

TEST_F(SignalTest, SignalZeroOnlyChecksTheTarget) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, RecorderAction()));
  EXPECT_THAT(kill(getpid(), 0), SyscallSucceeds());
  EXPECT_THAT(syscall(SYS_tgkill, getpid(), Gettid(), 0), SyscallSucceeds());
  EXPECT_THAT(syscall(SYS_tkill, Gettid(), 0), SyscallSucceeds());
  EXPECT_EQ(g_count, 0);
}

TEST_F(SignalTest, NoSuchProcessFailsWithEsrch) {
  EXPECT_THAT(kill(INT_MAX, 0), SyscallFailsWithErrno(ESRCH));
  EXPECT_THAT(syscall(SYS_tkill, INT_MAX, 0), SyscallFailsWithErrno(ESRCH));
  EXPECT_THAT(syscall(SYS_tgkill, getpid(), INT_MAX, 0), SyscallFailsWithErrno(ESRCH));
  // Our thread, but not in that thread group.
  EXPECT_THAT(syscall(SYS_tgkill, INT_MAX, Gettid(), 0), SyscallFailsWithErrno(ESRCH));
}

TEST_F(SignalTest, InvalidSignalFailsWithEinval) {
  EXPECT_THAT(kill(getpid(), 65), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(kill(getpid(), -1), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_tgkill, getpid(), Gettid(), 65), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_tkill, Gettid(), 65), SyscallFailsWithErrno(EINVAL));
}

TEST_F(SignalTest, NonPositiveThreadIdsFailWithEinval) {
  EXPECT_THAT(syscall(SYS_tgkill, 0, Gettid(), 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_tgkill, getpid(), 0, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_tgkill, -1, -1, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_tkill, 0, 0), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_tkill, -1, 0), SyscallFailsWithErrno(EINVAL));
}

TEST_F(SignalTest, KillToOwnProcessGroupWithSignalZeroSucceeds) {
  EXPECT_THAT(kill(0, 0), SyscallSucceeds());
}

// rt_sigprocmask(2).

TEST_F(SignalTest, SigprocmaskBlockUnblockSetmask) {
  const uint64_t start = CurrentMask();
  Cleanup restore([start] { RawSigprocmask(SIG_SETMASK, &start, nullptr); });
  uint64_t set = Bit(SIGUSR1), old = 0;
  ASSERT_THAT(RawSigprocmask(SIG_BLOCK, &set, &old), SyscallSucceeds());
  EXPECT_EQ(old, start);
  EXPECT_EQ(CurrentMask(), start | Bit(SIGUSR1));
  set = Bit(SIGUSR2);
  ASSERT_THAT(RawSigprocmask(SIG_BLOCK, &set, nullptr), SyscallSucceeds());
  EXPECT_EQ(CurrentMask(), start | Bit(SIGUSR1) | Bit(SIGUSR2));
  set = Bit(SIGUSR1);
  ASSERT_THAT(RawSigprocmask(SIG_UNBLOCK, &set, &old), SyscallSucceeds());
  EXPECT_EQ(old, start | Bit(SIGUSR1) | Bit(SIGUSR2));
  EXPECT_EQ(CurrentMask(), start | Bit(SIGUSR2));
  set = Bit(SIGTERM);
  ASSERT_THAT(RawSigprocmask(SIG_SETMASK, &set, nullptr), SyscallSucceeds());
  EXPECT_EQ(CurrentMask(), Bit(SIGTERM));
}

TEST_F(SignalTest, SigkillAndSigstopCannotBeBlocked) {
  const uint64_t start = CurrentMask();
  Cleanup restore([start] { RawSigprocmask(SIG_SETMASK, &start, nullptr); });
  const uint64_t all = ~0ULL;
  ASSERT_THAT(RawSigprocmask(SIG_SETMASK, &all, nullptr), SyscallSucceeds());
  EXPECT_EQ(CurrentMask(), ~(Bit(SIGKILL) | Bit(SIGSTOP)));
}

TEST_F(SignalTest, SigprocmaskInvalidHowFailsWithEinval) {
  const uint64_t start = CurrentMask();
  uint64_t set = Bit(SIGUSR1);
  EXPECT_THAT(RawSigprocmask(3, &set, nullptr), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(RawSigprocmask(-1, &set, nullptr), SyscallFailsWithErrno(EINVAL));
  EXPECT_EQ(CurrentMask(), start);
  // Without a new set, how is not looked at.
  uint64_t old = 0;
  EXPECT_THAT(RawSigprocmask(99, nullptr, &old), SyscallSucceeds());
  EXPECT_EQ(old, start);
}

TEST_F(SignalTest, SigprocmaskWithAWrongSigsetSizeFailsWithEinval) {
  uint64_t old;
  EXPECT_THAT(RawSigprocmask(SIG_BLOCK, nullptr, &old, 4), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(RawSigprocmask(SIG_BLOCK, nullptr, &old, 16), SyscallFailsWithErrno(EINVAL));
}

TEST_F(SignalTest, SigprocmaskWithBadPointersFailsWithEfault) {
  const uint64_t start = CurrentMask();
  EXPECT_THAT(RawSigprocmask(SIG_BLOCK, static_cast<const uint64_t*>(kKernelAddr), nullptr),
              SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(RawSigprocmask(SIG_BLOCK, nullptr, static_cast<uint64_t*>(kKernelAddr)),
              SyscallFailsWithErrno(EFAULT));
  EXPECT_EQ(CurrentMask(), start);
}

// Pending signals and rt_sigpending(2).

TEST_F(SignalTest, BlockedSignalStaysPendingUntilUnblocked) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, RecorderAction()));
  Cleanup m = ASSERT_NO_ERRNO_AND_VALUE(ScopedSignalMask(SIG_BLOCK, SigsetOf({SIGUSR1})));
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  EXPECT_EQ(g_count, 0);
  EXPECT_EQ(Pending() & Bit(SIGUSR1), Bit(SIGUSR1));
  sigset_t pending;
  ASSERT_THAT(sigpending(&pending), SyscallSucceeds());
  EXPECT_TRUE(sigismember(&pending, SIGUSR1));
  m.Run();  // unblock: delivered on the way out of sigprocmask
  EXPECT_EQ(g_count, 1);
  EXPECT_EQ(Pending() & Bit(SIGUSR1), 0u);
}

TEST_F(SignalTest, StandardSignalsDoNotQueue) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, RecorderAction()));
  Cleanup m = ASSERT_NO_ERRNO_AND_VALUE(ScopedSignalMask(SIG_BLOCK, SigsetOf({SIGUSR1})));
  for (int i = 0; i < 3; ++i) ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  m.Run();
  EXPECT_EQ(g_count, 1);
}

TEST_F(SignalTest, RealtimeSignalsQueue) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGRTMIN, RecorderAction()));
  Cleanup m = ASSERT_NO_ERRNO_AND_VALUE(ScopedSignalMask(SIG_BLOCK, SigsetOf({SIGRTMIN})));
  for (int i = 0; i < 3; ++i) ASSERT_THAT(RaiseToSelf(SIGRTMIN), SyscallSucceeds());
  m.Run();
  EXPECT_EQ(g_count, 3);
  EXPECT_EQ(g_signo, SIGRTMIN);
}

TEST_F(SignalTest, RtSigpendingCopiesAtMostSigsetsizeBytes) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, RecorderAction()));
  Cleanup m = ASSERT_NO_ERRNO_AND_VALUE(ScopedSignalMask(SIG_BLOCK, SigsetOf({SIGUSR1})));
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  uint64_t set = ~0ULL;
  EXPECT_THAT(syscall(SYS_rt_sigpending, &set, 4), SyscallSucceeds());
  EXPECT_EQ(set, 0xffffffff00000000ULL | Bit(SIGUSR1));
  EXPECT_THAT(syscall(SYS_rt_sigpending, &set, 9), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(syscall(SYS_rt_sigpending, kKernelAddr, 8), SyscallFailsWithErrno(EFAULT));
  m.Run();
  EXPECT_EQ(g_count, 1);
}

TEST_F(SignalTest, IgnoredSignalIsDiscarded) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, HandlerAction(SIG_IGN)));
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  EXPECT_EQ(Pending() & Bit(SIGUSR1), 0u);
}

TEST_F(SignalTest, IgnoredButBlockedSignalStaysPending) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, HandlerAction(SIG_IGN)));
  Cleanup m = ASSERT_NO_ERRNO_AND_VALUE(ScopedSignalMask(SIG_BLOCK, SigsetOf({SIGUSR1})));
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  EXPECT_EQ(Pending() & Bit(SIGUSR1), Bit(SIGUSR1));
  // Flush it before unblocking (it is ignored either way).
  struct sigaction ign = HandlerAction(SIG_IGN);
  ASSERT_THAT(sigaction(SIGUSR1, &ign, nullptr), SyscallSucceeds());
}

TEST_F(SignalTest, IgnoringAPendingSignalDiscardsIt) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, RecorderAction()));
  Cleanup m = ASSERT_NO_ERRNO_AND_VALUE(ScopedSignalMask(SIG_BLOCK, SigsetOf({SIGUSR1})));
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  ASSERT_EQ(Pending() & Bit(SIGUSR1), Bit(SIGUSR1));
  struct sigaction ign = HandlerAction(SIG_IGN);
  ASSERT_THAT(sigaction(SIGUSR1, &ign, nullptr), SyscallSucceeds());
  EXPECT_EQ(Pending() & Bit(SIGUSR1), 0u);
  m.Run();
  EXPECT_EQ(g_count, 0);
}

TEST_F(SignalTest, SignalWhoseDefaultIsIgnoreIsDiscarded) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGURG, HandlerAction(SIG_DFL)));
  ASSERT_THAT(RaiseToSelf(SIGURG), SyscallSucceeds());
  ASSERT_THAT(RaiseToSelf(SIGWINCH), SyscallSucceeds());
  EXPECT_EQ(Pending() & (Bit(SIGURG) | Bit(SIGWINCH)), 0u);
}

// Handler flags and the mask while a handler runs.

TEST_F(SignalTest, HandlerRunsWithItsSignalAndSaMaskBlocked) {
  const sigset_t mask = SigsetOf({SIGUSR2});
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, RecorderAction(0, &mask)));
  const uint64_t before = CurrentMask();
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  ASSERT_EQ(g_count, 1);
  EXPECT_EQ(g_mask_in_handler, before | Bit(SIGUSR1) | Bit(SIGUSR2));
  EXPECT_EQ(CurrentMask(), before);
}

TEST_F(SignalTest, NodeferLeavesTheSignalUnblockedInItsHandler) {
  const sigset_t mask = SigsetOf({SIGUSR2});
  Cleanup c =
      ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, RecorderAction(SA_NODEFER, &mask)));
  const uint64_t before = CurrentMask();
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  ASSERT_EQ(g_count, 1);
  EXPECT_EQ(g_mask_in_handler, before | Bit(SIGUSR2));
}

TEST_F(SignalTest, ResethandRestoresTheDefaultAfterOneDelivery) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, RecorderAction(SA_RESETHAND)));
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  EXPECT_EQ(g_count, 1);
  KernelSigaction got = {};
  ASSERT_THAT(RawSigaction(SIGUSR1, nullptr, &got), SyscallSucceeds());
  EXPECT_EQ(got.handler, reinterpret_cast<uintptr_t>(SIG_DFL));
}

volatile sig_atomic_t g_depth;
volatile sig_atomic_t g_max_depth;
volatile sig_atomic_t g_runs;

// Raises its own signal again from inside, until it has run three times.
void Reentrant(int sig) {
  g_runs = g_runs + 1;
  g_depth = g_depth + 1;
  if (g_depth > g_max_depth) g_max_depth = g_depth;
  if (g_runs < 3) RaiseToSelf(sig);
  g_depth = g_depth - 1;
}

void ResetReentrant() {
  g_depth = 0;
  g_max_depth = 0;
  g_runs = 0;
}

TEST_F(SignalTest, NodeferHandlerCanBeReentered) {
  ResetReentrant();
  struct sigaction sa = HandlerAction(Reentrant);
  sa.sa_flags = SA_NODEFER;
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, sa));
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  EXPECT_EQ(g_runs, 3);
  EXPECT_EQ(g_max_depth, 3);
  EXPECT_EQ(g_depth, 0);
}

TEST_F(SignalTest, WithoutNodeferARaiseInTheHandlerWaitsForItsReturn) {
  ResetReentrant();
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, HandlerAction(Reentrant)));
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  // Each raise waits until the handler returns: three runs, never nested.
  EXPECT_EQ(g_runs, 3);
  EXPECT_EQ(g_max_depth, 1);
  EXPECT_EQ(g_depth, 0);
}

// sigaltstack(2).

TEST_F(SignalTest, SigaltstackSetAndQuery) {
  std::vector<char> stack(64 * 1024);
  stack_t ss = {stack.data(), 0, stack.size()};
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaltstack(ss));
  stack_t got = {};
  ASSERT_THAT(sigaltstack(nullptr, &got), SyscallSucceeds());
  EXPECT_EQ(got.ss_sp, stack.data());
  EXPECT_EQ(got.ss_size, stack.size());
  EXPECT_EQ(got.ss_flags, 0);
}

TEST_F(SignalTest, SigaltstackDisable) {
  std::vector<char> stack(64 * 1024);
  stack_t ss = {stack.data(), 0, stack.size()};
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaltstack(ss));
  stack_t off = {nullptr, SS_DISABLE, 0};
  ASSERT_THAT(sigaltstack(&off, nullptr), SyscallSucceeds());
  stack_t got = {};
  ASSERT_THAT(sigaltstack(nullptr, &got), SyscallSucceeds());
  EXPECT_EQ(got.ss_flags, SS_DISABLE);
}

TEST_F(SignalTest, SigaltstackTooSmallFailsWithEnomem) {
  std::vector<char> stack(MINSIGSTKSZ);
  stack_t ss = {stack.data(), 0, 1024};
  EXPECT_THAT(sigaltstack(&ss, nullptr), SyscallFailsWithErrno(ENOMEM));
}

TEST_F(SignalTest, SigaltstackBadFlagsFailWithEinval) {
  std::vector<char> stack(64 * 1024);
  stack_t ss = {stack.data(), 4, stack.size()};
  EXPECT_THAT(sigaltstack(&ss, nullptr), SyscallFailsWithErrno(EINVAL));
}

TEST_F(SignalTest, SigaltstackBadPointersFailWithEfault) {
  EXPECT_THAT(sigaltstack(static_cast<const stack_t*>(kKernelAddr), nullptr),
              SyscallFailsWithErrno(EFAULT));
  EXPECT_THAT(sigaltstack(nullptr, static_cast<stack_t*>(kKernelAddr)),
              SyscallFailsWithErrno(EFAULT));
}

volatile uintptr_t g_handler_sp;
volatile int g_altstack_flags_in_handler;
volatile int g_altstack_change_errno;

void OnStackProbe(int) {
  volatile char local = 0;
  g_handler_sp = reinterpret_cast<uintptr_t>(&local);
  stack_t cur = {};
  sigaltstack(nullptr, &cur);
  g_altstack_flags_in_handler = cur.ss_flags;
  static char other[64 * 1024];
  stack_t next = {other, 0, sizeof(other)};
  g_altstack_change_errno = sigaltstack(&next, nullptr) == 0 ? 0 : errno;
}

TEST_F(SignalTest, OnstackHandlerRunsOnTheAlternateStack) {
  std::vector<char> stack(64 * 1024);
  stack_t ss = {stack.data(), 0, stack.size()};
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaltstack(ss));
  struct sigaction sa = HandlerAction(OnStackProbe);
  sa.sa_flags = SA_ONSTACK;
  Cleanup a = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, sa));
  g_handler_sp = 0;
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  const uintptr_t lo = reinterpret_cast<uintptr_t>(stack.data());
  EXPECT_GE(g_handler_sp, lo);
  EXPECT_LT(g_handler_sp, lo + stack.size());
  EXPECT_EQ(g_altstack_flags_in_handler, SS_ONSTACK);
  // The stack in use can't be changed.
  EXPECT_EQ(g_altstack_change_errno, EPERM);
  stack_t got = {};
  ASSERT_THAT(sigaltstack(nullptr, &got), SyscallSucceeds());
  EXPECT_EQ(got.ss_flags, 0);
  EXPECT_EQ(got.ss_sp, stack.data());
}

TEST_F(SignalTest, HandlerWithoutOnstackStaysOnTheThreadStack) {
  std::vector<char> stack(64 * 1024);
  stack_t ss = {stack.data(), 0, stack.size()};
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaltstack(ss));
  Cleanup a = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, HandlerAction(OnStackProbe)));
  g_handler_sp = 0;
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  const uintptr_t lo = reinterpret_cast<uintptr_t>(stack.data());
  EXPECT_TRUE(g_handler_sp < lo || g_handler_sp >= lo + stack.size());
  EXPECT_EQ(g_altstack_flags_in_handler, 0);
  // Not on it, so it could be changed (to `other`); put ours back.
  EXPECT_EQ(g_altstack_change_errno, 0);
}

TEST_F(SignalTest, AutodisarmDisablesTheStackWhileTheHandlerRuns) {
  std::vector<char> stack(64 * 1024);
  stack_t ss = {stack.data(), kSsAutodisarm, stack.size()};
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaltstack(ss));
  struct sigaction sa = HandlerAction(OnStackProbe);
  sa.sa_flags = SA_ONSTACK;
  Cleanup a = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, sa));
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  const uintptr_t lo = reinterpret_cast<uintptr_t>(stack.data());
  EXPECT_GE(g_handler_sp, lo);
  EXPECT_LT(g_handler_sp, lo + stack.size());
  EXPECT_EQ(g_altstack_flags_in_handler, SS_DISABLE);
  // The handler's own sigaltstack call succeeded, but sigreturn puts back the
  // stack of the frame.
  EXPECT_EQ(g_altstack_change_errno, 0);
  stack_t got = {};
  ASSERT_THAT(sigaltstack(nullptr, &got), SyscallSucceeds());
  EXPECT_EQ(got.ss_sp, stack.data());
  EXPECT_EQ(got.ss_flags, kSsAutodisarm);
}

// rt_sigreturn(2): the interrupted context comes back as the handler left it.

constexpr uint64_t kRaxFromHandler = 0x5151515151515151ULL;
constexpr uint64_t kR8FromHandler = 0x0808080808080808ULL;
volatile uintptr_t g_ill_addr;
volatile uintptr_t g_ill_rip;
volatile int g_ill_code;

// Clobbers the registers a handler may freely use.
__attribute__((noinline)) void ClobberCallerSaved() {
  asm volatile(
      "xor %%eax, %%eax\n\t"
      "xor %%ecx, %%ecx\n\t"
      "xor %%edx, %%edx\n\t"
      "xor %%esi, %%esi\n\t"
      "xor %%edi, %%edi\n\t"
      "xor %%r8d, %%r8d\n\t"
      "xor %%r9d, %%r9d\n\t"
      "xor %%r10d, %%r10d\n\t"
      "xor %%r11d, %%r11d\n\t"
      "pxor %%xmm0, %%xmm0\n\t"
      "pxor %%xmm1, %%xmm1\n\t"
      "pxor %%xmm7, %%xmm7\n\t"
      "pxor %%xmm15, %%xmm15\n\t" ::
          : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0", "xmm1", "xmm7",
            "xmm15");
}

// Skips the 2-byte ud2 that raised SIGILL and hands back values in rax and r8.
void OnSigill(int, siginfo_t* info, void* ucv) {
  auto* uc = static_cast<ucontext_t*>(ucv);
  g_ill_addr = reinterpret_cast<uintptr_t>(info->si_addr);
  g_ill_code = info->si_code;
  g_ill_rip = uc->uc_mcontext.gregs[REG_RIP];
  uc->uc_mcontext.gregs[REG_RIP] += 2;
  uc->uc_mcontext.gregs[REG_RAX] = kRaxFromHandler;
  uc->uc_mcontext.gregs[REG_R8] = kR8FromHandler;
  ClobberCallerSaved();
}

struct sigaction SigillAction() {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = OnSigill;
  sa.sa_flags = SA_SIGINFO;
  return sa;
}

TEST_F(SignalTest, SigreturnResumesAtTheRipAndRegistersTheHandlerSet) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGILL, SigillAction()));
  register uint64_t r8 asm("r8") = 1;
  register uint64_t r9 asm("r9") = 0x0909090909090909ULL;
  register uint64_t r10 asm("r10") = 0x1010101010101010ULL;
  uint64_t rax = 0, rsi = 0x5353535353535353ULL, rdi = 0xd1d1d1d1d1d1d1d1ULL,
           rdx = 0xdddddddddddddddd;
  asm volatile("ud2"
               : "+a"(rax), "+S"(rsi), "+D"(rdi), "+d"(rdx), "+r"(r8), "+r"(r9), "+r"(r10)
               :
               : "rcx", "r11", "memory");
  const uint64_t r8_after = r8, r9_after = r9, r10_after = r10;
  EXPECT_EQ(rax, kRaxFromHandler);
  EXPECT_EQ(r8_after, kR8FromHandler);
  EXPECT_EQ(r9_after, 0x0909090909090909ULL);
  EXPECT_EQ(r10_after, 0x1010101010101010ULL);
  EXPECT_EQ(rsi, 0x5353535353535353ULL);
  EXPECT_EQ(rdi, 0xd1d1d1d1d1d1d1d1ULL);
  EXPECT_EQ(rdx, 0xddddddddddddddddULL);
  EXPECT_EQ(g_ill_code, ILL_ILLOPN);
  EXPECT_EQ(g_ill_addr, g_ill_rip);
}

TEST_F(SignalTest, SigreturnRestoresVectorRegisters) {
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGILL, SigillAction()));
  const uint64_t in0[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  const uint64_t in15[2] = {0x1515151515151515ULL, 0x5151515151515151ULL};
  uint64_t out0[2] = {}, out15[2] = {};
  asm volatile(
      "movdqu %[in0], %%xmm0\n\t"
      "movdqu %[in15], %%xmm15\n\t"
      "ud2\n\t"
      "movdqu %%xmm0, %[out0]\n\t"
      "movdqu %%xmm15, %[out15]\n\t"
      : [out0] "=m"(out0), [out15] "=m"(out15)
      : [in0] "m"(in0), [in15] "m"(in15)
      : "rax", "r8", "xmm0", "xmm15", "memory");
  EXPECT_EQ(out0[0], in0[0]);
  EXPECT_EQ(out0[1], in0[1]);
  EXPECT_EQ(out15[0], in15[0]);
  EXPECT_EQ(out15[1], in15[1]);
}

void AddSigusr2ToTheFrameMask(int, siginfo_t*, void* ucv) {
  sigaddset(&static_cast<ucontext_t*>(ucv)->uc_sigmask, SIGUSR2);
}

TEST_F(SignalTest, SigreturnRestoresTheMaskOfTheFrame) {
  const uint64_t start = CurrentMask();
  Cleanup restore([start] { RawSigprocmask(SIG_SETMASK, &start, nullptr); });
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = AddSigusr2ToTheFrameMask;
  sa.sa_flags = SA_SIGINFO;
  Cleanup c = ASSERT_NO_ERRNO_AND_VALUE(ScopedSigaction(SIGUSR1, sa));
  ASSERT_EQ(start & Bit(SIGUSR2), 0u);
  ASSERT_THAT(RaiseToSelf(SIGUSR1), SyscallSucceeds());
  EXPECT_EQ(CurrentMask(), start | Bit(SIGUSR2));
}

}  // namespace
}  // namespace kekkai::syscall_test

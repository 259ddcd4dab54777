#include "platform/ptrace/stub_factory.h"

#include <linux/close_range.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "base/logging.h"
#include "platform/ptrace/stub_blob.h"
#include "platform/ptrace/stub_filter.h"
#include "platform/ptrace/stub_layout.h"

namespace kekkai::platform::ptrace {
namespace {

// Exit statuses of a stub that failed before reaching its blob; the factory names
// the failed step in its log line.
enum ChildExit : int {
  kExitParent = 110,
  kExitSetsid,
  kExitSignals,
  kExitRseq,
  kExitTidAddress,
  kExitMap,
  kExitProtect,
  kExitCloseFds,
};

const char* ChildExitName(int status) {
  switch (status) {
    case kExitParent:
      return "PR_SET_PDEATHSIG / parent check";
    case kExitSetsid:
      return "setsid";
    case kExitSignals:
      return "resetting signal dispositions and mask";
    case kExitRseq:
      return "unregistering rseq";
    case kExitTidAddress:
      return "set_tid_address";
    case kExitMap:
      return "mapping the stub region";
    case kExitProtect:
      return "mprotect of the stub code";
    case kExitCloseFds:
      return "close_range";
    case kStubExitBlobFailed:
      return "the stub blob (no_new_privs, seccomp or munmap)";
    default:
      return "unknown step";
  }
}

// Issues a raw syscall: no errno, no glibc wrapper state. Async-signal-safe.
inline long RawSyscall(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0,
                       long a5 = 0) {
  long ret;
  register long r10 asm("r10") = a3;
  register long r8 asm("r8") = a4;
  register long r9 asm("r9") = a5;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
               : "rcx", "r11", "memory");
  return ret;
}

// Exits the child with `status`. Async-signal-safe.
[[noreturn]] void ChildDie(int status) {
  for (;;) RawSyscall(SYS_exit_group, status);
}

// The kernel's struct sigaction for rt_sigaction(2).
struct KernelSigaction {
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};

// Everything the child reads, prepared by the factory before clone (the child sees
// a copy-on-write snapshot of it).
struct ChildArgs {
  pid_t parent_pid;
  int memfd;
  int data_fd;
  const void* rseq_area;
  uint32_t rseq_size;
  const std::byte* blob;
  size_t blob_size;
  uint64_t init_entry;
  const sock_fprog* fprog;
};

// Runs in the freshly cloned stub, a copy of the factory thread with all signals
// blocked. Async-signal-safe: raw syscalls only, no allocation, no locks, no LOG
// (the fds it would log to are about to be closed). Never returns.
[[noreturn]] void StubChildMain(const ChildArgs& a) {
  if (RawSyscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL) != 0) ChildDie(kExitParent);
  // If the sentry died between clone and prctl we were reparented (to init or a
  // subreaper) and got no signal. (The factory thread itself is waiting for us.)
  if (RawSyscall(SYS_getppid) != a.parent_pid) ChildDie(kExitParent);
  // A session of its own: the caller's Ctrl-C, SIGWINCH and SIGHUP must not reach it.
  if (RawSyscall(SYS_setsid) < 0) ChildDie(kExitSetsid);

  const KernelSigaction dfl{};  // SIG_DFL, no flags, empty mask
  for (int sig = 1; sig <= 64; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    if (RawSyscall(SYS_rt_sigaction, sig, reinterpret_cast<long>(&dfl), 0, 8) != 0) {
      ChildDie(kExitSignals);
    }
  }

  // glibc registered rseq for the factory thread and clone (without CLONE_VM) kept
  // the registration: the kernel would keep writing into memory the blob unmaps.
  if (a.rseq_size != 0) {
    long r = RawSyscall(SYS_rseq, reinterpret_cast<long>(a.rseq_area), a.rseq_size,
                        RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
    // glibc >= 2.40 registers 32 bytes but reports the feature size in __rseq_size.
    if (r == -EINVAL) {
      r = RawSyscall(SYS_rseq, reinterpret_cast<long>(a.rseq_area), 32, RSEQ_FLAG_UNREGISTER,
                     RSEQ_SIG);
    }
    if (r != 0) ChildDie(kExitRseq);
  }
  // clone without CLONE_CHILD_CLEARTID left no pointer; make sure of it.
  if (RawSyscall(SYS_set_tid_address, 0) < 0) ChildDie(kExitTidAddress);

  constexpr long kFixedPrivate = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
  if (RawSyscall(SYS_mmap, kStubCodeAddr, kStubCodeSize, PROT_READ | PROT_WRITE, kFixedPrivate, -1,
                 0) != static_cast<long>(kStubCodeAddr) ||
      // Read-only: guest code shares this address space and must not be able to
      // change an op between the sentry writing it and the stub running it.
      RawSyscall(SYS_mmap, kStubDataAddr, kStubDataSize, PROT_READ, MAP_SHARED | MAP_FIXED,
                 a.data_fd, 0) != static_cast<long>(kStubDataAddr) ||
      RawSyscall(SYS_mmap, kStubStackAddr, kStubStackSize, PROT_READ | PROT_WRITE, kFixedPrivate,
                 -1, 0) != static_cast<long>(kStubStackAddr)) {
    ChildDie(kExitMap);
  }
  volatile std::byte* code = reinterpret_cast<std::byte*>(kStubCodeAddr);
  for (size_t i = 0; i < a.blob_size; ++i) code[i] = a.blob[i];
  if (RawSyscall(SYS_mprotect, kStubCodeAddr, kStubCodeSize, PROT_READ | PROT_EXEC) != 0) {
    ChildDie(kExitProtect);
  }

  // Keep only the MemoryFile (the data fd is mapped and no longer needed).
  if (a.memfd > 0 && RawSyscall(SYS_close_range, 0, a.memfd - 1, 0) != 0) ChildDie(kExitCloseFds);
  if (RawSyscall(SYS_close_range, a.memfd + 1, ~0U, 0) != 0) ChildDie(kExitCloseFds);

  const uint64_t empty_mask = 0;
  if (RawSyscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&empty_mask), 0, 8) != 0) {
    ChildDie(kExitSignals);
  }

  // Enter the blob on the stub stack; it never comes back here.
  asm volatile(
      "mov %[sp], %%rsp\n"
      "jmp *%[entry]\n"
      :
      : [sp] "r"(kStubStackTop), [entry] "r"(a.init_entry), "D"(a.fprog), "S"(kStubRegionStart),
        "d"(kStubRegionEnd)
      : "memory");
  __builtin_unreachable();
}

}  // namespace

Result<std::unique_ptr<StubFactory>> StubFactory::Start(int memfd) {
  if (StubBlob().size() > kStubCodeSize) {
    LOG(ERROR) << "stub blob is " << StubBlob().size() << " bytes, more than its page";
    return Errno(EINVAL);
  }
  Result<FileDescriptor> dup = Dup(memfd);
  if (!dup.ok()) {
    errno = dup.error().value();
    PLOG(ERROR) << "fcntl(memfd=" << memfd << ", F_DUPFD_CLOEXEC)";
    return dup.error();
  }
  std::unique_ptr<StubFactory> f(new StubFactory(std::move(*dup)));
  f->thread_ = std::thread([p = f.get()] { p->Run(); });
  return f;
}

StubFactory::StubFactory(FileDescriptor memfd)
    : memfd_(std::move(memfd)), filter_(BuildStubFilter(kStubCodeAddr)) {}

StubFactory::~StubFactory() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Result<pid_t> StubFactory::CreateStub(int data_fd) {
  Request req{data_fd, std::nullopt};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&req);
  cv_.notify_all();
  cv_.wait(lock, [&] { return req.result.has_value(); });
  return *req.result;
}

void StubFactory::Run() {
  // Signals meant for the sentry go to its other threads; a new stub starts with
  // everything blocked until it has reset its dispositions.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_ and nothing left to do
    Request* req = queue_.front();
    queue_.pop_front();
    lock.unlock();
    Result<pid_t> r = Spawn(req->data_fd);
    lock.lock();
    req->result = r;
    cv_.notify_all();
  }
}

Result<pid_t> StubFactory::Spawn(int data_fd) {
  const sock_fprog fprog{static_cast<unsigned short>(filter_.size()),
                         const_cast<sock_filter*>(filter_.data())};
  const std::span<const std::byte> blob = StubBlob();
  const ChildArgs args{
      .parent_pid = getpid(),
      .memfd = memfd_.get(),
      .data_fd = data_fd,
      .rseq_area = static_cast<const char*>(__builtin_thread_pointer()) + __rseq_offset,
      .rseq_size = __rseq_size,
      .blob = blob.data(),
      .blob_size = blob.size(),
      .init_entry = kStubCodeAddr + StubInitOffset(),
      .fprog = &fprog,
  };
  // A raw clone: the child gets no CLONE_CHILD_CLEARTID pointer, runs no atfork
  // handler and takes no glibc lock. It continues on a copy of this thread's stack.
  const long pid = RawSyscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) StubChildMain(args);
  if (pid < 0) {
    errno = static_cast<int>(-pid);
    PLOG(ERROR) << "clone(SIGCHLD) for a ptrace stub";
    return Errno(static_cast<int>(-pid));
  }

  int status = 0;
  for (;;) {
    pid_t r = waitpid(static_cast<pid_t>(pid), &status, WUNTRACED);
    if (r == pid) break;
    if (r < 0 && errno == EINTR) continue;
    PLOG(ERROR) << "waitpid(stub pid=" << pid << ", WUNTRACED)";
    kill(static_cast<pid_t>(pid), SIGKILL);
    return Errno(ECHILD);
  }
  if (WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP) return static_cast<pid_t>(pid);

  if (WIFEXITED(status)) {
    LOG(ERROR) << "ptrace stub " << pid << " failed at " << ChildExitName(WEXITSTATUS(status))
               << " (exit status " << WEXITSTATUS(status) << ")";
    return Errno(ECHILD);
  }
  if (WIFSIGNALED(status)) {
    LOG(ERROR) << "ptrace stub " << pid << " was killed by signal " << WTERMSIG(status)
               << " while starting";
    return Errno(ECHILD);
  }
  LOG(ERROR) << "ptrace stub " << pid << " stopped by signal " << WSTOPSIG(status)
             << " instead of SIGSTOP";
  kill(static_cast<pid_t>(pid), SIGKILL);
  waitpid(static_cast<pid_t>(pid), &status, 0);
  return Errno(ECHILD);
}

}  // namespace kekkai::platform::ptrace

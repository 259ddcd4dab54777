// Task: one guest thread. Each Task runs the loop — platform Switch() until the
// guest traps, handle the syscall / fault / signal, deliver pending signals, switch
// back — as a fiber on a sentry worker thread. Split by concern as gVisor's Task:
// task_run.cc (the loop), task_syscall.cc (dispatch, restart), task_signals.cc
// (sending, delivery, frames), task_block.cc (waiting), task_exit.cc.
#ifndef KEKKAI_SENTRY_KERNEL_TASK_H_
#define KEKKAI_SENTRY_KERNEL_TASK_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "abi/linux/signal.h"
#include "base/result.h"
#include "fs/vfs/fd_table.h"
#include "fs/vfs/vfs.h"
#include "platform/platform.h"
#include "sentry/auth/credentials.h"
#include "sentry/kernel/reactor.h"
#include "sentry/kernel/scheduler.h"
#include "sentry/kernel/signal_queue.h"
#include "sentry/kernel/syscall_table.h"
#include "sentry/mm/memory_manager.h"
#include "sentry/waiter/waiter.h"

namespace kekkai::sentry::kernel {

class Kernel;
class ThreadGroup;

// What a syscall that was interrupted by a signal does when it is restarted through
// restart_syscall(2) (ERESTART_RESTARTBLOCK).
struct RestartBlock {
  SyscallResult (*fn)(Task& t, const RestartBlock& rb) = nullptr;
  uint64_t args[4] = {};
};

class Task final : public waiter::Waiter {
 public:
  struct Options {
    ThreadGroup* tg = nullptr;
    int32_t tid = 0;
    std::shared_ptr<mm::MemoryManager> mm;
    std::shared_ptr<fs::vfs::FdTable> fds;
    auth::Credentials creds;
    fs::vfs::VirtualDentry root;  // The task's root directory (chroot).
    fs::vfs::VirtualDentry cwd;
    std::string comm;
    std::string exe;
  };
  Task(Kernel& k, Options opts);
  ~Task() override;

  Kernel& kernel() const { return kernel_; }
  ThreadGroup& thread_group() const { return *tg_; }
  int32_t tid() const { return tid_; }
  int32_t tgid() const;
  mm::MemoryManager& mm() const { return *mm_; }
  fs::vfs::FdTable& fd_table() const { return *fds_; }
  const auth::Credentials& creds() const { return creds_; }
  // Replaces this thread's credentials (the set*id(2) family, capset(2)). Call on
  // the task's own fiber: path_context() hands out a pointer to them.
  void set_creds(auth::Credentials c) { creds_ = std::move(c); }
  platform::CpuState& cpu() { return cpu_; }
  // The task running on this thread (nullptr off task fibers). Filesystems that
  // show the caller's own view (/proc/self) ask it.
  static Task* Current();
  const fs::vfs::VirtualDentry& root() const { return root_; }
  void set_root(fs::vfs::VirtualDentry root) { root_ = std::move(root); }
  const fs::vfs::VirtualDentry& cwd() const { return cwd_; }
  void set_cwd(fs::vfs::VirtualDentry cwd) { cwd_ = std::move(cwd); }
  // The program's canonical path (/proc/self/exe).
  const std::string& exe() const { return exe_; }
  // Returns the CPU time this thread has used: its guest code and the host's work
  // trapping it (its vehicles), plus the sentry's work for it (its worker thread).
  // Call on the task's own fiber.
  uint64_t CpuTimeNs() const;
  // Returns the fd-table size RLIMIT_NOFILE allows (new fds must be below it).
  int32_t FdLimit() const;
  // Returns what a path operation sees of this task: its credentials and root,
  // with relative paths starting at its working directory.
  fs::vfs::PathContext path_context() const { return {&creds_, root_, cwd_, umask_}; }
  uint32_t umask() const { return umask_; }
  void set_umask(uint32_t m) { umask_ = m & 0777; }
  const std::string& comm() const { return comm_; }
  void set_comm(std::string c) { comm_ = std::move(c); }
  // prctl(2) state.
  int pdeath_signal() const { return pdeath_signal_; }
  void set_pdeath_signal(int sig) { pdeath_signal_ = sig; }
  bool dumpable() const { return dumpable_; }
  void set_dumpable(bool d) { dumpable_ = d; }
  bool no_new_privs() const { return no_new_privs_; }
  void set_no_new_privs() { no_new_privs_ = true; }

  // Thread-exit bookkeeping (set_tid_address, set_robust_list).
  void set_clear_child_tid(uint64_t addr) { clear_child_tid_ = addr; }
  void set_robust_list(uint64_t head, uint64_t len) {
    robust_list_head_ = head;
    robust_list_len_ = len;
  }

  // Starts the task's fiber on the scheduler.
  void Start();

  // ---- Blocking (task_block.cc). Called on the task's own fiber. ----

  // Parks until a Notify (through a registered waiter::Entry), the deadline, or an
  // interruption (a deliverable signal, or the group exiting). Returns Ok when
  // notified (callers re-check their condition: wake-ups may be spurious), EINTR when
  // interrupted, ETIMEDOUT at the deadline.
  Result<void> Block(std::optional<Clock::time_point> deadline = std::nullopt);
  // Blocks until `file` is ready for `events`, as Block does.
  Result<void> BlockOn(waiter::Queue& q, uint32_t events,
                       std::optional<Clock::time_point> deadline = std::nullopt);
  // waiter::Waiter: wakes the task. Thread-safe.
  void Notify(uint32_t events) override;
  // Returns whether Block would return EINTR now.
  bool Interrupted() const;

  // ---- Signals (task_signals.cc). ----

  // Sends a thread-directed signal (tgkill, faults). Thread-safe.
  void SendSignal(const abi::linux::SigInfo& info);
  // Sends a signal the task raised synchronously (fault, trap): unblocks it and resets
  // an ignoring disposition, as the kernel's force_sig does.
  void ForceSignal(const abi::linux::SigInfo& info);
  abi::linux::SigSet signal_mask() const;
  // Returns the thread-directed pending set.
  abi::linux::SigSet PendingSet() const;
  // Drops this thread's pending instances of `sig`. Requires Kernel::signal_mu().
  void DiscardPendingLocked(int sig) { pending_.Discard(sig); }
  // Sets the signal mask (SIGKILL/SIGSTOP are never blocked).
  void SetSignalMask(abi::linux::SigSet mask);
  abi::linux::StackT& altstack() { return altstack_; }
  bool OnAltStack(uint64_t sp) const;
  // Restores registers, mask, altstack and FPU state from the frame at the stack
  // pointer (rt_sigreturn). Kills the task with SIGSEGV on a bad frame.
  void SigReturn();
  // Makes the task notice new signals or exit: wakes it if blocked, interrupts it if
  // running guest code. Thread-safe.
  void Kick();

  // ---- Exec (task_exec.cc). ----

  // execve(2)'s point of no return: installs a loaded program. Replaces the address
  // space, resets caught signals to their defaults, drops the alternate stack and
  // close-on-exec fds, and sets the registers for the new program's entry.
  void ExecReplace(std::shared_ptr<mm::MemoryManager> mm, uint64_t entry, uint64_t sp,
                   std::string exe, std::string comm);

  // ---- Exit (task_exit.cc). ----

  // exit(2): ends this thread. exit_group(2): ends the whole group.
  void Exit(int code);
  void ExitGroup(int wait_status);

  // ---- Syscall restart (task_syscall.cc). ----
  void set_restart_block(const RestartBlock& rb) { restart_block_ = rb; }
  const RestartBlock& restart_block() const { return restart_block_; }

 private:
  friend class Kernel;
  void Run();
  void HandleSyscall(const platform::SwitchResult& r);
  void HandleVsyscall(const platform::SwitchResult& r);
  void HandleFault(const platform::SwitchResult& r);
  void DeliverSignals();
  // Returns false if the signal killed or stopped the task.
  bool DeliverSignal(const abi::linux::SigInfo& info, const abi::linux::SigAction& act);
  Result<void> SetupFrame(const abi::linux::SigInfo& info, const abi::linux::SigAction& act);
  void FinishExit();
  bool ShouldExit() const;
  void StraceEnter(const SyscallEntry* e, uint64_t nr, const SyscallArgs& args,
                   std::string* line);
  void StraceExit(const SyscallEntry* e, const SyscallArgs& args, const SyscallResult& r,
                  std::string* line);

  Kernel& kernel_;
  ThreadGroup* const tg_;
  const int32_t tid_;
  std::shared_ptr<mm::MemoryManager> mm_;
  std::shared_ptr<fs::vfs::FdTable> fds_;
  auth::Credentials creds_;
  fs::vfs::VirtualDentry root_;
  fs::vfs::VirtualDentry cwd_;
  uint32_t umask_ = 022;
  std::string comm_;
  std::string exe_;
  int pdeath_signal_ = 0;
  bool dumpable_ = true;
  bool no_new_privs_ = false;

  platform::CpuState cpu_;
  std::unique_ptr<platform::Context> ctx_;
  std::atomic<platform::Context*> ctx_ptr_{nullptr};
  std::unique_ptr<Fiber> fiber_;
  // CPU time of address spaces this task left by exec, and of its worker thread when
  // the task started there (CpuTimeNs).
  uint64_t cpu_time_base_ns_ = 0;
  uint64_t worker_cpu_start_ns_ = 0;
  std::atomic<bool> timed_out_{false};

  // Guarded by Kernel::signal_mu().
  abi::linux::SigSet mask_ = 0;
  SignalQueue pending_;
  bool exiting_ = false;
  std::atomic<bool> kill_requested_{false};

  abi::linux::StackT altstack_{0, abi::linux::kSsDisable, 0, 0};
  // The errno of the last syscall when it asked to be restarted, else 0.
  int restart_errno_ = 0;
  RestartBlock restart_block_;
  uint64_t clear_child_tid_ = 0;
  uint64_t robust_list_head_ = 0;
  uint64_t robust_list_len_ = 0;
  bool exit_called_ = false;
};

}  // namespace kekkai::sentry::kernel

#endif  // KEKKAI_SENTRY_KERNEL_TASK_H_

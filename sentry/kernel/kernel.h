// Kernel: the root of all sentry state for one sandbox — the platform, the
// MemoryFile, the scheduler and reactor, the pid namespace, the syscall table
// (registered by runtime/ at start-up) and the futex table.
#ifndef KEKKAI_SENTRY_KERNEL_KERNEL_H_
#define KEKKAI_SENTRY_KERNEL_KERNEL_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "platform/platform.h"
#include "sentry/kernel/futex.h"
#include "sentry/kernel/host_facts.h"
#include "sentry/kernel/reactor.h"
#include "sentry/kernel/scheduler.h"
#include "sentry/kernel/syscall_table.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/thread_group.h"
#include "fs/vfs/vfs.h"
#include "sentry/mm/memory_file.h"
#include "sentry/mm/memory_manager.h"

namespace kekkai::sentry::kernel {

struct KernelOptions {
  platform::Platform* platform = nullptr;        // Not owned.
  mm::MemoryFile* memory_file = nullptr;          // Not owned.
  const SyscallTable* syscalls = nullptr;         // Not owned.
  fs::vfs::Vfs* vfs = nullptr;                    // Not owned: the guest's file tree.
  // A directory outside the tree whose filesystem makes memfd_create's files
  // (a tmpfs root).
  fs::vfs::VirtualDentry memfd_dir;
  std::string hostname = "kekkai";
  bool strace = false;
  // What the sandbox shows of the host (read at start-up).
  HostFacts host;
};

class Kernel {
 public:
  static Result<std::unique_ptr<Kernel>> Create(const KernelOptions& opts);
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  platform::Platform& platform() const { return *opts_.platform; }
  mm::MemoryFile& memory_file() const { return *opts_.memory_file; }
  const SyscallTable& syscalls() const { return *opts_.syscalls; }
  Reactor& reactor() const { return *reactor_; }
  Scheduler& scheduler() { return *scheduler_; }
  FutexTable& futexes() { return futexes_; }
  const std::string& hostname() const { return opts_.hostname; }
  const HostFacts& host_facts() const { return opts_.host; }
  fs::vfs::Vfs& vfs() const { return *opts_.vfs; }
  const fs::vfs::VirtualDentry& memfd_dir() const { return opts_.memfd_dir; }
  // Returns a fresh, empty address space for exec.
  Result<std::shared_ptr<mm::MemoryManager>> NewMemoryManager();
  bool strace() const { return opts_.strace; }
  Clock::time_point boot_time() const { return boot_time_; }
  // Guards all signal state: dispositions, masks, pending sets, exit flags.
  std::mutex& signal_mu() { return signal_mu_; }

  // What the first process starts with.
  struct InitProcess {
    std::shared_ptr<mm::MemoryManager> mm;
    std::shared_ptr<fs::vfs::FdTable> fds;
    auth::Credentials creds;
    fs::vfs::VirtualDentry root;
    fs::vfs::VirtualDentry cwd;
    std::string comm;
    std::string exe;  // Canonical path of the program (/proc/self/exe).
    uint64_t entry = 0;
    uint64_t stack_pointer = 0;
  };
  // Creates pid 1 from a loaded address space and starts it.
  Result<Task*> StartInit(InitProcess p);
  // Blocks the calling (non-sentry) thread until pid 1's group has exited and all
  // its threads have finished; returns its wait status.
  int WaitForInit();
  // Sends `sig` to pid 1's group as if from outside the sandbox (kekkai received it).
  void SignalInit(int sig);

  // Returns the ids of the thread groups (processes) that exist, ascending.
  std::vector<int32_t> ThreadGroupIds();
  // Returns the thread group `tgid`, or nullptr. Thread groups are never freed
  // before the kernel (none are reaped yet), so the pointer stays valid.
  ThreadGroup* FindThreadGroup(int32_t tgid);
  // Returns how many processes were ever created (/proc/stat's "processes").
  int32_t ProcessesCreated();

  // Logs an unimplemented syscall once per number.
  void ReportUnimplemented(uint64_t nr, const char* name);
  // Called when a thread group's last task exited.
  void OnThreadGroupExit(ThreadGroup* tg);

 private:
  friend class Task;
  explicit Kernel(const KernelOptions& opts, std::unique_ptr<Reactor> reactor);
  void OnTaskDone(Task* t);

  KernelOptions opts_;
  Clock::time_point boot_time_;
  std::unique_ptr<Reactor> reactor_;
  FutexTable futexes_;
  std::mutex signal_mu_;

  std::mutex mu_;
  std::condition_variable cv_;
  int32_t next_pid_ = 1;
  std::map<int32_t, std::unique_ptr<ThreadGroup>> thread_groups_;
  std::map<int32_t, std::unique_ptr<Task>> tasks_;
  size_t live_tasks_ = 0;
  ThreadGroup* init_ = nullptr;
  bool init_exited_ = false;
  std::set<uint64_t> reported_;

  // Reset first by ~Kernel: joins the workers, so no fiber runs while tasks are
  // destroyed.
  std::unique_ptr<Scheduler> scheduler_ = std::make_unique<Scheduler>();
};

}  // namespace kekkai::sentry::kernel

#endif  // KEKKAI_SENTRY_KERNEL_KERNEL_H_

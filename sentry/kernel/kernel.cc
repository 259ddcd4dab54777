#include "sentry/kernel/kernel.h"

#include <time.h>

#include "base/logging.h"

namespace kekkai::sentry::kernel {

using namespace abi::linux;

Result<std::unique_ptr<Kernel>> Kernel::Create(const KernelOptions& opts) {
  if (opts.platform == nullptr || opts.memory_file == nullptr || opts.syscalls == nullptr ||
      opts.vfs == nullptr) {
    return Errno(EINVAL);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Reactor> reactor, Reactor::Create());
  return std::unique_ptr<Kernel>(new Kernel(opts, std::move(reactor)));
}

Kernel::Kernel(const KernelOptions& opts, std::unique_ptr<Reactor> reactor)
    : opts_(opts), boot_time_(Clock::now()), reactor_(std::move(reactor)) {}

Kernel::~Kernel() {
  // Every task has finished (WaitForInit) or never started; the workers are idle.
  scheduler_.reset();
  tasks_.clear();
  thread_groups_.clear();
}

Result<Task*> Kernel::StartInit(InitProcess p) {
  Task* t;
  {
    std::lock_guard lock(mu_);
    if (init_ != nullptr) return Errno(EEXIST);
    const int32_t pid = next_pid_++;
    auto tg = std::make_unique<ThreadGroup>(*this, pid, nullptr);
    init_ = tg.get();
    Task::Options o;
    o.tg = init_;
    o.tid = pid;
    o.mm = std::move(p.mm);
    o.fds = std::move(p.fds);
    o.creds = std::move(p.creds);
    o.root = std::move(p.root);
    o.cwd = std::move(p.cwd);
    o.comm = std::move(p.comm);
    o.exe = std::move(p.exe);
    auto task = std::make_unique<Task>(*this, std::move(o));
    t = task.get();
    t->cpu().ResetForExec(p.entry, p.stack_pointer);
    {
      std::lock_guard slock(signal_mu_);
      init_->tasks().push_back(t);
    }
    thread_groups_.emplace(pid, std::move(tg));
    tasks_.emplace(pid, std::move(task));
    ++live_tasks_;
  }
  t->Start();
  return t;
}

Result<std::shared_ptr<mm::MemoryManager>> Kernel::NewMemoryManager() {
  ASSIGN_OR_RETURN(std::unique_ptr<platform::AddressSpace> as, opts_.platform->NewAddressSpace());
  return std::make_shared<mm::MemoryManager>(*opts_.memory_file, std::move(as));
}

int Kernel::WaitForInit() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return init_exited_ && live_tasks_ == 0; });
  std::lock_guard slock(signal_mu_);
  return init_->exit_status();
}

void Kernel::SignalInit(int sig) {
  ThreadGroup* tg;
  {
    std::lock_guard lock(mu_);
    tg = init_;
  }
  if (tg == nullptr) return;
  SigInfo info{};
  info.signo = sig;
  info.code = kSiUser;
  info.set_pid(0);  // From outside the sandbox's pid namespace.
  std::vector<Task*> tasks;
  {
    // Process-directed: queue on the group; a task that doesn't block it takes it.
    std::lock_guard slock(signal_mu_);
    if (tg->exiting() || tg->tasks().empty()) return;
    tg->pending().Enqueue(info);
    tasks = tg->tasks();
  }
  for (Task* t : tasks) t->Kick();
}

std::vector<int32_t> Kernel::ThreadGroupIds() {
  std::lock_guard lock(mu_);
  std::vector<int32_t> ids;
  ids.reserve(thread_groups_.size());
  for (const auto& [tgid, tg] : thread_groups_) ids.push_back(tgid);
  return ids;
}

ThreadGroup* Kernel::FindThreadGroup(int32_t tgid) {
  std::lock_guard lock(mu_);
  auto it = thread_groups_.find(tgid);
  return it == thread_groups_.end() ? nullptr : it->second.get();
}

int32_t Kernel::ProcessesCreated() {
  std::lock_guard lock(mu_);
  return next_pid_ - 1;
}

void Kernel::ReportUnimplemented(uint64_t nr, const char* name) {
  {
    std::lock_guard lock(mu_);
    if (!reported_.insert(nr).second) return;
  }
  if (name != nullptr) {
    LOG(INFO) << "unimplemented syscall " << nr << " (" << name << "): ENOSYS";
  } else {
    LOG(INFO) << "unknown syscall " << nr << ": ENOSYS";
  }
}

void Kernel::OnThreadGroupExit(ThreadGroup* tg) {
  std::lock_guard lock(mu_);
  if (tg == init_) {
    init_exited_ = true;
    cv_.notify_all();
  }
}

void Kernel::OnTaskDone(Task* /*t*/) {
  std::lock_guard lock(mu_);
  --live_tasks_;
  cv_.notify_all();
}

ThreadGroup::ThreadGroup(Kernel& k, int32_t tgid, ThreadGroup* parent)
    : kernel_(k), tgid_(tgid), parent_(parent), start_monotonic_ns_([] {
        timespec ts{};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
      }()) {
  for (auto& r : rlimits_) r = {kRlimInfinity, kRlimInfinity};
  rlimits_[kRlimitStack] = {8 << 20, kRlimInfinity};
  rlimits_[kRlimitCore] = {0, kRlimInfinity};
  rlimits_[kRlimitNofile] = {1024, 1024 * 1024};
  rlimits_[kRlimitNproc] = {63304, 63304};
  rlimits_[kRlimitMemlock] = {8 << 20, 8 << 20};
  rlimits_[kRlimitSigpending] = {63304, 63304};
  rlimits_[kRlimitMsgqueue] = {819200, 819200};
  rlimits_[kRlimitNice] = {0, 0};
  rlimits_[kRlimitRtprio] = {0, 0};
}

void ThreadGroup::BeginExit(int wait_status) {
  if (exiting_) return;
  exiting_ = true;
  exit_status_ = wait_status;
  // Linux cancels a dying process's ITIMER_REAL: a periodic one would go on
  // waking its thread (which then sends nothing) for as long as the group is
  // kept. Only disarmed here: the thread may be waiting for signal_mu to fire,
  // so it is joined when the group goes.
  std::lock_guard lock(real_timer_mu_);
  if (real_timer_) real_timer_->Set({});
}

}  // namespace kekkai::sentry::kernel

#include "sentry/kernel/task.h"

#include <time.h>

#include "base/logging.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/thread_group.h"

namespace kekkai::sentry::kernel {

Task::Task(Kernel& k, Options opts)
    : kernel_(k),
      tg_(opts.tg),
      tid_(opts.tid),
      mm_(std::move(opts.mm)),
      fds_(std::move(opts.fds)),
      creds_(std::move(opts.creds)),
      root_(std::move(opts.root)),
      cwd_(std::move(opts.cwd)),
      comm_(std::move(opts.comm)),
      exe_(std::move(opts.exe)) {}

Task::~Task() = default;

int32_t Task::tgid() const { return tg_->tgid(); }

void Task::Start() {
  fiber_ = std::make_unique<Fiber>([this] { Run(); }, [this] { kernel_.OnTaskDone(this); });
  kernel_.scheduler().Start(fiber_.get());
}

namespace {

uint64_t ThreadCpuTimeNs() {
  timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

uint64_t Task::CpuTimeNs() const {
  const uint64_t vehicle = ctx_ ? ctx_->VehicleCpuTimeNs() : 0;
  return cpu_time_base_ns_ + vehicle + (ThreadCpuTimeNs() - worker_cpu_start_ns_);
}

int32_t Task::FdLimit() const {
  std::lock_guard lock(kernel_.signal_mu());
  const uint64_t cur = tg_->rlimits()[abi::linux::kRlimitNofile].cur;
  return static_cast<int32_t>(std::min<uint64_t>(cur, fs::vfs::FdTable::kDefaultMaxFds));
}

namespace {
// The task whose fiber runs on this worker thread (a fiber never migrates).
thread_local Task* current_task = nullptr;
}  // namespace

Task* Task::Current() { return current_task; }

void Task::Run() {
  current_task = this;
  worker_cpu_start_ns_ = ThreadCpuTimeNs();
  auto ctx = kernel_.platform().NewContext();
  if (!ctx.ok()) {
    LOG(ERROR) << "task " << tid_ << ": no platform context: " << ctx.error().value();
    ExitGroup(abi::linux::kSigKill);
    FinishExit();
    return;
  }
  ctx_ = std::move(ctx).value();
  ctx_ptr_.store(ctx_.get());
  for (;;) {
    DeliverSignals();
    if (ShouldExit()) break;
    const platform::SwitchResult r = ctx_->Switch(mm_->address_space(), cpu_);
    switch (r.kind) {
      case platform::StopKind::kSyscall:
        HandleSyscall(r);
        break;
      case platform::StopKind::kVsyscall:
        HandleVsyscall(r);
        break;
      case platform::StopKind::kFault:
        HandleFault(r);
        break;
      case platform::StopKind::kSignal:
        ForceSignal(r.siginfo);
        break;
      case platform::StopKind::kInterrupted:
        break;
      case platform::StopKind::kDied:
        LOG(WARNING) << "task " << tid_ << ": its host vehicle died; killing the process";
        ExitGroup(abi::linux::kSigKill);
        break;
    }
  }
  FinishExit();
}

void Task::HandleFault(const platform::SwitchResult& r) {
  using FE = mm::MemoryManager::FaultError;
  const FE e = mm_->HandleFault(r.fault_addr, r.fault_access);
  if (e == FE::kNone) return;
  abi::linux::SigInfo info{};
  if (e == FE::kNoMem || e == FE::kBusErr) {
    info.signo = abi::linux::kSigBus;
    info.code = abi::linux::kBusAdrerr;
  } else {
    info.signo = abi::linux::kSigSegv;
    info.code = e == FE::kMapErr ? abi::linux::kSegvMaperr : abi::linux::kSegvAccerr;
  }
  info.set_addr(r.fault_addr);
  ForceSignal(info);
}

}  // namespace kekkai::sentry::kernel

// Task exec: installing a loaded program (execve's point of no return).
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"

namespace kekkai::sentry::kernel {

using namespace abi::linux;

void Task::ExecReplace(std::shared_ptr<mm::MemoryManager> mm, uint64_t entry, uint64_t sp,
                       std::string exe, std::string comm) {
  // Other threads would die here (de_thread); there are none until clone exists.
  {
    std::lock_guard lock(kernel_.signal_mu());
    // Caught signals go back to the default; ignored ones stay ignored.
    for (SigAction& a : tg_->actions()) {
      if (a.handler != kSigDfl && a.handler != kSigIgn) a = SigAction{};
      a.flags &= ~kSaOnstack;
    }
  }
  altstack_ = {0, kSsDisable, 0, 0};
  // The old mm's CLEARTID word is not written: no other thread shares it.
  clear_child_tid_ = 0;
  robust_list_head_ = 0;
  robust_list_len_ = 0;
  restart_block_ = {};
  restart_errno_ = 0;
  fds_->RemoveCloexec();
  // The old address space (and its stub) goes when its last user lets go; keep the
  // CPU time its vehicle used.
  if (ctx_) cpu_time_base_ns_ += ctx_->VehicleCpuTimeNs();
  mm_ = std::move(mm);
  exe_ = std::move(exe);
  comm_ = std::move(comm);
  cpu_.ResetForExec(entry, sp);
}

}  // namespace kekkai::sentry::kernel

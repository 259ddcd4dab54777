// Task signals: sending, dequeuing, default actions, and the x86-64 signal frame
// (setup and rt_sigreturn), laid out as the kernel's setup_rt_frame does.
#include <cstring>

#include "base/logging.h"
#include "platform/cpu_state.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"

namespace kekkai::sentry::kernel {

using namespace abi::linux;

namespace {

enum class DefaultAction { kTerm, kCore, kIgnore, kStop };

DefaultAction DefaultActionOf(int sig) {
  switch (sig) {
    case kSigQuit: case kSigIll: case kSigTrap: case kSigAbrt: case kSigBus: case kSigFpe:
    case kSigSegv: case kSigXcpu: case kSigXfsz: case kSigSys:
      return DefaultAction::kCore;
    case kSigChld: case kSigCont: case kSigUrg: case kSigWinch:
      return DefaultAction::kIgnore;
    case kSigStop: case kSigTstp: case kSigTtin: case kSigTtou:
      return DefaultAction::kStop;
    default:
      return DefaultAction::kTerm;
  }
}

// RFLAGS bits a signal handler may change through its frame (the kernel's FIX_EFLAGS).
constexpr uint64_t kFixEflags = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 |
                                0x1 | 0x10000;
// Flags cleared on handler entry: TF, DF, RF, AC.
constexpr uint64_t kHandlerClearedEflags = 0x100 | 0x400 | 0x10000 | 0x40000;

}  // namespace

SigSet Task::signal_mask() const {
  std::lock_guard lock(kernel_.signal_mu());
  return mask_;
}

SigSet Task::PendingSet() const {
  std::lock_guard lock(kernel_.signal_mu());
  return pending_.set();
}

void Task::SetSignalMask(SigSet mask) {
  std::lock_guard lock(kernel_.signal_mu());
  mask_ = mask & ~kUnblockableSignals;
}

void Task::SendSignal(const SigInfo& info) {
  {
    std::lock_guard lock(kernel_.signal_mu());
    if (exiting_) return;
    pending_.Enqueue(info);
  }
  Kick();
}

void Task::ForceSignal(const SigInfo& info) {
  {
    std::lock_guard lock(kernel_.signal_mu());
    const int sig = info.signo;
    SigAction& act = tg_->actions()[sig - 1];
    const bool blocked = (mask_ & SigMask(sig)) != 0;
    if (blocked || act.handler == kSigIgn) {
      act.handler = kSigDfl;
      mask_ &= ~SigMask(sig);
    }
    // A synchronous signal is delivered before anything else that is pending.
    pending_.Discard(sig);
    pending_.Enqueue(info);
  }
}

bool Task::OnAltStack(uint64_t sp) const {
  return altstack_.flags != kSsDisable && sp > altstack_.sp && sp - altstack_.sp <= altstack_.size;
}

void Task::DeliverSignals() {
  for (;;) {
    SigInfo info;
    SigAction act;
    {
      std::lock_guard lock(kernel_.signal_mu());
      if (kill_requested_.load()) return;
      // Synchronous signals first, as the kernel's dequeue does.
      constexpr SigSet kSync = SigMask(kSigSegv) | SigMask(kSigBus) | SigMask(kSigIll) |
                               SigMask(kSigTrap) | SigMask(kSigFpe) | SigMask(kSigSys);
      auto i = pending_.Dequeue(mask_ | ~kSync);
      if (!i) i = pending_.Dequeue(mask_);
      if (!i) i = tg_->pending().Dequeue(mask_);
      if (!i) break;
      info = *i;
      act = tg_->actions()[info.signo - 1];
      if (act.handler != kSigDfl && act.handler != kSigIgn && (act.flags & kSaResethand)) {
        tg_->actions()[info.signo - 1].handler = kSigDfl;
        tg_->actions()[info.signo - 1].flags &= ~kSaSiginfo;
      }
    }
    if (!DeliverSignal(info, act)) return;
  }
  if (restart_errno_ != 0) {
    // No handler ran: the interrupted syscall restarts transparently.
    cpu_.regs.rax = restart_errno_ == kERESTART_RESTARTBLOCK ? uint64_t{kSysRestartSyscall}
                                                              : cpu_.regs.orig_rax;
    cpu_.regs.rip -= 2;
    restart_errno_ = 0;
  }
}

bool Task::DeliverSignal(const SigInfo& info, const SigAction& act) {
  const int sig = info.signo;
  if (act.handler == kSigIgn && sig != kSigKill) return true;
  if (act.handler == kSigDfl || sig == kSigKill) {
    switch (DefaultActionOf(sig)) {
      case DefaultAction::kIgnore:
        return true;
      case DefaultAction::kStop:
        // Job control is not implemented: stopping signals are ignored.
        LOG(INFO) << "task " << tid_ << ": ignoring stop signal " << sig << " (no job control)";
        return true;
      case DefaultAction::kTerm:
      case DefaultAction::kCore:
        // No core dumps (RLIMIT_CORE is 0), so no core flag in the status.
        ExitGroup(sig);
        return false;
    }
  }
  // A handler runs: settle the interrupted syscall first, so the frame saves it.
  if (restart_errno_ != 0) {
    const bool restart = restart_errno_ == kERESTARTNOINTR ||
                         (restart_errno_ == kERESTARTSYS && (act.flags & kSaRestart));
    if (restart) {
      cpu_.regs.rax = cpu_.regs.orig_rax;
      cpu_.regs.rip -= 2;
    } else {
      cpu_.regs.rax = static_cast<uint64_t>(-EINTR);
    }
    restart_errno_ = 0;
  }
  if (!SetupFrame(info, act).ok()) {
    // As the kernel's force_sigsegv: a frame that can't be written kills the task.
    LOG(INFO) << "task " << tid_ << ": can't set up a frame for signal " << sig;
    ExitGroup(kSigSegv);
    return false;
  }
  return true;
}

Result<void> Task::SetupFrame(const SigInfo& info, const SigAction& act) {
  if ((act.flags & kSaRestorer) == 0) return Errno(EFAULT);
  RETURN_IF_ERROR(ctx_->PullFpState(cpu_));
  auto& regs = cpu_.regs;
  uint64_t sp = regs.rsp;
  StackT saved_altstack = altstack_;
  if ((act.flags & kSaOnstack) && altstack_.flags != kSsDisable && !OnAltStack(sp)) {
    sp = altstack_.sp + altstack_.size;
    if (altstack_.flags & kSsAutodisarm) altstack_ = {0, kSsDisable, 0, 0};
  } else {
    sp -= 128;  // The red zone.
  }
  const size_t xsave_size = cpu_.fp.size();
  const uint64_t xsave_total = xsave_size + sizeof(uint32_t);  // + FP_XSTATE_MAGIC2
  if (sp < xsave_total + sizeof(RtSigframe) + 64) return Errno(EFAULT);
  const uint64_t fp_addr = (sp - xsave_total) & ~uint64_t{63};
  uint64_t frame_addr = fp_addr - sizeof(RtSigframe);
  frame_addr = ((frame_addr + 8) & ~uint64_t{15}) - 8;

  // The FPU image, with the software bytes that mark the extended state.
  std::vector<std::byte> fp(cpu_.fp.bytes().begin(), cpu_.fp.bytes().end());
  fp.resize(xsave_total);
  FpxSwBytes sw{};
  sw.magic1 = kFpXstateMagic1;
  sw.extended_size = static_cast<uint32_t>(xsave_total);
  sw.xfeatures = platform::HostXfeatures();
  sw.xstate_size = static_cast<uint32_t>(xsave_size);
  std::memcpy(fp.data() + kFpxSwBytesOffset, &sw, sizeof(sw));
  const uint32_t magic2 = kFpXstateMagic2;
  std::memcpy(fp.data() + xsave_size, &magic2, sizeof(magic2));
  RETURN_IF_ERROR(mm_->CopyOutFull(GuestAddr(fp_addr), fp));

  RtSigframe f{};
  f.pretcode = act.restorer;
  f.info = info;
  f.uc.flags = kUcFpXstate | kUcSigcontextSs | kUcStrictRestoreSs;
  f.uc.stack = saved_altstack;
  SigContext& sc = f.uc.mcontext;
  sc.r8 = regs.r8; sc.r9 = regs.r9; sc.r10 = regs.r10; sc.r11 = regs.r11;
  sc.r12 = regs.r12; sc.r13 = regs.r13; sc.r14 = regs.r14; sc.r15 = regs.r15;
  sc.rdi = regs.rdi; sc.rsi = regs.rsi; sc.rbp = regs.rbp; sc.rbx = regs.rbx;
  sc.rdx = regs.rdx; sc.rax = regs.rax; sc.rcx = regs.rcx; sc.rsp = regs.rsp;
  sc.rip = regs.rip; sc.eflags = regs.eflags;
  sc.cs = static_cast<uint16_t>(regs.cs);
  sc.ss = static_cast<uint16_t>(regs.ss);
  if (info.signo == kSigSegv || info.signo == kSigBus) sc.cr2 = info.addr();
  sc.trapno = info.signo == kSigSegv ? 14 : 0;
  sc.fpstate = fp_addr;
  {
    std::lock_guard lock(kernel_.signal_mu());
    f.uc.sigmask = mask_;
    sc.oldmask = mask_;
  }
  RETURN_IF_ERROR(mm_->CopyOutObj(GuestAddr(frame_addr), f));

  {
    std::lock_guard lock(kernel_.signal_mu());
    SigSet add = act.mask;
    if ((act.flags & kSaNodefer) == 0) add |= SigMask(info.signo);
    mask_ = (mask_ | add) & ~kUnblockableSignals;
  }
  regs.rdi = static_cast<uint64_t>(info.signo);
  regs.rsi = frame_addr + offsetof(RtSigframe, info);
  regs.rdx = frame_addr + offsetof(RtSigframe, uc);
  regs.rax = 0;
  regs.rsp = frame_addr;
  regs.rip = act.handler;
  regs.cs = kUserCs;
  regs.ss = kUserDs;
  regs.eflags &= ~kHandlerClearedEflags;
  // The handler starts with a clean FPU state (fpu__clear_user_states).
  cpu_.fp.Reset();
  cpu_.fp_dirty = true;
  return Ok();
}

void Task::SigReturn() {
  auto& regs = cpu_.regs;
  const uint64_t frame_addr = regs.rsp - 8;
  auto f = mm_->CopyInObj<RtSigframe>(GuestAddr(frame_addr));
  if (!f.ok()) {
    ForceSignal([] { SigInfo i{}; i.signo = kSigSegv; i.code = kSiKernel; return i; }());
    return;
  }
  const SigContext& sc = f->uc.mcontext;
  regs.r8 = sc.r8; regs.r9 = sc.r9; regs.r10 = sc.r10; regs.r11 = sc.r11;
  regs.r12 = sc.r12; regs.r13 = sc.r13; regs.r14 = sc.r14; regs.r15 = sc.r15;
  regs.rdi = sc.rdi; regs.rsi = sc.rsi; regs.rbp = sc.rbp; regs.rbx = sc.rbx;
  regs.rdx = sc.rdx; regs.rax = sc.rax; regs.rcx = sc.rcx; regs.rsp = sc.rsp;
  regs.rip = sc.rip;
  regs.eflags = (regs.eflags & ~kFixEflags) | (sc.eflags & kFixEflags);
  regs.cs = kUserCs;
  regs.ss = kUserDs;
  regs.orig_rax = ~uint64_t{0};
  SetSignalMask(f->uc.sigmask);

  // Restore the FPU state. As the kernel's fpu__restore_sig: no fpstate resets it;
  // a misaligned, unreadable or malformed one is SIGSEGV (and never reaches the host).
  if (sc.fpstate == 0) {
    cpu_.fp.Reset();
  } else {
    std::vector<std::byte> img(cpu_.fp.size());
    bool ok = sc.fpstate % 64 == 0 && mm_->CopyInFull(GuestAddr(sc.fpstate), img).ok();
    if (ok) {
      FpxSwBytes sw;
      std::memcpy(&sw, img.data() + kFpxSwBytesOffset, sizeof(sw));
      if (sw.magic1 != kFpXstateMagic1 || sw.xstate_size != img.size()) {
        // A legacy FXSAVE-only frame: the extended components return to init state.
        std::memset(img.data() + kFxsaveSize, 0, img.size() - kFxsaveSize);
        const uint64_t bv = 0x3;
        std::memcpy(img.data() + kFxsaveSize, &bv, sizeof(bv));
      }
      ok = platform::ValidXsaveImage(img);
    }
    if (!ok) {
      SigInfo info{};
      info.signo = kSigSegv;
      info.code = kSiKernel;
      ForceSignal(info);
      cpu_.fp_dirty = true;
      return;
    }
    std::memcpy(cpu_.fp.bytes().data(), img.data(), img.size());
  }
  cpu_.fp_dirty = true;

  // sigaltstack from the frame, as restore_altstack does (errors ignored).
  const StackT& ss = f->uc.stack;
  if (!OnAltStack(regs.rsp)) {
    if (ss.flags & kSsDisable) {
      altstack_ = {0, kSsDisable, 0, 0};
    } else if (ss.size >= kMinSigstksz) {
      altstack_ = {ss.sp, ss.flags & kSsAutodisarm, 0, ss.size};
    }
  }
}

}  // namespace kekkai::sentry::kernel

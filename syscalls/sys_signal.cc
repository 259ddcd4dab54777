// rt_sigaction(2), rt_sigprocmask(2), rt_sigreturn(2), sigaltstack(2), kill(2),
// tgkill(2), tkill(2), rt_sigpending(2).
#include "abi/linux/signal.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/thread_group.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;

namespace {

bool ValidSignal(int32_t sig) { return sig >= 1 && sig <= kNumSignals; }

bool IgnoredByDefault(int sig) {
  return sig == kSigChld || sig == kSigCont || sig == kSigUrg || sig == kSigWinch;
}

SigInfo UserInfo(Task& t, int sig, int32_t code) {
  SigInfo info{};
  info.signo = sig;
  info.code = code;
  info.set_pid(t.tgid());
  info.set_uid(t.creds().uid);
  return info;
}

// Queues a process-directed signal on the caller's own group (the only process so
// far) and makes its threads notice.
void SendToGroup(Task& t, const SigInfo& info) {
  std::vector<Task*> tasks;
  {
    std::lock_guard lock(t.kernel().signal_mu());
    auto& tg = t.thread_group();
    if (tg.exiting()) return;
    tg.pending().Enqueue(info);
    tasks = tg.tasks();
  }
  for (Task* other : tasks) other->Kick();
}

// Returns the caller's thread with `tid` (threads of other processes don't exist yet).
Result<Task*> FindThread(Task& t, int32_t tid) {
  std::lock_guard lock(t.kernel().signal_mu());
  for (Task* other : t.thread_group().tasks()) {
    if (other->tid() == tid) return other;
  }
  return Errno(ESRCH);
}

}  // namespace

// rt_sigaction(2).
SyscallResult SysRtSigaction(Task& t, const SyscallArgs& args) {
  const int32_t sig = args.Int(0);
  if (args.Uint64(3) != sizeof(SigSet)) return Errno(EINVAL);
  if (!ValidSignal(sig)) return Errno(EINVAL);
  std::optional<SigAction> nact;
  if (Raw(args.Addr(1)) != 0) {
    if (sig == kSigKill || sig == kSigStop) return Errno(EINVAL);
    ASSIGN_OR_RETURN(SigAction a, t.mm().CopyInObj<SigAction>(args.Addr(1)));
    a.mask &= ~kUnblockableSignals;
    // Unknown flag bits are dropped, so programs can probe what is supported (5.11+).
    a.flags &= kSaNocldstop | kSaNocldwait | kSaSiginfo | kSaOnstack | kSaRestart |
               kSaNodefer | kSaResethand | kSaRestorer;
    nact = a;
  }
  SigAction old;
  {
    std::lock_guard lock(t.kernel().signal_mu());
    auto& tg = t.thread_group();
    SigAction& cur = tg.actions()[sig - 1];
    old = cur;
    if (nact) {
      cur = *nact;
      // A pending signal whose action becomes "ignore" is discarded (POSIX).
      if (nact->handler == kSigIgn || (nact->handler == kSigDfl && IgnoredByDefault(sig))) {
        tg.pending().Discard(sig);
        for (Task* other : tg.tasks()) other->DiscardPendingLocked(sig);
      }
    }
  }
  if (Raw(args.Addr(2)) != 0) RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(2), old));
  return uint64_t{0};
}

// rt_sigprocmask(2).
SyscallResult SysRtSigprocmask(Task& t, const SyscallArgs& args) {
  const int32_t how = args.Int(0);
  if (args.Uint64(3) != sizeof(SigSet)) return Errno(EINVAL);
  const SigSet old = t.signal_mask();
  if (Raw(args.Addr(1)) != 0) {
    ASSIGN_OR_RETURN(SigSet set, t.mm().CopyInObj<SigSet>(args.Addr(1)));
    switch (how) {
      case kSigBlock: t.SetSignalMask(old | set); break;
      case kSigUnblock: t.SetSignalMask(old & ~set); break;
      case kSigSetmask: t.SetSignalMask(set); break;
      default: return Errno(EINVAL);
    }
  }
  if (Raw(args.Addr(2)) != 0) RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(2), old));
  return uint64_t{0};
}

// rt_sigreturn(2).
SyscallResult SysRtSigreturn(Task& t, const SyscallArgs&) {
  t.SigReturn();
  return Errno(kernel::kEJustReturn);
}

// sigaltstack(2).
SyscallResult SysSigaltstack(Task& t, const SyscallArgs& args) {
  const uint64_t sp = t.cpu().regs.rsp;
  StackT& cur = t.altstack();
  const bool on = t.OnAltStack(sp);
  if (Raw(args.Addr(1)) != 0) {
    StackT o = cur;
    if (on) o.flags = kSsOnstack;
    else if (cur.flags & kSsDisable) o = {0, kSsDisable, 0, 0};
    RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), o));
  }
  if (Raw(args.Addr(0)) != 0) {
    ASSIGN_OR_RETURN(StackT ss, t.mm().CopyInObj<StackT>(args.Addr(0)));
    if (on) return Errno(EPERM);
    const int32_t mode = ss.flags & ~kSsAutodisarm;
    if (mode != 0 && mode != kSsDisable && mode != kSsOnstack) return Errno(EINVAL);
    if (mode == kSsDisable) {
      cur = {0, kSsDisable, 0, 0};
    } else {
      if (ss.size < kMinSigstksz) return Errno(ENOMEM);
      cur = {ss.sp, ss.flags & kSsAutodisarm, 0, ss.size};
    }
  }
  return uint64_t{0};
}

// kill(2). The caller's process is the only one in the sandbox so far.
SyscallResult SysKill(Task& t, const SyscallArgs& args) {
  const int32_t pid = args.Int(0);
  const int32_t sig = args.Int(1);
  if (sig != 0 && !ValidSignal(sig)) return Errno(EINVAL);
  // pid > 0: that process; 0, -1, -pgid: every process we may signal (all are us).
  if (pid == INT32_MIN) return Errno(ESRCH);
  if (pid > 0 && pid != t.tgid()) return Errno(ESRCH);
  if (pid < -1 && -pid != 1) return Errno(ESRCH);
  if (sig == 0) return uint64_t{0};
  SendToGroup(t, UserInfo(t, sig, kSiUser));
  return uint64_t{0};
}

// tgkill(2).
SyscallResult SysTgkill(Task& t, const SyscallArgs& args) {
  const int32_t tgid = args.Int(0), tid = args.Int(1), sig = args.Int(2);
  if (tgid <= 0 || tid <= 0) return Errno(EINVAL);
  if (sig != 0 && !ValidSignal(sig)) return Errno(EINVAL);
  if (tgid != t.tgid()) return Errno(ESRCH);
  ASSIGN_OR_RETURN(Task * target, FindThread(t, tid));
  if (sig != 0) target->SendSignal(UserInfo(t, sig, kSiTkill));
  return uint64_t{0};
}

// tkill(2).
SyscallResult SysTkill(Task& t, const SyscallArgs& args) {
  const int32_t tid = args.Int(0), sig = args.Int(1);
  if (tid <= 0) return Errno(EINVAL);
  if (sig != 0 && !ValidSignal(sig)) return Errno(EINVAL);
  ASSIGN_OR_RETURN(Task * target, FindThread(t, tid));
  if (sig != 0) target->SendSignal(UserInfo(t, sig, kSiTkill));
  return uint64_t{0};
}

// rt_sigpending(2). A smaller sigsetsize copies only that many bytes.
SyscallResult SysRtSigpending(Task& t, const SyscallArgs& args) {
  const uint64_t size = args.Uint64(1);
  if (size > sizeof(SigSet)) return Errno(EINVAL);
  SigSet set;
  {
    std::lock_guard lock(t.kernel().signal_mu());
    set = t.thread_group().pending().set();
  }
  set |= t.PendingSet();
  set &= t.signal_mask();
  RETURN_IF_ERROR(t.mm().CopyOutFull(args.Addr(0), std::as_bytes(std::span(&set, 1)).first(size)));
  return uint64_t{0};
}

}  // namespace kekkai::syscalls

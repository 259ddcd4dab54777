// Identity, limits and thread bookkeeping: arch_prctl(2), set_tid_address(2),
// set_robust_list(2), getpid(2) and friends, exit(2), exit_group(2), sched_yield(2),
// sched_getaffinity(2), getcpu(2), prlimit64(2), getrlimit(2), setrlimit(2),
// uname(2), sysinfo(2), getrandom(2), restart_syscall(2).
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "abi/linux/types.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/thread_group.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;

namespace {

// The size of struct robust_list_head.
constexpr uint64_t kRobustListHeadSize = 24;
// Largest single getrandom(2) Linux returns.
constexpr uint64_t kMaxRandomBytes = 33554431;

// The CPUs the sandbox shows (read at start-up, as /sys/devices/system/cpu/online).
int NumCpus(const Task& t) { return std::clamp(t.kernel().host_facts().num_cpus, 1, 1024); }

Result<void> CheckSelf(Task& t, int32_t pid) {
  if (pid != 0 && pid != t.tid() && pid != t.tgid()) return Errno(ESRCH);
  return Ok();
}

SyscallResult Prlimit(Task& t, int32_t pid, int resource, GuestAddr new_addr, GuestAddr old_addr) {
  RETURN_IF_ERROR(CheckSelf(t, pid));
  if (resource < 0 || resource >= kRlimNlimits) return Errno(EINVAL);
  std::optional<Rlimit> nl;
  if (Raw(new_addr) != 0) {
    ASSIGN_OR_RETURN(Rlimit r, t.mm().CopyInObj<Rlimit>(new_addr));
    if (r.cur > r.max) return Errno(EINVAL);
    nl = r;
  }
  Rlimit old;
  {
    std::lock_guard lock(t.kernel().signal_mu());
    Rlimit& cur = t.thread_group().rlimits()[resource];
    old = cur;
    if (nl) {
      // Raising the hard limit needs CAP_SYS_RESOURCE, which a container lacks.
      if (nl->max > cur.max) return Errno(EPERM);
      if (resource == kRlimitNofile && nl->max > static_cast<uint64_t>(fs::vfs::FdTable::kDefaultMaxFds)) {
        return Errno(EPERM);
      }
      cur = *nl;
    }
  }
  if (Raw(old_addr) != 0) RETURN_IF_ERROR(t.mm().CopyOutObj(old_addr, old));
  return uint64_t{0};
}

void CopyField(char (&dst)[kUtsLen], const std::string& s) {
  std::memset(dst, 0, kUtsLen);
  std::memcpy(dst, s.data(), std::min<size_t>(s.size(), kUtsLen - 1));
}

}  // namespace

// arch_prctl(2).
SyscallResult SysArchPrctl(Task& t, const SyscallArgs& args) {
  auto& regs = t.cpu().regs;
  const uint64_t addr = args.Uint64(1);
  switch (args.Int(0)) {
    case kArchSetFs:
      if (addr >= t.mm().max_address()) return Errno(EPERM);
      regs.fs_base = addr;
      regs.fs = 0;
      return uint64_t{0};
    case kArchSetGs:
      if (addr >= t.mm().max_address()) return Errno(EPERM);
      regs.gs_base = addr;
      regs.gs = 0;
      return uint64_t{0};
    case kArchGetFs:
      RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), regs.fs_base));
      return uint64_t{0};
    case kArchGetGs:
      RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), regs.gs_base));
      return uint64_t{0};
    case kArchGetCpuid:
      return uint64_t{1};
    case kArchSetCpuid:
      // CPUID faulting is not offered: only "enabled" is accepted.
      return addr != 0 ? SyscallResult(uint64_t{0}) : SyscallResult(Errno(ENODEV));
    default:
      return Errno(EINVAL);
  }
}

// set_tid_address(2).
SyscallResult SysSetTidAddress(Task& t, const SyscallArgs& args) {
  t.set_clear_child_tid(args.Uint64(0));
  return static_cast<uint64_t>(t.tid());
}

// set_robust_list(2). Recorded; robust futexes are not walked at exit yet.
SyscallResult SysSetRobustList(Task& t, const SyscallArgs& args) {
  if (args.Uint64(1) != kRobustListHeadSize) return Errno(EINVAL);
  t.set_robust_list(args.Uint64(0), args.Uint64(1));
  return uint64_t{0};
}

// getpid(2).
SyscallResult SysGetpid(Task& t, const SyscallArgs&) { return static_cast<uint64_t>(t.tgid()); }

// getppid(2). The first process's parent is outside the sandbox: 0.
SyscallResult SysGetppid(Task& t, const SyscallArgs&) {
  const kernel::ThreadGroup* p = t.thread_group().parent();
  return static_cast<uint64_t>(p != nullptr ? p->tgid() : 0);
}

// gettid(2).
SyscallResult SysGettid(Task& t, const SyscallArgs&) { return static_cast<uint64_t>(t.tid()); }

// getuid(2), geteuid(2), getgid(2), getegid(2).
SyscallResult SysGetuid(Task& t, const SyscallArgs&) { return uint64_t{t.creds().uid}; }
SyscallResult SysGeteuid(Task& t, const SyscallArgs&) { return uint64_t{t.creds().euid}; }
SyscallResult SysGetgid(Task& t, const SyscallArgs&) { return uint64_t{t.creds().gid}; }
SyscallResult SysGetegid(Task& t, const SyscallArgs&) { return uint64_t{t.creds().egid}; }

// getresuid(2).
SyscallResult SysGetresuid(Task& t, const SyscallArgs& args) {
  const auto& c = t.creds();
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(0), c.uid));
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), c.euid));
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(2), c.suid));
  return uint64_t{0};
}

// getresgid(2).
SyscallResult SysGetresgid(Task& t, const SyscallArgs& args) {
  const auto& c = t.creds();
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(0), c.gid));
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), c.egid));
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(2), c.sgid));
  return uint64_t{0};
}

// getgroups(2).
SyscallResult SysGetgroups(Task& t, const SyscallArgs& args) {
  const auto& g = t.creds().groups;
  const int32_t size = args.Int(0);
  if (size < 0) return Errno(EINVAL);
  if (size == 0) return uint64_t{g.size()};
  if (static_cast<size_t>(size) < g.size()) return Errno(EINVAL);
  RETURN_IF_ERROR(t.mm().CopyOutFull(args.Addr(1), std::as_bytes(std::span(g))));
  return uint64_t{g.size()};
}

// getpgrp(2), getpgid(2), getsid(2). No job control yet: every process is in the
// first process's group and session.
SyscallResult SysGetpgrp(Task&, const SyscallArgs&) { return uint64_t{1}; }
SyscallResult SysGetpgid(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(CheckSelf(t, args.Int(0)));
  return uint64_t{1};
}
SyscallResult SysGetsid(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(CheckSelf(t, args.Int(0)));
  return uint64_t{1};
}

// exit(2).
SyscallResult SysExit(Task& t, const SyscallArgs& args) {
  t.Exit(args.Int(0));
  return uint64_t{0};
}

// exit_group(2).
SyscallResult SysExitGroup(Task& t, const SyscallArgs& args) {
  t.ExitGroup((args.Int(0) & 0xff) << 8);
  return uint64_t{0};
}

// sched_yield(2).
SyscallResult SysSchedYield(Task&, const SyscallArgs&) { return uint64_t{0}; }

// sched_getaffinity(2). Every host CPU the sentry may use.
SyscallResult SysSchedGetaffinity(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(CheckSelf(t, args.Int(0)));
  const uint64_t len = args.Uint64(1);
  const int ncpu = NumCpus(t);
  const uint64_t need = ((static_cast<uint64_t>(ncpu) + 63) / 64) * 8;
  if (len < need || len % sizeof(uint64_t) != 0) return Errno(EINVAL);
  std::vector<uint64_t> mask(need / 8, 0);
  for (int i = 0; i < ncpu; ++i) mask[i / 64] |= uint64_t{1} << (i % 64);
  RETURN_IF_ERROR(t.mm().CopyOutFull(args.Addr(2), std::as_bytes(std::span(mask))));
  return need;
}

// getcpu(2). Reports CPU 0, node 0.
SyscallResult SysGetcpu(Task& t, const SyscallArgs& args) {
  const uint32_t zero = 0;
  if (Raw(args.Addr(0)) != 0) RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(0), zero));
  if (Raw(args.Addr(1)) != 0) RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), zero));
  return uint64_t{0};
}

// prlimit64(2). Only the calling process.
SyscallResult SysPrlimit64(Task& t, const SyscallArgs& args) {
  return Prlimit(t, args.Int(0), args.Int(1), args.Addr(2), args.Addr(3));
}

// getrlimit(2).
SyscallResult SysGetrlimit(Task& t, const SyscallArgs& args) {
  return Prlimit(t, 0, args.Int(0), GuestAddr(0), args.Addr(1));
}

// setrlimit(2).
SyscallResult SysSetrlimit(Task& t, const SyscallArgs& args) {
  return Prlimit(t, 0, args.Int(0), args.Addr(1), GuestAddr(0));
}

// uname(2).
SyscallResult SysUname(Task& t, const SyscallArgs& args) {
  Utsname u{};
  // The host's release and version, read at start-up (/proc/sys/kernel agrees).
  CopyField(u.sysname, "Linux");
  CopyField(u.nodename, t.kernel().hostname());
  CopyField(u.release, t.kernel().host_facts().release);
  CopyField(u.version, t.kernel().host_facts().version);
  CopyField(u.machine, "x86_64");
  CopyField(u.domainname, "(none)");
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(0), u));
  return uint64_t{0};
}

// sysinfo(2). Uptime is CLOCK_BOOTTIME's, which guests read from the host's
// clock; total memory comes from the host facts read at start-up and free memory
// is what the sandbox hasn't used of it (as /proc/meminfo); load averages are 0.
SyscallResult SysSysinfo(Task& t, const SyscallArgs& args) {
  const sentry::kernel::HostFacts& h = t.kernel().host_facts();
  timespec boot;
  if (clock_gettime(CLOCK_BOOTTIME, &boot) != 0) return LastErrno();
  Sysinfo s{};
  s.uptime = boot.tv_sec;
  s.totalram = h.mem_total_bytes;
  s.freeram = h.mem_total_bytes - std::min(t.kernel().memory_file().usage(), h.mem_total_bytes);
  s.procs = static_cast<uint16_t>(std::min<size_t>(t.kernel().ThreadGroupIds().size(), 0xffff));
  s.mem_unit = 1;
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(0), s));
  return uint64_t{0};
}

// getrandom(2).
SyscallResult SysGetrandom(Task& t, const SyscallArgs& args) {
  const uint32_t flags = args.Uint(2);
  if ((flags & ~uint32_t(kGrndNonblock | kGrndRandom | kGrndInsecure)) != 0) return Errno(EINVAL);
  if ((flags & kGrndRandom) && (flags & kGrndInsecure)) return Errno(EINVAL);
  const uint64_t len = std::min(args.Uint64(1), kMaxRandomBytes);
  std::vector<std::byte> buf(std::min<uint64_t>(len, 1 << 16));
  uint64_t done = 0;
  while (done < len) {
    const size_t n = std::min<uint64_t>(buf.size(), len - done);
    if (getrandom(buf.data(), n, 0) != static_cast<ssize_t>(n)) return LastErrno();
    auto copied = t.mm().CopyOut(args.Addr(0) + done, std::span(buf.data(), n));
    if (!copied.ok()) return done > 0 ? SyscallResult(done) : SyscallResult(copied.error());
    done += *copied;
    if (*copied < n) break;
  }
  return done;
}

// prctl(2): names, dumpable, no_new_privs and the parent-death signal. Other
// options are EINVAL.
SyscallResult SysPrctl(Task& t, const SyscallArgs& args) {
  constexpr int kPrSetPdeathsig = 1, kPrGetPdeathsig = 2, kPrGetDumpable = 3,
                kPrSetDumpable = 4, kPrSetName = 15, kPrGetName = 16, kPrSetNoNewPrivs = 38,
                kPrGetNoNewPrivs = 39;
  constexpr size_t kTaskCommLen = 16;
  switch (args.Int(0)) {
    case kPrSetName: {
      std::array<char, kTaskCommLen> buf{};
      // Copy what is readable of the first 16 bytes, as strncpy_from_user does.
      auto got = t.mm().CopyIn(args.Addr(1), std::as_writable_bytes(std::span(buf)));
      if (!got.ok()) return got.error();
      buf[kTaskCommLen - 1] = '\0';
      t.set_comm(std::string(buf.data(), strnlen(buf.data(), kTaskCommLen - 1)));
      return uint64_t{0};
    }
    case kPrGetName: {
      std::array<char, kTaskCommLen> buf{};
      std::memcpy(buf.data(), t.comm().data(), std::min(t.comm().size(), kTaskCommLen - 1));
      RETURN_IF_ERROR(t.mm().CopyOutFull(args.Addr(1), std::as_bytes(std::span(buf))));
      return uint64_t{0};
    }
    case kPrSetPdeathsig: {
      const int32_t sig = args.Int(1);
      if (sig < 0 || sig > kNumSignals) return Errno(EINVAL);
      t.set_pdeath_signal(sig);
      return uint64_t{0};
    }
    case kPrGetPdeathsig:
      RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), int32_t{t.pdeath_signal()}));
      return uint64_t{0};
    case kPrGetDumpable:
      return uint64_t{t.dumpable() ? 1u : 0u};
    case kPrSetDumpable:
      if (args.Uint64(1) > 1) return Errno(EINVAL);
      t.set_dumpable(args.Uint64(1) == 1);
      return uint64_t{0};
    case kPrSetNoNewPrivs:
      if (args.Uint64(1) != 1 || args.Uint64(2) != 0 || args.Uint64(3) != 0 || args.Uint64(4) != 0) {
        return Errno(EINVAL);
      }
      t.set_no_new_privs();
      return uint64_t{0};
    case kPrGetNoNewPrivs:
      if (args.Uint64(1) != 0 || args.Uint64(2) != 0 || args.Uint64(3) != 0 || args.Uint64(4) != 0) {
        return Errno(EINVAL);
      }
      return uint64_t{t.no_new_privs() ? 1u : 0u};
    default:
      return Errno(EINVAL);
  }
}

// restart_syscall(2).
SyscallResult SysRestartSyscall(Task& t, const SyscallArgs&) {
  const kernel::RestartBlock rb = t.restart_block();
  t.set_restart_block({});
  if (rb.fn == nullptr) return Errno(EINTR);
  return rb.fn(t, rb);
}

}  // namespace kekkai::syscalls

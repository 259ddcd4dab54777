// The text of /proc/PID/... files, in Linux's formats (fs/proc/array.c,
// fs/proc/base.c, fs/proc/task_mmu.c, fs/proc_namespace.c), from the sentry's
// own state.
#include <time.h>

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "abi/linux/signal.h"
#include "abi/linux/types.h"
#include "fs/proc/proc_internal.h"
#include "fs/vfs/dentry.h"
#include "fs/vfs/mount.h"
#include "fs/vfs/vfs.h"

namespace kekkai::fs::proc {

namespace {

namespace linux = abi::linux;
using sentry::mm::MemoryManager;

constexpr int kCapSysPtrace = 19;
// open(2) flags fdinfo shows or hides, as Linux's f_flags.
constexpr uint32_t kOCreat = 0100, kOExcl = 0200, kONoctty = 0400, kOTrunc = 01000,
                   kOLargefile = 0100000, kOCloexec = 02000000;
// The most bytes /proc/PID/{cmdline,environ} show (the most execve allows).
constexpr uint64_t kMaxArgBytes = (uint64_t{8} << 20) / 4 * 3;

template <typename... Args>
void Appendf(std::string* out, const char* fmt, Args... args) {
  char buf[512];
  const int n = std::snprintf(buf, sizeof(buf), fmt, args...);
  if (n > 0) out->append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof(buf) - 1));
}

// Decodes a stat(2) st_dev into major and minor (Linux's new_decode_dev).
std::pair<unsigned, unsigned> DecodeDev(uint64_t dev) {
  return {static_cast<unsigned>(((dev >> 8) & 0xfff) | ((dev >> 32) & ~uint64_t{0xfff})),
          static_cast<unsigned>((dev & 0xff) | ((dev >> 12) & ~uint64_t{0xff}))};
}

// What the signal files show of a thread and its process.
struct SignalState {
  linux::SigSet thread_pending = 0, shared_pending = 0, blocked = 0, ignored = 0, caught = 0;
  size_t threads = 0;
  linux::Rlimit sigpending{}, rss{};
};

SignalState ReadSignals(Task& t) {
  SignalState s;
  s.thread_pending = t.PendingSet();
  s.blocked = t.signal_mask();
  ThreadGroup& tg = t.thread_group();
  std::lock_guard lock(t.kernel().signal_mu());
  s.shared_pending = tg.pending().set();
  for (int sig = 1; sig <= linux::kNumSignals; ++sig) {
    const uint64_t h = tg.actions()[sig - 1].handler;
    if (h == linux::kSigIgn) {
      s.ignored |= linux::SigSet{1} << (sig - 1);
    } else if (h != linux::kSigDfl) {
      s.caught |= linux::SigSet{1} << (sig - 1);
    }
  }
  s.threads = tg.tasks().size();
  s.sigpending = tg.rlimits()[linux::kRlimitSigpending];
  s.rss = tg.rlimits()[linux::kRlimitRss];
  return s;
}

// Whether a VMA shows a file's pages. The loader may copy a program's segments
// into anonymous memory named for the file: a path name counts as the file's.
bool FromFile(const MemoryManager::VmaStats& v) {
  return v.file || (!v.shared_anon && !v.name.empty() && v.name[0] == '/');
}

// Whether a VMA's resident pages count as anonymous memory (RssAnon, smaps'
// Anonymous): private memory that isn't a file's, or a private writable
// mapping of a file (its pages are copies once written).
bool AnonPages(const MemoryManager::VmaStats& v) {
  if (v.shared) return false;
  return !FromFile(v) || (v.prot & linux::kProtWrite) != 0;
}

// Memory figures of one address space, in bytes.
struct MemFigures {
  uint64_t size = 0, rss = 0, rss_anon = 0, rss_file = 0, rss_shmem = 0;
  uint64_t data = 0, stack = 0, exe = 0, lib = 0;
  uint64_t start_code = 0, end_code = 0;
};

MemFigures ReadMemory(Task& t) {
  MemFigures f;
  for (const MemoryManager::VmaStats& v : t.mm().VmaStatsSnapshot()) {
    const uint64_t len = v.end - v.start;
    f.size += len;
    f.rss += v.resident;
    if (v.shared_anon) {
      f.rss_shmem += v.resident;
    } else if (AnonPages(v)) {
      f.rss_anon += v.resident;
    } else {
      f.rss_file += v.resident;
    }
    const bool stack = v.grows_down || v.name == "[stack]";
    if (stack) {
      f.stack += len;
    } else if ((v.prot & linux::kProtWrite) && !v.shared) {
      f.data += len;
    }
    if ((v.prot & linux::kProtExec) && FromFile(v)) {
      if (v.name == t.exe()) {
        f.exe += len;
        if (f.start_code == 0 || v.start < f.start_code) f.start_code = v.start;
        f.end_code = std::max(f.end_code, v.end);
      } else {
        f.lib += len;
      }
    }
  }
  return f;
}

uint64_t Kb(uint64_t bytes) { return bytes >> 10; }

// The process's CPU time in clock ticks: only a task's own fiber can measure it,
// so other tasks count 0 for now.
uint64_t CpuTicks(Task& t) {
  if (&t != Task::Current()) return 0;
  return t.CpuTimeNs() / (1'000'000'000 / kClockTicks);
}

char StateChar(Task& t) { return &t == Task::Current() ? 'R' : 'S'; }

int32_t ParentPid(Task& t) {
  const ThreadGroup* p = t.thread_group().parent();
  return p != nullptr ? p->tgid() : 0;
}

// Escapes a task name as /proc/PID/status shows it.
std::string EscapeName(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}

// Escapes a path as seq_path/mangle do for mount tables: space, tab, newline
// and backslash as octal escapes.
std::string EscapeMountPath(std::string_view p) {
  std::string out;
  for (char c : p) {
    switch (c) {
      case ' ':
        out += "\\040";
        break;
      case '\t':
        out += "\\011";
        break;
      case '\n':
        out += "\\012";
        break;
      case '\\':
        out += "\\134";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// One line of /proc/PID/maps.
void AppendMapsLine(std::string* out, const MemoryManager::VmaStats& v) {
  const auto [major, minor] = DecodeDev(v.dev);
  char line[160];
  int n = std::snprintf(line, sizeof(line),
                        "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64 " %02x:%02x %" PRIu64 " ",
                        v.start, v.end, (v.prot & linux::kProtRead) ? 'r' : '-',
                        (v.prot & linux::kProtWrite) ? 'w' : '-',
                        (v.prot & linux::kProtExec) ? 'x' : '-', v.shared ? 's' : 'p', v.pgoff,
                        major, minor, v.ino);
  n = std::clamp(n, 0, static_cast<int>(sizeof(line) - 1));
  out->append(line, static_cast<size_t>(n));
  if (!v.name.empty()) {
    // Linux pads the fixed fields to 73 columns before the name.
    out->append(n < 73 ? static_cast<size_t>(73 - n) : 1, ' ');
    for (char c : v.name) {
      if (c == '\n') {
        out->append("\\012");
      } else {
        out->push_back(c);
      }
    }
  }
  out->push_back('\n');
}

}  // namespace

std::optional<int32_t> ParseNumber(std::string_view s) {
  if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(v);
}

Result<Task*> FindThread(int32_t pid, int32_t tid) {
  Task* caller = Task::Current();
  if (caller == nullptr) return Errno(ENOENT);
  ThreadGroup* tg = caller->kernel().FindThreadGroup(pid);
  if (tg == nullptr) return Errno(ENOENT);
  std::lock_guard lock(caller->kernel().signal_mu());
  for (Task* t : tg->tasks()) {
    if (t->tid() == tid) return t;
  }
  return Errno(ENOENT);
}

Result<Task*> FindProcess(int32_t pid) {
  Task* caller = Task::Current();
  if (caller == nullptr) return Errno(ENOENT);
  ThreadGroup* tg = caller->kernel().FindThreadGroup(pid);
  if (tg == nullptr) return Errno(ENOENT);
  std::lock_guard lock(caller->kernel().signal_mu());
  if (tg->tasks().empty()) return Errno(ENOENT);
  for (Task* t : tg->tasks()) {
    if (t->tid() == pid) return t;
  }
  return tg->tasks().front();
}

std::pair<uint32_t, uint32_t> ProcessOwner(int32_t pid) {
  Result<Task*> t = FindProcess(pid);
  if (!t.ok() || !(*t)->dumpable()) return {0, 0};
  return {(*t)->creds().euid, (*t)->creds().egid};
}

Result<void> MayReadMemory(const Task& caller, Task& target) {
  if (&caller.thread_group() == &target.thread_group()) return Ok();
  const sentry::auth::Credentials& c = caller.creds();
  if (c.HasCapability(kCapSysPtrace)) return Ok();
  const sentry::auth::Credentials& tc = target.creds();
  const bool ids_match = c.fsuid == tc.uid && c.fsuid == tc.euid && c.fsuid == tc.suid &&
                         c.fsgid == tc.gid && c.fsgid == tc.egid && c.fsgid == tc.sgid;
  if (!ids_match || !target.dumpable()) return Errno(EACCES);
  return Ok();
}

Result<const sentry::kernel::HostFacts*> CallerHostFacts() {
  Task* caller = Task::Current();
  if (caller == nullptr) return Errno(ENOENT);
  return &caller->kernel().host_facts();
}

int64_t MonotonicNowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int64_t RealtimeNowNs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::string CpuMaskText(int n) {
  n = std::max(n, 1);
  std::string out;
  const int chunks = (n + 31) / 32;
  for (int c = chunks - 1; c >= 0; --c) {
    const int bits = std::min(32, n - 32 * c);
    const uint32_t word = bits == 32 ? 0xffffffffu : ((uint32_t{1} << bits) - 1);
    const int width = c == chunks - 1 ? (bits + 3) / 4 : 8;
    Appendf(&out, "%0*x", width, word);
    if (c > 0) out += ',';
  }
  return out;
}

std::string CpuListText(int n) {
  n = std::max(n, 1);
  return n == 1 ? "0" : "0-" + std::to_string(n - 1);
}

std::string StatText(Task& t, bool whole_process) {
  const SignalState sig = ReadSignals(t);
  const MemFigures mem = ReadMemory(t);
  const MemoryManager::ExecInfo& ex = t.mm().exec_info();
  const uint64_t brk_start = t.mm().BrkRange().first;
  const sentry::kernel::HostFacts& h = t.kernel().host_facts();
  const int64_t since_boot = t.thread_group().start_monotonic_ns() - h.boot_monotonic_ns;
  const uint64_t start_ticks =
      since_boot > 0 ? static_cast<uint64_t>(since_boot) / (1'000'000'000 / kClockTicks) : 0;
  // Addresses only a process allowed to read this one's memory sees (as Linux).
  Task* caller = Task::Current();
  const bool permitted = caller != nullptr && MayReadMemory(*caller, t).ok();
  auto addr = [permitted](uint64_t a) { return permitted ? a : 0; };
  const int32_t id = whole_process ? t.tgid() : t.tid();
  std::string out;
  Appendf(&out, "%d (", id);
  out += t.comm();
  Appendf(&out, ") %c %d %d %d 0 -1 4194560 0 0 0 0 ", StateChar(t), ParentPid(t), 1, 1);
  Appendf(&out, "%" PRIu64 " 0 0 0 20 0 %zu 0 %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " ",
          CpuTicks(t), sig.threads, start_ticks, mem.size, mem.rss / kPageSize, sig.rss.cur);
  Appendf(&out, "%" PRIu64 " %" PRIu64 " %" PRIu64 " 0 0 ", addr(mem.start_code),
          addr(mem.end_code), addr(ex.argv_start));
  // Signals 1-31 only, in decimal, as Linux (kept for Linux 2.0's sake).
  constexpr uint64_t kOldSignals = 0x7fffffff;
  Appendf(&out, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " ",
          (sig.thread_pending | sig.shared_pending) & kOldSignals, sig.blocked & kOldSignals,
          sig.ignored & kOldSignals, sig.caught & kOldSignals);
  Appendf(&out, "0 0 0 %d 0 0 0 0 0 0 ", linux::kSigChld);
  Appendf(&out, "0 0 %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " 0\n",
          addr(brk_start), addr(ex.argv_start), addr(ex.argv_end), addr(ex.envp_start),
          addr(ex.envp_end));
  return out;
}

std::string StatmText(Task& t) {
  const MemFigures mem = ReadMemory(t);
  std::string out;
  Appendf(&out, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " 0 %" PRIu64 " 0\n",
          mem.size / kPageSize, mem.rss / kPageSize, (mem.rss_file + mem.rss_shmem) / kPageSize,
          mem.exe / kPageSize, (mem.data + mem.stack) / kPageSize);
  return out;
}

std::string StatusText(Task& t, bool whole_process) {
  const SignalState sig = ReadSignals(t);
  const MemFigures mem = ReadMemory(t);
  const sentry::auth::Credentials& c = t.creds();
  const int ncpus = t.kernel().host_facts().num_cpus;
  std::string out;
  out += "Name:\t" + EscapeName(t.comm()) + "\n";
  Appendf(&out, "Umask:\t%04o\n", t.umask());
  out += StateChar(t) == 'R' ? "State:\tR (running)\n" : "State:\tS (sleeping)\n";
  const int32_t pid = whole_process ? t.tgid() : t.tid();
  Appendf(&out, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", t.tgid(), pid,
          ParentPid(t));
  Appendf(&out, "Uid:\t%u\t%u\t%u\t%u\n", c.uid, c.euid, c.suid, c.fsuid);
  Appendf(&out, "Gid:\t%u\t%u\t%u\t%u\n", c.gid, c.egid, c.sgid, c.fsgid);
  // The fd table's size as Linux grows it: powers of two from 64.
  int32_t highest = -1;
  for (int32_t fd : t.fd_table().Fds()) highest = std::max(highest, fd);
  const uint64_t fd_size =
      std::max<uint64_t>(64, std::bit_ceil(static_cast<uint64_t>(highest + 1)));
  Appendf(&out, "FDSize:\t%" PRIu64 "\nGroups:\t", fd_size);
  for (size_t i = 0; i < c.groups.size(); ++i) Appendf(&out, i ? " %u" : "%u", c.groups[i]);
  out += " \n";
  Appendf(&out, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t1\nNSsid:\t1\n", t.tgid(), pid);
  const auto kb = [&out](const char* name, uint64_t bytes) {
    Appendf(&out, "%s:\t%8" PRIu64 " kB\n", name, Kb(bytes));
  };
  // No high-water marks are kept: the peaks are the current sizes.
  kb("VmPeak", mem.size);
  kb("VmSize", mem.size);
  kb("VmLck", 0);
  kb("VmPin", 0);
  kb("VmHWM", mem.rss);
  kb("VmRSS", mem.rss);
  kb("RssAnon", mem.rss_anon);
  kb("RssFile", mem.rss_file);
  kb("RssShmem", mem.rss_shmem);
  kb("VmData", mem.data);
  kb("VmStk", mem.stack);
  kb("VmExe", mem.exe);
  kb("VmLib", mem.lib);
  // A page-table page maps 512 pages.
  kb("VmPTE", (mem.size / kPageSize + 511) / 512 * kPageSize);
  kb("VmSwap", 0);
  kb("HugetlbPages", 0);
  out += "CoreDumping:\t0\nTHP_enabled:\t1\n";
  Appendf(&out, "Threads:\t%zu\n", sig.threads);
  const int queued = std::popcount(sig.thread_pending | sig.shared_pending);
  Appendf(&out, "SigQ:\t%d/%" PRIu64 "\n", queued, sig.sigpending.cur);
  Appendf(&out, "SigPnd:\t%016" PRIx64 "\nShdPnd:\t%016" PRIx64 "\n", sig.thread_pending,
          sig.shared_pending);
  Appendf(&out, "SigBlk:\t%016" PRIx64 "\nSigIgn:\t%016" PRIx64 "\nSigCgt:\t%016" PRIx64 "\n",
          sig.blocked, sig.ignored, sig.caught);
  Appendf(&out, "CapInh:\t%016" PRIx64 "\nCapPrm:\t%016" PRIx64 "\nCapEff:\t%016" PRIx64 "\n",
          c.cap_inheritable, c.cap_permitted, c.cap_effective);
  Appendf(&out, "CapBnd:\t%016" PRIx64 "\nCapAmb:\t%016" PRIx64 "\n", c.cap_bounding,
          uint64_t{0});
  Appendf(&out, "NoNewPrivs:\t%d\n", t.no_new_privs() ? 1 : 0);
  out += "Seccomp:\t0\nSeccomp_filters:\t0\n";
  out += "Speculation_Store_Bypass:\tthread vulnerable\n";
  out += "SpeculationIndirectBranch:\tconditional enabled\n";
  out += "Cpus_allowed:\t" + CpuMaskText(ncpus) + "\n";
  out += "Cpus_allowed_list:\t" + CpuListText(ncpus) + "\n";
  out += "Mems_allowed:\t00000001\nMems_allowed_list:\t0\n";
  out += "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n";
  return out;
}

std::string LimitsText(Task& t) {
  struct Name {
    const char* name;
    const char* unit;
  };
  static constexpr Name kNames[linux::kRlimNlimits] = {
      {"Max cpu time", "seconds"},      {"Max file size", "bytes"},
      {"Max data size", "bytes"},       {"Max stack size", "bytes"},
      {"Max core file size", "bytes"},  {"Max resident set", "bytes"},
      {"Max processes", "processes"},   {"Max open files", "files"},
      {"Max locked memory", "bytes"},   {"Max address space", "bytes"},
      {"Max file locks", "locks"},      {"Max pending signals", "signals"},
      {"Max msgqueue size", "bytes"},   {"Max nice priority", nullptr},
      {"Max realtime priority", nullptr}, {"Max realtime timeout", "us"},
  };
  std::array<linux::Rlimit, linux::kRlimNlimits> limits;
  {
    std::lock_guard lock(t.kernel().signal_mu());
    limits = t.thread_group().rlimits();
  }
  std::string out;
  Appendf(&out, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
  for (int i = 0; i < linux::kRlimNlimits; ++i) {
    const auto value = [](uint64_t v) {
      return v == linux::kRlimInfinity ? std::string("unlimited") : std::to_string(v);
    };
    Appendf(&out, "%-25s %-20s %-20s ", kNames[i].name, value(limits[i].cur).c_str(),
            value(limits[i].max).c_str());
    if (kNames[i].unit != nullptr) {
      Appendf(&out, "%-10s\n", kNames[i].unit);
    } else {
      out += '\n';
    }
  }
  return out;
}

std::string MapsText(Task& t) {
  std::string out;
  for (const MemoryManager::VmaStats& v : t.mm().VmaStatsSnapshot()) AppendMapsLine(&out, v);
  return out;
}

std::string SmapsText(Task& t) {
  std::string out;
  for (const MemoryManager::VmaStats& v : t.mm().VmaStatsSnapshot()) {
    AppendMapsLine(&out, v);
    const auto kb = [&out](const char* name, uint64_t bytes) {
      Appendf(&out, "%-16s%8" PRIu64 " kB\n", name, Kb(bytes));
    };
    const bool anon = AnonPages(v);
    // Pages that differ from any file: anonymous ones, and shared writable ones.
    const bool dirty = anon || v.shared_anon || (v.shared && (v.prot & linux::kProtWrite));
    kb("Size:", v.end - v.start);
    kb("KernelPageSize:", kPageSize);
    kb("MMUPageSize:", kPageSize);
    kb("Rss:", v.resident);
    kb("Pss:", v.resident);
    kb("Pss_Dirty:", dirty ? v.resident : 0);
    kb("Shared_Clean:", 0);
    kb("Shared_Dirty:", 0);
    kb("Private_Clean:", dirty ? 0 : v.resident);
    kb("Private_Dirty:", dirty ? v.resident : 0);
    kb("Referenced:", v.resident);
    kb("Anonymous:", anon ? v.resident : 0);
    kb("LazyFree:", 0);
    kb("AnonHugePages:", 0);
    kb("ShmemPmdMapped:", 0);
    kb("FilePmdMapped:", 0);
    kb("Shared_Hugetlb:", 0);
    kb("Private_Hugetlb:", 0);
    kb("Swap:", 0);
    kb("SwapPss:", 0);
    kb("Locked:", 0);
    out += "THPeligible:    0\nVmFlags:";
    if (v.prot & linux::kProtRead) out += " rd";
    if (v.prot & linux::kProtWrite) out += " wr";
    if (v.prot & linux::kProtExec) out += " ex";
    if (v.shared) out += " sh";
    out += " mr mw me";
    if (v.shared) out += " ms";
    if (v.grows_down) out += " gd";
    if (anon && (v.prot & linux::kProtWrite)) out += " ac";
    out += " \n";
  }
  return out;
}

namespace {

// One mount as the mount tables show it to `viewer`, or nullopt when it lies
// outside the viewer's root.
struct MountView {
  uint64_t id = 0, parent = 0;
  unsigned major = 0, minor = 0;
  std::string point, type, source;
  bool read_only = false;
};

std::vector<MountView> ViewMounts(Task& viewer) {
  std::vector<MountView> out;
  for (const auto& m : viewer.kernel().vfs().Mounts()) {
    Result<std::string> point = vfs::Vfs::PathFrom({m, m->root()}, viewer.root());
    if (!point.ok() || point->rfind("(unreachable)", 0) == 0) continue;
    MountView v;
    v.id = m->id();
    v.parent = m->mountpoint().ok() ? m->mountpoint().mount->id() : m->id();
    if (Result<linux::Stat> st = m->root()->inode()->Stat(); st.ok()) {
      std::tie(v.major, v.minor) = DecodeDev(st->dev);
    }
    v.point = EscapeMountPath(*point);
    v.type = std::string(m->filesystem().type_name());
    // Host trees have no device to name.
    v.source = v.type == "9p" ? "none" : v.type;
    v.read_only = m->read_only();
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

std::string MountsText(Task& viewer) {
  std::string out;
  for (const MountView& v : ViewMounts(viewer)) {
    out += v.source + " " + v.point + " " + v.type + (v.read_only ? " ro" : " rw") +
           ",relatime 0 0\n";
  }
  return out;
}

std::string MountinfoText(Task& viewer) {
  std::string out;
  for (const MountView& v : ViewMounts(viewer)) {
    Appendf(&out, "%" PRIu64 " %" PRIu64 " %u:%u / ", v.id, v.parent, v.major, v.minor);
    out += v.point + (v.read_only ? " ro" : " rw") + ",relatime - " + v.type + " " + v.source +
           (v.read_only ? " ro\n" : " rw\n");
  }
  return out;
}

std::string ReadGuestRange(Task& t, uint64_t start, uint64_t end, uint64_t max) {
  if (end <= start) return "";
  std::string buf(static_cast<size_t>(std::min(end - start, max)), '\0');
  Result<size_t> got = t.mm().CopyIn(GuestAddr(start), std::as_writable_bytes(std::span(buf)));
  buf.resize(got.ok() ? *got : 0);
  return buf;
}

std::string CmdlineText(Task& t) {
  const MemoryManager::ExecInfo& ex = t.mm().exec_info();
  std::string args = ReadGuestRange(t, ex.argv_start, ex.argv_end, kMaxArgBytes);
  if (args.empty() || args.back() == '\0') return args;
  // The final NUL was overwritten (setproctitle(3)): as Linux, the arguments run
  // on into the environment up to the first NUL there.
  const size_t nul = args.find('\0');
  if (nul != std::string::npos) return args.substr(0, nul);
  std::string more = ReadGuestRange(t, ex.argv_end, ex.envp_end, kPageSize);
  return args + more.substr(0, more.find('\0'));
}

Result<std::string> FdinfoText(Task& t, int32_t fd) {
  Result<vfs::FileRef> file = t.fd_table().Get(fd);
  if (!file.ok()) return Errno(ENOENT);
  const bool cloexec = t.fd_table().GetCloexec(fd).value_or(false);
  const Result<uint64_t> pos = (*file)->Seek(0, linux::kSeekCur);
  // The description's flags as F_GETFL shows them (open(2) keeps O_LARGEFILE;
  // a pipe has none), plus close-on-exec.
  uint32_t flags = (*file)->flags() & ~(kOCreat | kOExcl | kONoctty | kOTrunc);
  if (cloexec) flags |= kOCloexec;
  const vfs::VirtualDentry& where = (*file)->location();
  const uint64_t mnt_id = where.mount ? where.mount->id() : 0;
  Result<linux::Stat> st = (*file)->Stat();
  std::string out;
  Appendf(&out, "pos:\t%" PRIu64 "\nflags:\t0%o\nmnt_id:\t%" PRIu64 "\nino:\t%" PRIu64 "\n",
          pos.ok() ? *pos : 0, flags, mnt_id, st.ok() ? st->ino : 0);
  return out;
}

}  // namespace kekkai::fs::proc

// The text of /proc's top-level files (meminfo, stat, uptime, loadavg, version,
// filesystems, sys/kernel/random/uuid), in Linux's formats: the sandbox's own
// view, from the host facts read at start-up and the sentry's own state.
#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "base/logging.h"
#include "fs/proc/proc_internal.h"

namespace kekkai::fs::proc {

namespace {

template <typename... Args>
void Appendf(std::string* out, const char* fmt, Args... args) {
  char buf[256];
  const int n = std::snprintf(buf, sizeof(buf), fmt, args...);
  if (n > 0) out->append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof(buf) - 1));
}

// Nanoseconds since the sandbox started.
uint64_t UptimeNs(const sentry::kernel::HostFacts& h) {
  const int64_t d = MonotonicNowNs() - h.boot_monotonic_ns;
  return d > 0 ? static_cast<uint64_t>(d) : 0;
}

// CPU time the sandbox's tasks used that the caller can measure (its own).
uint64_t BusyNs(Task& caller) { return caller.CpuTimeNs(); }

constexpr uint64_t kNsPerTick = 1'000'000'000 / kClockTicks;

}  // namespace

std::string MeminfoText(Task& caller, const sentry::kernel::HostFacts& h) {
  const uint64_t total = h.mem_total_bytes;
  const uint64_t used = std::min(caller.kernel().memory_file().usage(), total);
  const uint64_t free = total - used;
  std::string out;
  const auto kb = [&out](const char* name, uint64_t bytes) {
    Appendf(&out, "%-16s%8" PRIu64 " kB\n", name, bytes >> 10);
  };
  kb("MemTotal:", total);
  kb("MemFree:", free);
  kb("MemAvailable:", free);
  kb("Buffers:", 0);
  kb("Cached:", 0);
  kb("SwapCached:", 0);
  kb("Active:", used);
  kb("Inactive:", 0);
  kb("Active(anon):", used);
  kb("Inactive(anon):", 0);
  kb("Active(file):", 0);
  kb("Inactive(file):", 0);
  kb("Unevictable:", 0);
  kb("Mlocked:", 0);
  kb("SwapTotal:", 0);
  kb("SwapFree:", 0);
  kb("Dirty:", 0);
  kb("Writeback:", 0);
  kb("AnonPages:", used);
  kb("Mapped:", 0);
  kb("Shmem:", 0);
  kb("KReclaimable:", 0);
  kb("Slab:", 0);
  kb("SReclaimable:", 0);
  kb("SUnreclaim:", 0);
  kb("KernelStack:", 0);
  kb("PageTables:", 0);
  kb("NFS_Unstable:", 0);
  kb("Bounce:", 0);
  kb("WritebackTmp:", 0);
  kb("CommitLimit:", total / 2);
  kb("Committed_AS:", used);
  kb("VmallocTotal:", uint64_t{34359738367} << 10);
  kb("VmallocUsed:", 0);
  kb("VmallocChunk:", 0);
  kb("Percpu:", 0);
  kb("HardwareCorrupted:", 0);
  kb("AnonHugePages:", 0);
  kb("ShmemHugePages:", 0);
  kb("ShmemPmdMapped:", 0);
  kb("FileHugePages:", 0);
  kb("FilePmdMapped:", 0);
  out +=
      "HugePages_Total:       0\nHugePages_Free:        0\nHugePages_Rsvd:        0\n"
      "HugePages_Surp:        0\n";
  kb("Hugepagesize:", 2048 << 10);
  kb("Hugetlb:", 0);
  return out;
}

std::string CpuStatText(Task& caller, const sentry::kernel::HostFacts& h) {
  const int n = std::max(h.num_cpus, 1);
  const uint64_t up = UptimeNs(h) / kNsPerTick;
  const uint64_t busy = std::min(BusyNs(caller) / kNsPerTick, up * static_cast<uint64_t>(n));
  // The busy time is counted on CPU 0; the rest of every CPU's uptime is idle.
  std::string out;
  Appendf(&out, "cpu  %" PRIu64 " 0 0 %" PRIu64 " 0 0 0 0 0 0\n", busy,
          up * static_cast<uint64_t>(n) - busy);
  for (int i = 0; i < n; ++i) {
    const uint64_t u = i == 0 ? std::min(busy, up) : 0;
    Appendf(&out, "cpu%d %" PRIu64 " 0 0 %" PRIu64 " 0 0 0 0 0 0\n", i, u, up - u);
  }
  size_t running = 0;
  for (int32_t pid : caller.kernel().ThreadGroupIds()) {
    if (FindProcess(pid).ok()) ++running;
  }
  out += "intr 0\nctxt 0\n";
  Appendf(&out, "btime %" PRId64 "\n", h.boot_realtime_ns / 1'000'000'000);
  Appendf(&out, "processes %d\nprocs_running %zu\nprocs_blocked 0\n",
          caller.kernel().ProcessesCreated(), std::max<size_t>(running, 1));
  out += "softirq 0 0 0 0 0 0 0 0 0 0 0\n";
  return out;
}

std::string UptimeText(Task& caller, const sentry::kernel::HostFacts& h) {
  const uint64_t up_ns = UptimeNs(h);
  const uint64_t total_ns = up_ns * static_cast<uint64_t>(std::max(h.num_cpus, 1));
  const uint64_t idle_ns = total_ns - std::min(BusyNs(caller), total_ns);
  const uint64_t cs = 10'000'000;  // Nanoseconds per hundredth of a second.
  std::string out;
  Appendf(&out, "%" PRIu64 ".%02" PRIu64 " %" PRIu64 ".%02" PRIu64 "\n", up_ns / 1'000'000'000,
          (up_ns / cs) % 100, idle_ns / 1'000'000'000, (idle_ns / cs) % 100);
  return out;
}

std::string LoadavgText(Task& caller) {
  size_t threads = 0;
  int32_t last = 0;
  for (int32_t pid : caller.kernel().ThreadGroupIds()) {
    last = std::max(last, pid);
    ThreadGroup* tg = caller.kernel().FindThreadGroup(pid);
    if (tg == nullptr) continue;
    std::lock_guard lock(caller.kernel().signal_mu());
    threads += tg->tasks().size();
  }
  std::string out;
  Appendf(&out, "0.00 0.00 0.00 1/%zu %d\n", std::max<size_t>(threads, 1), last);
  return out;
}

std::string VersionText(const sentry::kernel::HostFacts& h) {
  return "Linux version " + h.release + " (kekkai@kekkai) (gcc) " + h.version + "\n";
}

std::string FilesystemsText() {
  return "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\n"
         "nodev\t9p\nnodev\toverlay\n";
}

Result<std::string> RandomUuidText() {
  std::array<uint8_t, 16> b{};
  if (getrandom(b.data(), b.size(), 0) != static_cast<ssize_t>(b.size())) {
    PLOG(ERROR) << "getrandom(16)";
    return Errno(EIO);
  }
  // A version 4 (random) UUID, RFC 4122 variant, as Linux's generate_random_uuid.
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  std::string out;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    Appendf(&out, "%02x", b[i]);
  }
  out += '\n';
  return out;
}

}  // namespace kekkai::fs::proc

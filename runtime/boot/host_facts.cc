#include "runtime/boot/host_facts.h"

#include <sched.h>
#include <sys/random.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "fs/vfs/fd_table.h"

namespace kekkai::runtime::boot {

namespace {

// The most CPUs the sandbox shows (sched_getaffinity's mask in the syscalls).
constexpr int kMaxCpus = 1024;
// The most bytes of /proc/cpuinfo kept (a few KiB per CPU).
constexpr size_t kMaxCpuinfo = size_t{8} << 20;

// Returns at most `max` bytes of `path` ("" if it can't be read).
std::string ReadSmallFile(const char* path, size_t max) {
  std::ifstream in(path);
  std::string out;
  char buf[4096];
  while (in && out.size() < max) {
    in.read(buf, static_cast<std::streamsize>(std::min(sizeof(buf), max - out.size())));
    out.append(buf, static_cast<size_t>(in.gcount()));
  }
  return out;
}

// Reads a /proc/sys number, or returns `fallback`.
uint64_t ReadNumber(const char* path, uint64_t fallback) {
  const std::string s = ReadSmallFile(path, 64);
  unsigned long long v = 0;
  if (std::sscanf(s.c_str(), "%llu", &v) != 1) return fallback;
  return v;
}

int64_t NowNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// A random (version 4) UUID, as Linux's boot_id.
std::string RandomUuid() {
  std::array<uint8_t, 16> b{};
  size_t got = 0;
  while (got < b.size()) {
    const ssize_t n = getrandom(b.data() + got, b.size() - got, 0);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  std::string out;
  char hex[3];
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    std::snprintf(hex, sizeof(hex), "%02x", b[i]);
    out += hex;
  }
  return out;
}

// The CPUs this process may run on (what the guest's threads will share).
int CpuCount() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
    return CPU_COUNT(&set);
  }
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(std::min<long>(n, kMaxCpus)) : 1;
}

}  // namespace

std::string TrimCpuinfo(const std::string& cpuinfo, int* num_cpus) {
  // Blocks are separated by blank lines; each starts with its "processor" line.
  std::vector<std::string> blocks;
  std::istringstream in(cpuinfo);
  std::string line, block;
  while (std::getline(in, line)) {
    if (line.empty()) {
      if (!block.empty()) blocks.push_back(std::move(block));
      block.clear();
      continue;
    }
    block += line + "\n";
  }
  if (!block.empty()) blocks.push_back(std::move(block));
  std::erase_if(blocks, [](const std::string& b) { return b.rfind("processor", 0) != 0; });
  const int want = std::clamp(*num_cpus, 1, kMaxCpus);
  if (blocks.empty()) {
    blocks.push_back("processor\t: 0\nvendor_id\t: unknown\nmodel name\t: unknown\n");
  }
  const int n = std::min<int>(want, static_cast<int>(blocks.size()));
  std::string out;
  for (int i = 0; i < n; ++i) {
    const std::string& b = blocks[static_cast<size_t>(i)];
    out += "processor\t: " + std::to_string(i) + "\n" + b.substr(b.find('\n') + 1) + "\n";
  }
  *num_cpus = n;
  return out;
}

sentry::kernel::HostFacts ReadHostFacts() {
  sentry::kernel::HostFacts h;
  h.boot_realtime_ns = NowNs(CLOCK_REALTIME);
  h.boot_monotonic_ns = NowNs(CLOCK_MONOTONIC);
  struct sysinfo si {};
  if (sysinfo(&si) == 0 && si.totalram > 0) {
    h.mem_total_bytes = static_cast<uint64_t>(si.totalram) * std::max<uint32_t>(si.mem_unit, 1);
  }
  h.num_cpus = CpuCount();
  h.cpuinfo = TrimCpuinfo(ReadSmallFile("/proc/cpuinfo", kMaxCpuinfo), &h.num_cpus);
  struct utsname u {};
  if (uname(&u) == 0) {
    h.os_type = u.sysname;
    h.release = u.release;
    h.version = u.version;
  }
  h.file_max = ReadNumber("/proc/sys/fs/file-max", h.file_max);
  // The sandbox's own fd-table bound, whatever the host's.
  h.nr_open = fs::vfs::FdTable::kDefaultMaxFds;
  h.pid_max = ReadNumber("/proc/sys/kernel/pid_max", h.pid_max);
  h.overcommit_memory =
      static_cast<int>(ReadNumber("/proc/sys/vm/overcommit_memory", h.overcommit_memory));
  h.boot_id = RandomUuid();
  return h;
}

}  // namespace kekkai::runtime::boot

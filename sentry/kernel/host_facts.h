// HostFacts: what the sandbox shows of the host, read once by the runtime at
// start-up (runtime/boot/host_facts.cc) and never again: the sentry opens no host
// path at run time. /proc, /sys, uname(2) and sched_getaffinity(2) answer from it.
#ifndef KEKKAI_SENTRY_KERNEL_HOST_FACTS_H_
#define KEKKAI_SENTRY_KERNEL_HOST_FACTS_H_

#include <cstdint>
#include <string>

namespace kekkai::sentry::kernel {

struct HostFacts {
  // The memory the sandbox may use (/proc/meminfo's MemTotal): the host's RAM.
  uint64_t mem_total_bytes = uint64_t{1} << 30;
  // CPUs the sandbox sees, numbered 0..num_cpus-1 (/sys/devices/system/cpu/online).
  int num_cpus = 1;
  // /proc/cpuinfo: one block per CPU, "processor" renumbered 0..num_cpus-1.
  std::string cpuinfo;
  // uname(2): sysname, release and version (/proc/sys/kernel/{ostype,osrelease,version}).
  std::string os_type = "Linux";
  std::string release = "6.1.0";
  std::string version = "#1 SMP";
  // /proc/sys values.
  uint64_t file_max = 9223372036854775807ull;
  uint64_t nr_open = 1048576;
  uint64_t pid_max = 4194304;
  int overcommit_memory = 0;
  // /proc/sys/kernel/random/boot_id: random per sandbox.
  std::string boot_id;
  // When the sandbox started (its "boot": /proc/uptime counts from here, /proc/stat's
  // btime is it), on CLOCK_REALTIME and CLOCK_MONOTONIC, in nanoseconds.
  int64_t boot_realtime_ns = 0;
  int64_t boot_monotonic_ns = 0;
};

}  // namespace kekkai::sentry::kernel

#endif  // KEKKAI_SENTRY_KERNEL_HOST_FACTS_H_

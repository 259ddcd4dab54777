// Reads what the sandbox shows of the host (sentry::kernel::HostFacts) once, at
// start-up, before the guest runs: memory size, CPUs and /proc/cpuinfo, uname,
// a few /proc/sys values, a fresh boot_id, and the sandbox's start time.
#ifndef KEKKAI_RUNTIME_BOOT_HOST_FACTS_H_
#define KEKKAI_RUNTIME_BOOT_HOST_FACTS_H_

#include <string>

#include "sentry/kernel/host_facts.h"

namespace kekkai::runtime::boot {

// Reads the host's facts. Never fails: whatever can't be read keeps a default.
sentry::kernel::HostFacts ReadHostFacts();

// Returns the first `num_cpus` processor blocks of /proc/cpuinfo text
// `cpuinfo`, numbered 0..n-1 ("processor\t: N"), and sets `*num_cpus` to how
// many there are (at most the number given, at least 1: a block is made up when
// the text has none).
std::string TrimCpuinfo(const std::string& cpuinfo, int* num_cpus);

}  // namespace kekkai::runtime::boot

#endif  // KEKKAI_RUNTIME_BOOT_HOST_FACTS_H_

// The stub's seccomp filter: raw BPF, because it matches the instruction pointer
// (libseccomp can't). It is a backstop: under PTRACE_SYSEMU a guest syscall stops
// at entry and is skipped before seccomp runs, so the filter only ever sees the
// stub's own syscalls and the host's vsyscall-page emulation.
#ifndef KEKKAI_PLATFORM_PTRACE_STUB_FILTER_H_
#define KEKKAI_PLATFORM_PTRACE_STUB_FILTER_H_

#include <linux/filter.h>

#include <cstdint>
#include <vector>

namespace kekkai::platform::ptrace {

// Returns the filter program:
//  - a non-x86-64 arch (int $0x80 reaching seccomp) kills the process;
//  - mmap, munmap, getpid, kill, exit and exit_group whose instruction pointer lies
//    in the page at `code_page` (the stub's code) are allowed;
//  - gettimeofday (96), time (201) and getcpu (309) from anywhere else trap with
//    SIGSYS: that is how the vsyscall page emulation reaches us, since it calls
//    seccomp directly instead of stopping for PTRACE_SYSEMU;
//  - everything else kills the process.
std::vector<sock_filter> BuildStubFilter(uint64_t code_page);

}  // namespace kekkai::platform::ptrace

#endif  // KEKKAI_PLATFORM_PTRACE_STUB_FILTER_H_

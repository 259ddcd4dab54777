// The ptrace platform: every guest address space is a stub process, every guest
// thread runs in a stub thread under PTRACE_SYSEMU, so guest syscalls stop at entry
// and never reach the host. Simple and the correctness reference; slow (each trap
// is a few host context switches).
#ifndef KEKKAI_PLATFORM_PTRACE_PTRACE_PLATFORM_H_
#define KEKKAI_PLATFORM_PTRACE_PTRACE_PLATFORM_H_

#include <memory>

#include "base/result.h"
#include "platform/platform.h"

namespace kekkai::platform::ptrace {

// Creates the ptrace platform. `memfd` (borrowed; the platform dups it) is the
// MemoryFile whose ranges AddressSpace::MapFile maps into guests. Starts the stub
// factory thread, the parent of every stub, which lives as long as the platform or
// any of its address spaces. Tracer threads and stubs are pinned round-robin to
// the CPUs the calling thread may run on: create the platform before pinning any.
//
// Requirements on the rest of the process: nothing may wait for "any child"
// (waitpid(-1) would steal ptrace stops), and SIGCHLD must not have a handler on
// the syscall path (every ptrace stop raises one). A seccomp filter the sentry
// installs before creating stubs is inherited by them, so besides what the
// platform calls itself (clone with flags SIGCHLD, ptrace, wait4, tgkill, kill,
// sched_{get,set}affinity, memfd_create, ftruncate, mmap, munmap) it must allow
// what a new stub calls: prctl, getppid, setsid, rt_sigaction, rt_sigprocmask,
// rseq, set_tid_address, mprotect, close_range, seccomp, getpid, exit_group; and
// it must not kill gettimeofday, time or getcpu (the stub's own filter traps them
// to emulate the vsyscall page; a trap outranks an errno or allow).
Result<std::unique_ptr<Platform>> NewPtracePlatform(int memfd);

}  // namespace kekkai::platform::ptrace

#endif  // KEKKAI_PLATFORM_PTRACE_PTRACE_PLATFORM_H_

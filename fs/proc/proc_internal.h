// What the files of /proc are made of, shared by proc_fs.cc (the tree),
// task_files.cc (/proc/PID/...) and system_files.cc (/proc/meminfo, /proc/sys/...).
// Everything is computed from the sentry's own state when a file is read, as the
// calling task sees it (Task::Current): the sandbox's pids, mounts, limits, and the
// host facts the runtime read at start-up.
#ifndef KEKKAI_FS_PROC_PROC_INTERNAL_H_
#define KEKKAI_FS_PROC_PROC_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"
#include "sentry/kernel/host_facts.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/thread_group.h"

namespace kekkai::fs::proc {

using sentry::kernel::Task;
using sentry::kernel::ThreadGroup;

// Clock ticks per second of /proc's times (USER_HZ).
inline constexpr uint64_t kClockTicks = 100;

// Parses a decimal fd or pid spelled as Linux spells it (no sign, no leading zero).
std::optional<int32_t> ParseNumber(std::string_view s);

// Returns process `pid`'s main thread (its first task) as the caller sees it:
// ENOENT when the caller is no task or there is no such live process.
Result<Task*> FindProcess(int32_t pid);
// Returns thread `tid` of process `pid`: ENOENT when there is none.
Result<Task*> FindThread(int32_t pid, int32_t tid);

// Returns the owner of process `pid`'s /proc files: its effective ids (root when
// it is not dumpable, or gone), as Linux's task_dump_owner.
std::pair<uint32_t, uint32_t> ProcessOwner(int32_t pid);

// Checks that `caller` may read `target`'s memory and memory-derived files
// (environ, auxv, maps): Linux's ptrace_may_access(PTRACE_MODE_READ_FSCREDS).
// The same process always may; otherwise the caller's fsuid/fsgid must match the
// target's real, effective and saved ids and the target be dumpable, unless the
// caller has CAP_SYS_PTRACE. EACCES otherwise.
Result<void> MayReadMemory(const Task& caller, Task& target);

// Returns the calling task's kernel's host facts: ENOENT off task fibers.
Result<const sentry::kernel::HostFacts*> CallerHostFacts();

// Returns now on CLOCK_MONOTONIC and CLOCK_REALTIME, in nanoseconds.
int64_t MonotonicNowNs();
int64_t RealtimeNowNs();

// ---- /proc/PID/... (task_files.cc). `t` is the thread the file is about. ----
std::string StatText(Task& t, bool whole_process);
std::string StatmText(Task& t);
std::string StatusText(Task& t, bool whole_process);
std::string LimitsText(Task& t);
std::string MapsText(Task& t);
std::string SmapsText(Task& t);
// The mount table as `viewer` (its root) sees it.
std::string MountsText(Task& viewer);
std::string MountinfoText(Task& viewer);
// The bytes of [start, end) of `t`'s memory (cmdline, environ, auxv): as much as
// is readable, at most `max` bytes.
std::string ReadGuestRange(Task& t, uint64_t start, uint64_t end, uint64_t max);
std::string CmdlineText(Task& t);
// /proc/PID/fdinfo/N: ENOENT when `fd` is not open.
Result<std::string> FdinfoText(Task& t, int32_t fd);

// ---- Top-level files (system_files.cc). ----
std::string MeminfoText(Task& caller, const sentry::kernel::HostFacts& h);
std::string CpuStatText(Task& caller, const sentry::kernel::HostFacts& h);
std::string UptimeText(Task& caller, const sentry::kernel::HostFacts& h);
std::string LoadavgText(Task& caller);
std::string VersionText(const sentry::kernel::HostFacts& h);
std::string FilesystemsText();
// A fresh random UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx\n".
Result<std::string> RandomUuidText();

// Returns the bitmap of CPUs 0..n-1 as Linux's %*pb prints it ("ff",
// "ffffffff,ffffffff") and as a list ("0-7").
std::string CpuMaskText(int n);
std::string CpuListText(int n);

}  // namespace kekkai::fs::proc

#endif  // KEKKAI_FS_PROC_PROC_INTERNAL_H_

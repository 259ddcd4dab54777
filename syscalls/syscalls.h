// The x86-64 syscall table and the handlers it names, one file per family.
#ifndef KEKKAI_SYSCALLS_SYSCALLS_H_
#define KEKKAI_SYSCALLS_SYSCALLS_H_

#include <span>

#include "sentry/kernel/syscall_table.h"

namespace kekkai::syscalls {

namespace kernel = ::kekkai::sentry::kernel;
using kernel::SyscallArgs;
using kernel::SyscallResult;
using kernel::Task;

// Returns the literal x86-64 table (also the compatibility list).
std::span<const kernel::SyscallEntry> X86_64Table();

#define KEKKAI_SYSCALL(name) SyscallResult name(Task& t, const SyscallArgs& args)

// sys_read_write.cc
KEKKAI_SYSCALL(SysRead);
KEKKAI_SYSCALL(SysWrite);
KEKKAI_SYSCALL(SysPread64);
KEKKAI_SYSCALL(SysPwrite64);
KEKKAI_SYSCALL(SysReadv);
KEKKAI_SYSCALL(SysWritev);
KEKKAI_SYSCALL(SysLseek);
KEKKAI_SYSCALL(SysPreadv);
KEKKAI_SYSCALL(SysPwritev);
KEKKAI_SYSCALL(SysPreadv2);
KEKKAI_SYSCALL(SysPwritev2);
KEKKAI_SYSCALL(SysSendfile);
KEKKAI_SYSCALL(SysCopyFileRange);
// sys_file.cc
KEKKAI_SYSCALL(SysClose);
KEKKAI_SYSCALL(SysDup);
KEKKAI_SYSCALL(SysDup2);
KEKKAI_SYSCALL(SysDup3);
KEKKAI_SYSCALL(SysFcntl);
KEKKAI_SYSCALL(SysIoctl);
KEKKAI_SYSCALL(SysFstat);
KEKKAI_SYSCALL(SysMemfdCreate);
KEKKAI_SYSCALL(SysCloseRange);
// sys_lock.cc
KEKKAI_SYSCALL(SysFlock);
// sys_pipe.cc
KEKKAI_SYSCALL(SysPipe);
KEKKAI_SYSCALL(SysPipe2);
// sys_path.cc
KEKKAI_SYSCALL(SysOpen);
KEKKAI_SYSCALL(SysOpenat);
KEKKAI_SYSCALL(SysOpenat2);
KEKKAI_SYSCALL(SysCreat);
KEKKAI_SYSCALL(SysStat);
KEKKAI_SYSCALL(SysLstat);
KEKKAI_SYSCALL(SysNewfstatat);
KEKKAI_SYSCALL(SysStatx);
KEKKAI_SYSCALL(SysAccess);
KEKKAI_SYSCALL(SysFaccessat);
KEKKAI_SYSCALL(SysFaccessat2);
KEKKAI_SYSCALL(SysReadlink);
KEKKAI_SYSCALL(SysReadlinkat);
KEKKAI_SYSCALL(SysGetdents64);
KEKKAI_SYSCALL(SysFadvise64);
KEKKAI_SYSCALL(SysMkdir);
KEKKAI_SYSCALL(SysMkdirat);
KEKKAI_SYSCALL(SysRmdir);
KEKKAI_SYSCALL(SysUnlink);
KEKKAI_SYSCALL(SysUnlinkat);
KEKKAI_SYSCALL(SysSymlink);
KEKKAI_SYSCALL(SysSymlinkat);
KEKKAI_SYSCALL(SysChmod);
KEKKAI_SYSCALL(SysFchmodat);
KEKKAI_SYSCALL(SysChown);
KEKKAI_SYSCALL(SysLchown);
KEKKAI_SYSCALL(SysFchownat);
KEKKAI_SYSCALL(SysTruncate);
KEKKAI_SYSCALL(SysMknod);
KEKKAI_SYSCALL(SysMknodat);
KEKKAI_SYSCALL(SysRename);
KEKKAI_SYSCALL(SysRenameat);
KEKKAI_SYSCALL(SysRenameat2);
KEKKAI_SYSCALL(SysLink);
KEKKAI_SYSCALL(SysLinkat);
// sys_cwd.cc
KEKKAI_SYSCALL(SysChdir);
KEKKAI_SYSCALL(SysFchdir);
KEKKAI_SYSCALL(SysChroot);
KEKKAI_SYSCALL(SysGetcwd);
KEKKAI_SYSCALL(SysUmask);
// sys_attr.cc (and SysChmod, SysFchmodat, SysChown, SysLchown, SysFchownat, SysTruncate above)
KEKKAI_SYSCALL(SysFchmod);
KEKKAI_SYSCALL(SysFchmodat2);
KEKKAI_SYSCALL(SysUtime);
KEKKAI_SYSCALL(SysFchown);
KEKKAI_SYSCALL(SysUtimensat);
KEKKAI_SYSCALL(SysUtimes);
KEKKAI_SYSCALL(SysFutimesat);
KEKKAI_SYSCALL(SysFtruncate);
KEKKAI_SYSCALL(SysFallocate);
KEKKAI_SYSCALL(SysFsync);
KEKKAI_SYSCALL(SysFdatasync);
KEKKAI_SYSCALL(SysSync);
KEKKAI_SYSCALL(SysSyncfs);
KEKKAI_SYSCALL(SysStatfs);
KEKKAI_SYSCALL(SysFstatfs);
// sys_xattr.cc
KEKKAI_SYSCALL(SysSetxattr);
KEKKAI_SYSCALL(SysLsetxattr);
KEKKAI_SYSCALL(SysFsetxattr);
KEKKAI_SYSCALL(SysGetxattr);
KEKKAI_SYSCALL(SysLgetxattr);
KEKKAI_SYSCALL(SysFgetxattr);
KEKKAI_SYSCALL(SysListxattr);
KEKKAI_SYSCALL(SysLlistxattr);
KEKKAI_SYSCALL(SysFlistxattr);
KEKKAI_SYSCALL(SysRemovexattr);
KEKKAI_SYSCALL(SysLremovexattr);
KEKKAI_SYSCALL(SysFremovexattr);
// sys_exec.cc
KEKKAI_SYSCALL(SysExecve);
KEKKAI_SYSCALL(SysExecveat);
// sys_mmap.cc
KEKKAI_SYSCALL(SysBrk);
KEKKAI_SYSCALL(SysMmap);
KEKKAI_SYSCALL(SysMunmap);
KEKKAI_SYSCALL(SysMprotect);
KEKKAI_SYSCALL(SysMremap);
KEKKAI_SYSCALL(SysMadvise);
KEKKAI_SYSCALL(SysMsync);
// sys_thread.cc
KEKKAI_SYSCALL(SysArchPrctl);
KEKKAI_SYSCALL(SysSetTidAddress);
KEKKAI_SYSCALL(SysSetRobustList);
KEKKAI_SYSCALL(SysGetpid);
KEKKAI_SYSCALL(SysGetppid);
KEKKAI_SYSCALL(SysGettid);
KEKKAI_SYSCALL(SysGetuid);
KEKKAI_SYSCALL(SysGeteuid);
KEKKAI_SYSCALL(SysGetgid);
KEKKAI_SYSCALL(SysGetegid);
KEKKAI_SYSCALL(SysGetresuid);
KEKKAI_SYSCALL(SysGetresgid);
KEKKAI_SYSCALL(SysGetgroups);
KEKKAI_SYSCALL(SysGetpgrp);
KEKKAI_SYSCALL(SysGetpgid);
KEKKAI_SYSCALL(SysGetsid);
KEKKAI_SYSCALL(SysExit);
KEKKAI_SYSCALL(SysExitGroup);
KEKKAI_SYSCALL(SysSchedYield);
KEKKAI_SYSCALL(SysSchedGetaffinity);
KEKKAI_SYSCALL(SysGetcpu);
KEKKAI_SYSCALL(SysPrlimit64);
KEKKAI_SYSCALL(SysGetrlimit);
KEKKAI_SYSCALL(SysSetrlimit);
KEKKAI_SYSCALL(SysUname);
KEKKAI_SYSCALL(SysSysinfo);
KEKKAI_SYSCALL(SysGetrandom);
KEKKAI_SYSCALL(SysRestartSyscall);
KEKKAI_SYSCALL(SysPrctl);
// sys_identity.cc
KEKKAI_SYSCALL(SysSetuid);
KEKKAI_SYSCALL(SysSetgid);
KEKKAI_SYSCALL(SysSetreuid);
KEKKAI_SYSCALL(SysSetregid);
KEKKAI_SYSCALL(SysSetresuid);
KEKKAI_SYSCALL(SysSetresgid);
KEKKAI_SYSCALL(SysSetfsuid);
KEKKAI_SYSCALL(SysSetfsgid);
KEKKAI_SYSCALL(SysSetgroups);
KEKKAI_SYSCALL(SysCapget);
KEKKAI_SYSCALL(SysCapset);
// sys_time.cc
KEKKAI_SYSCALL(SysClockGettime);
KEKKAI_SYSCALL(SysClockGetres);
KEKKAI_SYSCALL(SysGettimeofday);
KEKKAI_SYSCALL(SysTime);
KEKKAI_SYSCALL(SysNanosleep);
KEKKAI_SYSCALL(SysClockNanosleep);
// sys_timer.cc
KEKKAI_SYSCALL(SysSetitimer);
KEKKAI_SYSCALL(SysGetitimer);
KEKKAI_SYSCALL(SysAlarm);
// sys_signal.cc
KEKKAI_SYSCALL(SysRtSigaction);
KEKKAI_SYSCALL(SysRtSigprocmask);
KEKKAI_SYSCALL(SysRtSigreturn);
KEKKAI_SYSCALL(SysSigaltstack);
KEKKAI_SYSCALL(SysKill);
KEKKAI_SYSCALL(SysTgkill);
KEKKAI_SYSCALL(SysTkill);
KEKKAI_SYSCALL(SysRtSigpending);
// sys_futex.cc
KEKKAI_SYSCALL(SysFutex);

#undef KEKKAI_SYSCALL

}  // namespace kekkai::syscalls

#endif  // KEKKAI_SYSCALLS_SYSCALLS_H_

// Helpers several syscall files share: fcntl(2)'s lock and pipe-size commands
// (sys_lock.cc, sys_pipe.cc) and the wait of an open(2) that needs a peer, a FIFO's
// (sys_pipe.cc).
#ifndef KEKKAI_SYSCALLS_FILE_OPS_H_
#define KEKKAI_SYSCALLS_FILE_OPS_H_

#include <cstdint>

#include "abi/linux/guest_addr.h"
#include "fs/vfs/file_description.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

// fcntl(2) F_GETLK, F_SETLK, F_SETLKW and their F_OFD_ forms on `file` (at `fd`),
// with the struct flock at `arg`.
SyscallResult FcntlLock(Task& t, int32_t fd, const fs::vfs::FileRef& file, int32_t cmd,
                        GuestAddr arg);
// fcntl(2) F_GETPIPE_SZ and F_SETPIPE_SZ (EBADF for files that aren't pipes).
SyscallResult FcntlPipeSize(Task& t, const fs::vfs::FileRef& file, int32_t cmd, uint64_t arg);
// Blocks (interruptibly: ERESTARTSYS) until an open that waits for a peer
// (FileDescription::OpenPending) completes.
Result<void> WaitForOpen(Task& t, fs::vfs::FileDescription& file);

}  // namespace kekkai::syscalls

#endif  // KEKKAI_SYSCALLS_FILE_OPS_H_

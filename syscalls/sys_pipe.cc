// pipe(2), pipe2(2), fcntl(2)'s F_GETPIPE_SZ and F_SETPIPE_SZ, and the wait of a
// FIFO open (fifo(7)).
#include <bit>

#include "abi/linux/types.h"
#include "fs/pipe/pipe.h"
#include "sentry/kernel/task.h"
#include "syscalls/file_ops.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;
using fs::vfs::FileRef;

namespace {

// CAP_SYS_RESOURCE: lets F_SETPIPE_SZ pass /proc/sys/fs/pipe-max-size.
constexpr int kCapSysResource = 24;

// pipe2(2)'s flags. O_NOTIFICATION_PIPE is not supported (EINVAL, as a kernel
// without CONFIG_WATCH_QUEUE answers).
SyscallResult Pipe2(Task& t, GuestAddr fds_addr, uint32_t flags) {
  if (flags & ~static_cast<uint32_t>(kOCloexec | kONonblock | kODirect)) return Errno(EINVAL);
  auto pipe = std::make_shared<fs::pipe::Pipe>(/*fifo=*/false, t.creds().fsuid, t.creds().fsgid);
  const uint32_t status = flags & (kONonblock | kODirect);
  // Only the write end keeps O_DIRECT (it makes the packets), as on Linux.
  auto [reader, writer] = fs::pipe::OpenPipe(pipe, status & kONonblock, status);
  const bool cloexec = (flags & kOCloexec) != 0;
  ASSIGN_OR_RETURN(int32_t rfd, t.fd_table().Install(std::move(reader), 0, cloexec, t.FdLimit()));
  Result<int32_t> wfd = t.fd_table().Install(std::move(writer), 0, cloexec, t.FdLimit());
  if (!wfd.ok()) {
    (void)t.fd_table().Remove(rfd);
    return wfd.error();
  }
  const int32_t fds[2] = {rfd, *wfd};
  if (Result<void> r = t.mm().CopyOutObj(fds_addr, fds); !r.ok()) {
    // Nothing is left behind when the array can't be written.
    (void)t.fd_table().Remove(rfd);
    (void)t.fd_table().Remove(*wfd);
    return r.error();
  }
  return uint64_t{0};
}

}  // namespace

// pipe(2).
SyscallResult SysPipe(Task& t, const SyscallArgs& args) { return Pipe2(t, args.Addr(0), 0); }

// pipe2(2).
SyscallResult SysPipe2(Task& t, const SyscallArgs& args) {
  return Pipe2(t, args.Addr(0), args.Uint(1));
}

SyscallResult FcntlPipeSize(Task& t, const FileRef& file, int32_t cmd, uint64_t arg) {
  auto* pf = dynamic_cast<fs::pipe::PipeFile*>(file.get());
  if (pf == nullptr) return Errno(EBADF);
  if (cmd == kFGetpipeSz) return uint64_t{pf->pipe().capacity()};
  // The size is an unsigned int, as Linux's pipe_fcntl takes it.
  const uint64_t size = static_cast<uint32_t>(arg);
  if (size > fs::pipe::kMaxCapacity) return Errno(EINVAL);
  const uint64_t rounded = size <= 4096 ? 4096 : std::bit_ceil(size);
  if (rounded > fs::pipe::kMaxUnprivilegedCapacity && !t.creds().HasCapability(kCapSysResource)) {
    return Errno(EPERM);
  }
  ASSIGN_OR_RETURN(size_t n, pf->pipe().SetCapacity(size));
  return uint64_t{n};
}

Result<void> WaitForOpen(Task& t, fs::vfs::FileDescription& file) {
  if (!file.OpenPending()) return Ok();
  sentry::waiter::Entry entry{&t, sentry::waiter::kEventIn | sentry::waiter::kEventOut};
  file.EventRegister(&entry);
  Result<void> r = Ok();
  while (file.OpenPending()) {
    if (!t.Block().ok()) {
      r = Errno(kERESTARTSYS);
      break;
    }
  }
  file.EventUnregister(&entry);
  return r;
}

}  // namespace kekkai::syscalls

// close(2), dup(2), dup2(2), dup3(2), fcntl(2), ioctl(2), fstat(2), getcwd(2),
// umask(2).
#include "abi/linux/types.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/thread_group.h"
#include "sentry/kernel/kernel.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;
using fs::vfs::FileRef;

namespace {

}  // namespace

// close(2).
SyscallResult SysClose(Task& t, const SyscallArgs& args) {
  RETURN_IF_ERROR(t.fd_table().Remove(args.Int(0)));
  return uint64_t{0};
}

// dup(2).
SyscallResult SysDup(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
  ASSIGN_OR_RETURN(int32_t fd, t.fd_table().Install(std::move(file), 0, false, t.FdLimit()));
  return static_cast<uint64_t>(fd);
}

// dup2(2).
SyscallResult SysDup2(Task& t, const SyscallArgs& args) {
  const int32_t oldfd = args.Int(0), newfd = args.Int(1);
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(oldfd));
  if (oldfd == newfd) return static_cast<uint64_t>(newfd);
  RETURN_IF_ERROR(t.fd_table().InstallAt(newfd, std::move(file), false, t.FdLimit()));
  return static_cast<uint64_t>(newfd);
}

// dup3(2).
SyscallResult SysDup3(Task& t, const SyscallArgs& args) {
  const int32_t oldfd = args.Int(0), newfd = args.Int(1);
  const int32_t flags = args.Int(2);
  if ((flags & ~kOCloexec) != 0 || oldfd == newfd) return Errno(EINVAL);
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(oldfd));
  RETURN_IF_ERROR(
      t.fd_table().InstallAt(newfd, std::move(file), (flags & kOCloexec) != 0, t.FdLimit()));
  return static_cast<uint64_t>(newfd);
}

// fcntl(2). Locks, leases, pipe sizes and signals-on-I/O are not implemented (EINVAL).
SyscallResult SysFcntl(Task& t, const SyscallArgs& args) {
  const int32_t fd = args.Int(0);
  const int32_t cmd = args.Int(1);
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(fd));
  switch (cmd) {
    case kFDupfd:
    case kFDupfdCloexec: {
      const int32_t min = args.Int(2);
      const int32_t limit = t.FdLimit();
      if (min < 0 || min >= limit) return Errno(EINVAL);
      ASSIGN_OR_RETURN(int32_t nfd,
                       t.fd_table().Install(std::move(file), min, cmd == kFDupfdCloexec, limit));
      return static_cast<uint64_t>(nfd);
    }
    case kFGetfd: {
      ASSIGN_OR_RETURN(bool cloexec, t.fd_table().GetCloexec(fd));
      return uint64_t{cloexec ? 1u : 0u};
    }
    case kFSetfd:
      RETURN_IF_ERROR(t.fd_table().SetCloexec(fd, (args.Int(2) & kFdCloexec) != 0));
      return uint64_t{0};
    case kFGetfl:
      // O_PATH descriptions keep nothing but O_PATH (not even O_LARGEFILE).
      if (file->flags() & kOPath) return uint64_t{file->flags()};
      return uint64_t{file->flags() | static_cast<uint32_t>(kOLargefile)};
    case kFSetfl:
      file->SetStatusFlags(args.Uint(2));
      return uint64_t{0};
    default:
      return Errno(EINVAL);
  }
}

// ioctl(2). FIONBIO, FIOCLEX and FIONCLEX here; the rest goes to the file.
SyscallResult SysIoctl(Task& t, const SyscallArgs& args) {
  const int32_t fd = args.Int(0);
  const uint32_t cmd = args.Uint(1);
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(fd));
  switch (cmd) {
    case kFioclex:
    case kFionclex:
      RETURN_IF_ERROR(t.fd_table().SetCloexec(fd, cmd == kFioclex));
      return uint64_t{0};
    case kFionbio: {
      ASSIGN_OR_RETURN(int32_t on, t.mm().CopyInObj<int32_t>(args.Addr(2)));
      const uint32_t fl = file->flags();
      file->SetStatusFlags(on ? fl | kONonblock : fl & ~static_cast<uint32_t>(kONonblock));
      return uint64_t{0};
    }
    default:
      return file->Ioctl(t.mm(), cmd, args.Uint64(2));
  }
}

// fstat(2).
SyscallResult SysFstat(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
  ASSIGN_OR_RETURN(abi::linux::Stat st, file->Stat());
  RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), st));
  return uint64_t{0};
}

// getcwd(2).
SyscallResult SysGetcwd(Task& t, const SyscallArgs& args) {
  const std::string& cwd = t.cwd();
  const uint64_t size = args.SizeT(1);
  if (size < cwd.size() + 1) return Errno(ERANGE);
  RETURN_IF_ERROR(t.mm().CopyOutFull(args.Addr(0), std::as_bytes(std::span(cwd.c_str(), cwd.size() + 1))));
  return uint64_t{cwd.size() + 1};
}

// umask(2). Recorded; nothing creates files yet. Per task until CLONE_FS sharing exists.
SyscallResult SysUmask(Task& t, const SyscallArgs& args) {
  const uint32_t old = t.umask();
  t.set_umask(args.Uint(0));
  return uint64_t{old};
}

}  // namespace kekkai::syscalls

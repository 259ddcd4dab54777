// Advisory locks: flock(2) and fcntl(2)'s F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK,
// F_OFD_SETLK and F_OFD_SETLKW. The lock state is the VFS's (fs/vfs/lock.h); the
// waits of F_SETLKW and blocking flock are here, where the Task is.
#include <optional>

#include "abi/linux/types.h"
#include "fs/vfs/inode.h"
#include "fs/vfs/lock.h"
#include "sentry/kernel/task.h"
#include "syscalls/file_ops.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;
using fs::vfs::FileLocks;
using fs::vfs::FileRef;
using fs::vfs::kLockOffsetMax;
using fs::vfs::RecordLock;

namespace {

constexpr uint32_t kWaitEvents = sentry::waiter::kEventIn | sentry::waiter::kEventOut;

// Returns the lock state of `file`. Files outside the tree with no lock state of
// their own (the caller's stdio) can't be locked: EINVAL.
Result<std::shared_ptr<FileLocks>> LocksOf(const FileRef& file) {
  std::shared_ptr<FileLocks> locks = file->LockState(/*create=*/true);
  if (!locks) return Errno(EINVAL);
  return locks;
}

// Retries `attempt` (returning EAGAIN while it would block) until it succeeds,
// fails otherwise, or the task is interrupted (ERESTARTSYS). `before_block` runs
// after each EAGAIN and may fail the wait (deadlock detection).
template <typename Attempt, typename BeforeBlock>
Result<void> WaitForLock(Task& t, FileLocks& locks, Attempt&& attempt, BeforeBlock&& before_block) {
  // Registered before each attempt, so a release between the attempt and the
  // block wakes us (a Wake before Park makes Park return at once).
  sentry::waiter::Entry entry{&t, kWaitEvents};
  locks.queue().EventRegister(&entry);
  Result<void> r = Ok();
  for (;;) {
    r = attempt();
    if (r.ok() || r.error() != Errno(EAGAIN)) break;
    if (Result<void> b = before_block(); !b.ok()) {
      r = b;
      break;
    }
    if (!t.Block().ok()) {
      r = Errno(kERESTARTSYS);
      break;
    }
  }
  locks.queue().EventUnregister(&entry);
  return r;
}

// Turns a struct flock's (whence, start, len) into an inclusive byte range, with
// Linux's checks (flock_to_posix_lock): EINVAL for a bad whence or a range
// before offset 0, EOVERFLOW past OFFSET_MAX.
Result<std::pair<int64_t, int64_t>> RangeOf(const FileRef& file, const Flock& fl) {
  int64_t base;
  switch (fl.whence) {
    case kSeekSet:
      base = 0;
      break;
    case kSeekCur: {
      // Files without an offset (pipes) count from 0, as their f_pos is.
      Result<uint64_t> pos = file->Seek(0, kSeekCur);
      base = pos.ok() ? static_cast<int64_t>(*pos) : 0;
      break;
    }
    case kSeekEnd: {
      ASSIGN_OR_RETURN(Stat st, file->Stat());
      base = st.size;
      break;
    }
    default:
      return Errno(EINVAL);
  }
  if (fl.start > kLockOffsetMax - base) return Errno(EOVERFLOW);
  int64_t start = base + fl.start;
  if (start < 0) return Errno(EINVAL);
  int64_t end;
  if (fl.len > 0) {
    if (fl.len - 1 > kLockOffsetMax - start) return Errno(EOVERFLOW);
    end = start + fl.len - 1;
  } else if (fl.len < 0) {
    if (start + fl.len < 0) return Errno(EINVAL);
    end = start - 1;
    start += fl.len;
  } else {
    end = kLockOffsetMax;
  }
  return std::pair<int64_t, int64_t>(start, end);
}

}  // namespace

SyscallResult FcntlLock(Task& t, int32_t fd, const FileRef& file, int32_t cmd, GuestAddr arg) {
  if (file->flags() & kOPath) return Errno(EBADF);
  ASSIGN_OR_RETURN(Flock fl, t.mm().CopyInObj<Flock>(arg));
  const bool ofd = cmd == kFOfdGetlk || cmd == kFOfdSetlk || cmd == kFOfdSetlkw;
  const bool get = cmd == kFGetlk || cmd == kFOfdGetlk;
  const bool wait = cmd == kFSetlkw || cmd == kFOfdSetlkw;
  if (get && fl.type != kFRdlck && fl.type != kFWrlck) return Errno(EINVAL);
  ASSIGN_OR_RETURN(auto range, RangeOf(file, fl));
  if (fl.type != kFRdlck && fl.type != kFWrlck && fl.type != kFUnlck) return Errno(EINVAL);
  if (!get) {
    // The description must allow the kind of lock (check_fmode_for_setlk).
    if (fl.type == kFRdlck && !file->readable()) return Errno(EBADF);
    if (fl.type == kFWrlck && !file->writable()) return Errno(EBADF);
  }
  if (ofd && fl.pid != 0) return Errno(EINVAL);
  ASSIGN_OR_RETURN(std::shared_ptr<FileLocks> locks, LocksOf(file));

  // The owner of POSIX locks is the fd table (Linux's current->files): every
  // close of any fd of the file drops them. An OFD lock's is the description.
  const void* owner =
      ofd ? static_cast<const void*>(file.get()) : static_cast<const void*>(&t.fd_table());
  if (get) {
    std::optional<RecordLock> conflict =
        locks->TestRecord(owner, fl.type, range.first, range.second);
    if (!conflict) {
      fl.type = kFUnlck;
    } else {
      fl.type = conflict->type;
      fl.whence = kSeekSet;
      fl.start = conflict->start;
      fl.len = conflict->end == kLockOffsetMax ? 0 : conflict->end - conflict->start + 1;
      fl.pid = conflict->ofd ? -1 : conflict->pid;
    }
    RETURN_IF_ERROR(t.mm().CopyOutObj(arg, fl));
    return uint64_t{0};
  }

  RecordLock req;
  req.start = range.first;
  req.end = range.second;
  req.owner = owner;
  req.ofd = ofd;
  req.pid = t.tgid();
  if (ofd) file->HoldLocksIn(locks);
  auto& waits = fs::vfs::PosixLockWaits::Get();
  const void* blocker = nullptr;
  Result<void> r = WaitForLock(
      t, *locks, [&] { return locks->SetRecord(req, fl.type, &blocker); },
      [&]() -> Result<void> {
        if (!wait) return Errno(EAGAIN);
        // Only POSIX owners take part in deadlock detection, as on Linux.
        if (ofd) return Ok();
        return waits.Begin(owner, blocker);
      });
  if (!ofd && wait) waits.End(owner);
  RETURN_IF_ERROR(r);
  // A POSIX lock taken while another thread closed the fd would outlive the
  // close that should have dropped it: undo it (as fcntl_setlk does).
  if (!ofd && fl.type != kFUnlck) {
    Result<FileRef> now = t.fd_table().Get(fd);
    if (!now.ok() || now->get() != file.get()) {
      (void)locks->SetRecord(req, fs::vfs::kLockUnlock, nullptr);
      return Errno(EBADF);
    }
  }
  return uint64_t{0};
}

// flock(2). LOCK_MAND is ignored (success), as Linux has done since 5.15.
SyscallResult SysFlock(Task& t, const SyscallArgs& args) {
  const int32_t fd = args.Int(0);
  const uint32_t cmd = args.Uint(1);
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(fd));
  if (file->flags() & kOPath) return Errno(EBADF);
  if (cmd & kLockMand) return uint64_t{0};
  const uint32_t op = cmd & ~static_cast<uint32_t>(kLockNb);
  if (op != kLockSh && op != kLockEx && op != kLockUn) return Errno(EINVAL);
  // An ioctl-only open (access mode 3) can't take a lock.
  if (op != kLockUn && !file->readable() && !file->writable()) return Errno(EBADF);
  ASSIGN_OR_RETURN(std::shared_ptr<FileLocks> locks, LocksOf(file));
  if (op == kLockUn) {
    locks->FlockUnlock(file.get());
    return uint64_t{0};
  }
  file->HoldLocksIn(locks);
  const bool wait = (cmd & kLockNb) == 0;
  RETURN_IF_ERROR(WaitForLock(
      t, *locks, [&] { return locks->Flock(file.get(), op == kLockEx); },
      [&]() -> Result<void> {
        if (!wait) return Errno(EWOULDBLOCK);
        return Ok();
      }));
  return uint64_t{0};
}

}  // namespace kekkai::syscalls

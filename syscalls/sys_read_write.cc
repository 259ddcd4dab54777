// read(2), write(2), pread64(2), pwrite64(2), readv(2), writev(2), lseek(2).
#include <optional>
#include <vector>

#include "abi/linux/signal.h"
#include "abi/linux/types.h"
#include "sentry/kernel/task.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;
using fs::vfs::FileRef;
using sentry::usermem::GuestRange;
using sentry::usermem::IoSequence;

namespace {

// Bounds one read or write: Linux's MAX_RW_COUNT.
constexpr uint64_t kMaxRwCount = 0x7ffff000;

// Returns the guest iovec array as ranges, bounded as Linux does (EINVAL past
// UIO_MAXIOV entries or a total over SSIZE_MAX; the total is clamped to MAX_RW_COUNT).
Result<std::vector<GuestRange>> CopyInIovecs(Task& t, GuestAddr addr, int32_t count) {
  if (count < 0 || count > kUioMaxIov) return Errno(EINVAL);
  std::vector<IoVec> iov(static_cast<size_t>(count));
  RETURN_IF_ERROR(t.mm().CopyInFull(addr, std::as_writable_bytes(std::span(iov))));
  std::vector<GuestRange> ranges;
  ranges.reserve(iov.size());
  uint64_t total = 0;
  for (const IoVec& v : iov) {
    if (v.len > static_cast<uint64_t>(INT64_MAX) - total) return Errno(EINVAL);
    if (!AccessOk(GuestAddr(v.base), v.len)) return Errno(EFAULT);
    const uint64_t len = std::min(v.len, kMaxRwCount - std::min(total, kMaxRwCount));
    total += v.len;
    if (len > 0) ranges.push_back({GuestAddr(v.base), len});
  }
  return ranges;
}

// Reads or writes through `file`, blocking (interruptibly) while it would block.
Result<size_t> DoIo(Task& t, const FileRef& file, IoSequence& seq, std::optional<uint64_t> off,
                    bool write) {
  const uint32_t event = write ? sentry::waiter::kEventOut : sentry::waiter::kEventIn;
  sentry::waiter::Entry entry{&t, event};
  bool registered = false;
  // Whether readiness is armed since the last attempt: a wake-up may have used up a
  // one-shot host watch, so every sleep is preceded by registering and one more try.
  bool armed = false;
  size_t done = 0;
  Result<size_t> result = size_t{0};
  for (;;) {
    Result<size_t> r = write ? file->Write(seq, off) : file->Read(seq, off);
    if (r.ok()) {
      done += *r;
      // A blocking write carries on until everything is written, as pipes do.
      if (write && *r > 0 && seq.remaining() > 0 && !file->nonblocking()) {
        if (off) *off += *r;
        armed = false;
        continue;
      }
      result = done;
      break;
    }
    if (write && r.error().value() == EPIPE) {
      SigInfo info{};
      info.signo = kSigPipe;
      info.code = kSiUser;
      t.SendSignal(info);
    }
    if (r.error().value() != EAGAIN || file->nonblocking() || (done > 0 && !write)) {
      result = done > 0 ? Result<size_t>(done) : r;
      break;
    }
    if (!armed) {
      file->EventRegister(&entry);
      registered = armed = true;
      continue;
    }
    if (Result<void> b = t.Block(); !b.ok()) {
      result = done > 0 ? Result<size_t>(done) : Result<size_t>(Errno(kERESTARTSYS));
      break;
    }
    armed = false;
  }
  if (registered) file->EventUnregister(&entry);
  return result;
}

// Reads or writes through fd `fd`: the fd is checked first, then `ranges()` builds
// the guest buffers (EFAULT for ones outside the user half), as Linux orders it.
template <typename Ranges>
SyscallResult ReadWrite(Task& t, int32_t fd, Ranges&& ranges, std::optional<uint64_t> off,
                        bool write) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(fd));
  if (write ? !file->writable() : !file->readable()) return Errno(EBADF);
  ASSIGN_OR_RETURN(std::vector<GuestRange> r, ranges());
  if (off && static_cast<int64_t>(*off) < 0) return Errno(EINVAL);
  IoSequence seq(t.mm(), std::move(r));
  ASSIGN_OR_RETURN(size_t n, DoIo(t, file, seq, off, write));
  return uint64_t{n};
}

// access_ok() comes before the count is clamped, so read(fd, buf, SIZE_MAX) is
// EFAULT, as on Linux.
Result<std::vector<GuestRange>> OneRange(GuestAddr addr, uint64_t len) {
  if (!AccessOk(addr, len)) return Errno(EFAULT);
  len = std::min(len, kMaxRwCount);
  if (len == 0) return std::vector<GuestRange>{};
  return std::vector<GuestRange>{GuestRange{addr, len}};
}

}  // namespace

// read(2).
SyscallResult SysRead(Task& t, const SyscallArgs& args) {
  return ReadWrite(
      t, args.Int(0), [&] { return OneRange(args.Addr(1), args.SizeT(2)); }, std::nullopt, false);
}

// write(2).
SyscallResult SysWrite(Task& t, const SyscallArgs& args) {
  return ReadWrite(
      t, args.Int(0), [&] { return OneRange(args.Addr(1), args.SizeT(2)); }, std::nullopt, true);
}

// pread64(2).
SyscallResult SysPread64(Task& t, const SyscallArgs& args) {
  return ReadWrite(
      t, args.Int(0), [&] { return OneRange(args.Addr(1), args.SizeT(2)); }, args.Uint64(3), false);
}

// pwrite64(2).
SyscallResult SysPwrite64(Task& t, const SyscallArgs& args) {
  return ReadWrite(
      t, args.Int(0), [&] { return OneRange(args.Addr(1), args.SizeT(2)); }, args.Uint64(3), true);
}

// readv(2).
SyscallResult SysReadv(Task& t, const SyscallArgs& args) {
  return ReadWrite(
      t, args.Int(0), [&] { return CopyInIovecs(t, args.Addr(1), args.Int(2)); },
      std::nullopt, false);
}

// writev(2).
SyscallResult SysWritev(Task& t, const SyscallArgs& args) {
  return ReadWrite(
      t, args.Int(0), [&] { return CopyInIovecs(t, args.Addr(1), args.Int(2)); },
      std::nullopt, true);
}

// lseek(2).
SyscallResult SysLseek(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
  return file->Seek(args.Int64(1), args.Int(2));
}

}  // namespace kekkai::syscalls

// read(2), write(2), pread64(2), pwrite64(2), readv(2), writev(2), preadv(2),
// pwritev(2), preadv2(2), pwritev2(2), lseek(2), sendfile(2), copy_file_range(2).
#include <optional>
#include <vector>

#include "abi/linux/signal.h"
#include "abi/linux/types.h"
#include "fs/vfs/inode.h"
#include "sentry/kernel/task.h"
#include "sentry/usermem/vector_memory.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {

using namespace abi::linux;
using fs::vfs::FileDescription;
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

// A write by a caller without CAP_FSETID drops set-user-ID, and set-group-ID of a
// group-executable file (Linux's file_remove_privs).
Result<void> DropPrivsOnWrite(Task& t, FileDescription& file) {
  fs::vfs::Inode* inode = file.inode();
  if (inode == nullptr || !inode->is_regular()) return Ok();
  if (t.creds().HasCapability(sentry::auth::kCapFsetid)) return Ok();
  ASSIGN_OR_RETURN(abi::linux::Stat st, inode->Stat());
  uint32_t mode = st.mode & 07777 & ~kSIsuid;
  if (st.mode & 010) mode &= ~kSIsgid;
  if (mode == (st.mode & 07777)) return Ok();
  fs::vfs::SetAttr attr;
  attr.mask = fs::vfs::SetAttr::kMode;
  attr.mode = mode;
  return inode->SetStat(attr);
}

// Reads or writes through fd `fd`: the fd is checked first, then `ranges()` builds
// the guest buffers (EFAULT for ones outside the user half), as Linux orders it.
template <typename Ranges>
SyscallResult ReadWrite(Task& t, int32_t fd, Ranges&& ranges, std::optional<uint64_t> off,
                        bool write) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(fd));
  if (write ? !file->writable() : !file->readable()) return Errno(EBADF);
  if (write) RETURN_IF_ERROR(DropPrivsOnWrite(t, *file));
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

// preadv2/pwritev2 flags (RWF_*).
constexpr uint32_t kRwfHipri = 1, kRwfDsync = 2, kRwfSync = 4, kRwfNowait = 8, kRwfAppend = 0x10;

// preadv2(2)/pwritev2(2): offset -1 is the file offset; RWF_APPEND writes at the end.
SyscallResult ReadWriteV2(Task& t, const SyscallArgs& args, bool write) {
  const int64_t pos = args.Int64(3);
  const uint32_t flags = args.Uint(5);
  if (flags & ~(kRwfHipri | kRwfDsync | kRwfSync | kRwfNowait | kRwfAppend)) {
    return Errno(EOPNOTSUPP);
  }
  if (pos < -1) return Errno(EINVAL);
  std::optional<uint64_t> off;
  if (pos != -1) off = static_cast<uint64_t>(pos);
  if (write && (flags & kRwfAppend)) {
    ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
    if (file->inode() != nullptr && file->inode()->is_regular()) {
      ASSIGN_OR_RETURN(abi::linux::Stat st, file->Stat());
      ASSIGN_OR_RETURN(uint64_t n, ReadWrite(t, args.Int(0), [&] {
        return CopyInIovecs(t, args.Addr(1), args.Int(2));
      }, static_cast<uint64_t>(st.size), true));
      // With offset -1 the file offset moves past what was appended.
      if (!off) RETURN_IF_ERROR(file->Seek(st.size + static_cast<int64_t>(n), kSeekSet));
      return n;
    }
  }
  return ReadWrite(
      t, args.Int(0), [&] { return CopyInIovecs(t, args.Addr(1), args.Int(2)); }, off, write);
}

// Copies up to `count` bytes from `in` (at `*in_off`, or its file offset) to `out`
// (at `*out_off`, or its file offset) through a sentry buffer, advancing the given
// offsets. Returns the bytes copied; an error only if nothing was.
Result<uint64_t> CopyBetween(Task& t, const FileRef& in, std::optional<uint64_t>* in_off,
                             const FileRef& out, std::optional<uint64_t>* out_off,
                             uint64_t count) {
  constexpr uint64_t kChunk = 64 << 10;
  count = std::min(count, kMaxRwCount);
  sentry::usermem::VectorMemory buf(std::min(count, kChunk));
  const GuestAddr base{sentry::usermem::VectorMemory::kBase};
  uint64_t done = 0;
  while (done < count) {
    const uint64_t want = std::min(count - done, kChunk);
    IoSequence rseq(buf, {GuestRange{base, want}});
    Result<size_t> r = DoIo(t, in, rseq, *in_off, false);
    if (!r.ok()) {
      if (done > 0) break;
      return r.error();
    }
    if (*r == 0) break;
    IoSequence wseq(buf, {GuestRange{base, *r}});
    Result<size_t> w = DoIo(t, out, wseq, *out_off, true);
    if (!w.ok()) {
      if (done > 0) break;
      return w.error();
    }
    if (*in_off) **in_off += *w;
    if (*out_off) **out_off += *w;
    done += *w;
    if (*w < *r) {
      // Put back what the reader consumed but the writer refused.
      if (!*in_off && in->inode() != nullptr) {
        (void)in->Seek(-static_cast<int64_t>(*r - *w), kSeekCur);
      }
      break;
    }
    if (*r < want) break;
  }
  return done;
}

// Reads an optional loff_t argument: nullopt for NULL, EINVAL if negative.
Result<std::optional<uint64_t>> CopyInOffset(Task& t, GuestAddr addr) {
  if (Raw(addr) == 0) return std::optional<uint64_t>();
  ASSIGN_OR_RETURN(int64_t off, t.mm().CopyInObj<int64_t>(addr));
  if (off < 0) return Errno(EINVAL);
  return std::optional<uint64_t>(static_cast<uint64_t>(off));
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

// preadv(2).
SyscallResult SysPreadv(Task& t, const SyscallArgs& args) {
  return ReadWrite(
      t, args.Int(0), [&] { return CopyInIovecs(t, args.Addr(1), args.Int(2)); },
      args.Uint64(3), false);
}

// pwritev(2).
SyscallResult SysPwritev(Task& t, const SyscallArgs& args) {
  return ReadWrite(
      t, args.Int(0), [&] { return CopyInIovecs(t, args.Addr(1), args.Int(2)); },
      args.Uint64(3), true);
}

// preadv2(2).
SyscallResult SysPreadv2(Task& t, const SyscallArgs& args) { return ReadWriteV2(t, args, false); }

// pwritev2(2).
SyscallResult SysPwritev2(Task& t, const SyscallArgs& args) { return ReadWriteV2(t, args, true); }

// sendfile(2).
SyscallResult SysSendfile(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(FileRef out, t.fd_table().Get(args.Int(0)));
  ASSIGN_OR_RETURN(FileRef in, t.fd_table().Get(args.Int(1)));
  if (!in->readable() || !out->writable()) return Errno(EBADF);
  if (out->flags() & kOAppend) return Errno(EINVAL);
  ASSIGN_OR_RETURN(std::optional<uint64_t> in_off, CopyInOffset(t, args.Addr(2)));
  std::optional<uint64_t> out_off;
  ASSIGN_OR_RETURN(uint64_t n, CopyBetween(t, in, &in_off, out, &out_off, args.Uint64(3)));
  if (in_off) RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(2), static_cast<int64_t>(*in_off)));
  return n;
}

// copy_file_range(2): between regular files, through the sentry.
SyscallResult SysCopyFileRange(Task& t, const SyscallArgs& args) {
  if (args.Uint(5) != 0) return Errno(EINVAL);
  ASSIGN_OR_RETURN(FileRef in, t.fd_table().Get(args.Int(0)));
  ASSIGN_OR_RETURN(FileRef out, t.fd_table().Get(args.Int(2)));
  if (!in->readable() || !out->writable() || (out->flags() & kOAppend)) return Errno(EBADF);
  fs::vfs::Inode* iin = in->inode();
  fs::vfs::Inode* iout = out->inode();
  if (iin == nullptr || iout == nullptr) return Errno(EINVAL);
  if (iin->is_dir() || iout->is_dir()) return Errno(EISDIR);
  if (!iin->is_regular() || !iout->is_regular()) return Errno(EINVAL);
  // A negative offset fails the kernel's unsigned wrap check: EOVERFLOW.
  Result<std::optional<uint64_t>> in_off_or = CopyInOffset(t, args.Addr(1));
  Result<std::optional<uint64_t>> out_off_or = CopyInOffset(t, args.Addr(3));
  for (auto* r : {&in_off_or, &out_off_or}) {
    if (!r->ok()) return r->error() == Errno(EINVAL) ? Errno(EOVERFLOW) : r->error();
  }
  std::optional<uint64_t> in_off = *in_off_or, out_off = *out_off_or;
  const uint64_t len = args.Uint64(4);
  if (iin == iout) {
    // Overlapping ranges of one file are refused.
    ASSIGN_OR_RETURN(uint64_t cur_in, in_off ? Result<uint64_t>(*in_off) : in->Seek(0, kSeekCur));
    ASSIGN_OR_RETURN(uint64_t cur_out,
                     out_off ? Result<uint64_t>(*out_off) : out->Seek(0, kSeekCur));
    const uint64_t l = std::min(len, kMaxRwCount);
    if (cur_in < cur_out + l && cur_out < cur_in + l) return Errno(EINVAL);
  }
  ASSIGN_OR_RETURN(uint64_t n, CopyBetween(t, in, &in_off, out, &out_off, len));
  if (in_off) RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(1), static_cast<int64_t>(*in_off)));
  if (out_off) RETURN_IF_ERROR(t.mm().CopyOutObj(args.Addr(3), static_cast<int64_t>(*out_off)));
  return n;
}

// lseek(2).
SyscallResult SysLseek(Task& t, const SyscallArgs& args) {
  ASSIGN_OR_RETURN(FileRef file, t.fd_table().Get(args.Int(0)));
  return file->Seek(args.Int64(1), args.Int(2));
}

}  // namespace kekkai::syscalls

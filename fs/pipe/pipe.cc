#include "fs/pipe/pipe.h"

#include "fs/vfs/dentry.h"
#include "fs/vfs/mount.h"
#include "fs/vfs/vfs.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <span>
#include <utility>

namespace kekkai::fs::pipe {

namespace linux = abi::linux;
using sentry::waiter::kEventErr;
using sentry::waiter::kEventHup;
using sentry::waiter::kEventIn;
using sentry::waiter::kEventOut;

namespace {

// st_dev of anonymous pipes (Linux's pipefs is an anonymous device too). The
// sandbox numbers its filesystems' anonymous devices upward from minor 1.
constexpr uint64_t kPipefsDevice = 0xff;
constexpr size_t kPageSize = kPipeBuf;

uint64_t NextPipeIno() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

linux::Timespec RealtimeNow() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return {ts.tv_sec, ts.tv_nsec};
}

}  // namespace

Pipe::Pipe(bool fifo, uint32_t uid, uint32_t gid)
    : fifo_(fifo), ino_(NextPipeIno()), uid_(uid), gid_(gid), created_(RealtimeNow()) {}

Result<size_t> Pipe::Read(sentry::usermem::IoSequence& dst) {
  size_t done = 0;
  {
    std::lock_guard lock(mu_);
    if (dst.remaining() == 0) return size_t{0};
    if (size_ == 0) {
      if (writers_ == 0) return size_t{0};
      return Errno(EAGAIN);
    }
    while (!slots_.empty() && dst.remaining() > 0) {
      Slot& slot = slots_.front();
      const size_t chunk = static_cast<size_t>(std::min<uint64_t>(dst.remaining(), slot.len));
      Result<size_t> n =
          dst.CopyOut(std::span<const std::byte>(slot.page.get() + slot.offset, chunk));
      if (!n.ok()) {
        if (done == 0) return n.error();
        break;
      }
      done += *n;
      size_ -= *n;
      slot.offset += *n;
      slot.len -= *n;
      if (slot.packet && *n == chunk) {
        // One packet per read; what didn't fit is dropped.
        size_ -= slot.len;
        slots_.pop_front();
        break;
      }
      if (slot.len == 0) slots_.pop_front();
      if (*n < chunk) break;
    }
  }
  queue_.Notify(kEventOut);
  return done;
}

Result<size_t> Pipe::Write(sentry::usermem::IoSequence& src, bool packet) {
  size_t done = 0;
  {
    std::lock_guard lock(mu_);
    const uint64_t total = src.remaining();
    if (total == 0) return size_t{0};
    if (readers_ == 0) return Errno(EPIPE);
    // The part past whole pages goes into the newest slot's tail if it fits.
    const size_t chars = static_cast<size_t>(total % kPipeBuf);
    // (Linux merges whatever the writer's mode, into a slot not written as a packet.)
    if (chars > 0 && !slots_.empty() && !slots_.back().packet) {
      Slot& last = slots_.back();
      const size_t end = last.offset + last.len;
      if (end + chars <= kPipeBuf) {
        Result<size_t> n = src.CopyIn(std::span<std::byte>(last.page.get() + end, chars));
        if (!n.ok()) return n.error();
        if (*n < chars) return Errno(EFAULT);  // As Linux: a short merge writes nothing.
        last.len += chars;
        size_ += chars;
        done = chars;
      }
    }
    while (src.remaining() > 0 && slots_.size() < max_slots()) {
      Slot slot;
      slot.packet = packet;
      slot.page = std::make_unique<std::byte[]>(kPipeBuf);
      const size_t chunk = static_cast<size_t>(std::min<uint64_t>(src.remaining(), kPipeBuf));
      Result<size_t> n = src.CopyIn(std::span<std::byte>(slot.page.get(), chunk));
      if (!n.ok() || *n == 0) {
        if (done == 0) return n.ok() ? Errno(EFAULT) : n.error();
        break;
      }
      slot.len = *n;
      size_ += *n;
      done += *n;
      slots_.push_back(std::move(slot));
      if (*n < chunk) break;
    }
    if (done == 0) return Errno(EAGAIN);
  }
  queue_.Notify(kEventIn);
  return done;
}

size_t Pipe::queued() const {
  std::lock_guard lock(mu_);
  return size_;
}

size_t Pipe::capacity() const {
  std::lock_guard lock(mu_);
  return capacity_;
}

Result<size_t> Pipe::SetCapacity(uint64_t size) {
  if (size > kMaxCapacity) return Errno(EINVAL);
  const size_t rounded = size <= kPageSize ? kPageSize : std::bit_ceil(static_cast<size_t>(size));
  if (rounded > kMaxCapacity) return Errno(EINVAL);
  bool grew;
  {
    std::lock_guard lock(mu_);
    if (slots_.size() > rounded / kPipeBuf) return Errno(EBUSY);
    grew = rounded > capacity_;
    capacity_ = rounded;
  }
  if (grew) queue_.Notify(kEventOut);
  return rounded;
}

uint32_t Pipe::Readiness(bool reader, bool writer, uint32_t mask) const {
  uint32_t ready = 0;
  std::lock_guard lock(mu_);
  if (reader) {
    if (size_ > 0) ready |= kEventIn;
    // A FIFO reader sees no hang-up before any writer came (Linux keeps it quiet).
    if (writers_ == 0 && (!fifo_ || writer_opens_ > 0)) ready |= kEventHup;
  }
  if (writer) {
    if (slots_.size() < max_slots()) ready |= kEventOut;
    if (readers_ == 0) ready |= kEventErr;
  }
  return ready & (mask | kEventHup | kEventErr);
}

Result<std::optional<uint64_t>> Pipe::AddEnds(bool reader, bool writer, bool wait_without_peer,
                                              bool enxio_without_reader) {
  std::optional<uint64_t> peer_opens;
  {
    std::lock_guard lock(mu_);
    if (enxio_without_reader && writer && !reader && readers_ == 0) return Errno(ENXIO);
    if (wait_without_peer && reader && !writer && writers_ == 0) peer_opens = writer_opens_;
    if (wait_without_peer && writer && !reader && readers_ == 0) peer_opens = reader_opens_;
    if (reader) {
      ++readers_;
      ++reader_opens_;
    }
    if (writer) {
      ++writers_;
      ++writer_opens_;
    }
  }
  // Openers of a FIFO wait for the other side on the queue.
  queue_.Notify(kEventIn | kEventOut);
  return peer_opens;
}

void Pipe::RemoveEnds(bool reader, bool writer) {
  uint32_t events = 0;
  {
    std::lock_guard lock(mu_);
    if (reader && --readers_ == 0) events |= kEventOut | kEventErr;
    if (writer && --writers_ == 0) events |= kEventIn | kEventHup;
    if (readers_ == 0 && writers_ == 0) {
      // The last end of a FIFO is gone: Linux frees the pipe, so what was left
      // in it and its size go too (the next opener starts empty).
      slots_.clear();
      size_ = 0;
      capacity_ = kDefaultCapacity;
    }
  }
  if (events != 0) queue_.Notify(events);
}

int Pipe::readers() const {
  std::lock_guard lock(mu_);
  return readers_;
}

int Pipe::writers() const {
  std::lock_guard lock(mu_);
  return writers_;
}

uint64_t Pipe::reader_opens() const {
  std::lock_guard lock(mu_);
  return reader_opens_;
}

uint64_t Pipe::writer_opens() const {
  std::lock_guard lock(mu_);
  return writer_opens_;
}

linux::Stat Pipe::Stat() const {
  linux::Stat st{};
  st.dev = kPipefsDevice;
  st.ino = ino_;
  st.mode = linux::kSIfifo | 0600;
  st.nlink = 1;
  st.uid = uid_;
  st.gid = gid_;
  st.blksize = static_cast<int64_t>(kPageSize);
  st.atime = st.mtime = st.ctime = created_;
  return st;
}

std::shared_ptr<vfs::FileLocks> Pipe::locks(bool create) {
  std::lock_guard lock(mu_);
  if (!locks_ && create) locks_ = std::make_shared<vfs::FileLocks>();
  return locks_;
}

// ---- PipeFile. ----

PipeFile::PipeFile(std::shared_ptr<Pipe> pipe, uint32_t flags, std::optional<uint64_t> peer_opens)
    : vfs::FileDescription(flags),
      pipe_(std::move(pipe)),
      reader_(readable()),
      writer_(writable()),
      peer_opens_(peer_opens) {}

PipeFile::~PipeFile() { pipe_->RemoveEnds(reader_, writer_); }

Result<size_t> PipeFile::Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) {
  if (offset) return Errno(ESPIPE);
  return pipe_->Read(dst);
}

Result<size_t> PipeFile::Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) {
  if (offset) return Errno(ESPIPE);
  return pipe_->Write(src, /*packet=*/(flags() & linux::kODirect) != 0);
}

Result<uint64_t> PipeFile::Ioctl(sentry::usermem::GuestMemory& mem, uint32_t cmd, uint64_t arg) {
  if (cmd != linux::kFionread) return Errno(ENOTTY);
  const int32_t n = static_cast<int32_t>(std::min<size_t>(pipe_->queued(), INT32_MAX));
  RETURN_IF_ERROR(mem.CopyOutObj(GuestAddr(arg), n));
  return uint64_t{0};
}

Result<linux::Stat> PipeFile::Stat() {
  if (pipe_->fifo()) return vfs::FileDescription::Stat();
  return pipe_->Stat();
}

uint32_t PipeFile::Readiness(uint32_t mask) { return pipe_->Readiness(reader_, writer_, mask); }

void PipeFile::EventRegister(sentry::waiter::Entry* e) { pipe_->queue().EventRegister(e); }

void PipeFile::EventUnregister(sentry::waiter::Entry* e) { pipe_->queue().EventUnregister(e); }

std::string PipeFile::Name() const {
  if (pipe_->fifo()) return path();
  return "pipe:[" + std::to_string(pipe_->ino()) + "]";
}

std::shared_ptr<vfs::FileLocks> PipeFile::LockState(bool create) {
  if (pipe_->fifo()) return vfs::FileDescription::LockState(create);
  return pipe_->locks(create);
}

bool PipeFile::OpenPending() {
  if (!peer_opens_) return false;
  const uint64_t now = reader_ ? pipe_->writer_opens() : pipe_->reader_opens();
  if (now != *peer_opens_) peer_opens_.reset();
  return peer_opens_.has_value();
}

namespace {

class PipeFs final : public vfs::Filesystem {
 public:
  std::string_view type_name() const override { return "pipefs"; }
  Result<linux::Statfs> Statfs() override {
    linux::Statfs st{};
    st.type = 0x50495045;  // PIPEFS_MAGIC
    st.bsize = st.frsize = kPageSize;
    st.namelen = vfs::kNameMax;
    return st;
  }
};

// The place of an anonymous pipe: opening it opens the pipe anew (without
// fifo(7)'s wait for a peer, as Linux's fifo_open for a pipefs inode). The
// pipefs root has no pipe.
class PipeInode final : public vfs::Inode {
 public:
  explicit PipeInode(std::shared_ptr<Pipe> pipe)
      : vfs::Inode(pipe ? linux::kSIfifo : linux::kSIfdir), pipe_(std::move(pipe)) {}

  Result<linux::Stat> Stat() override {
    if (pipe_) return pipe_->Stat();
    linux::Stat st{};
    st.dev = kPipefsDevice;
    st.mode = linux::kSIfdir | 0500;
    st.nlink = 2;
    return st;
  }
  Result<vfs::FileRef> Open(uint32_t flags) override {
    if (!pipe_) return Errno(ENXIO);
    const uint32_t acc = flags & linux::kOAccmode;
    if (acc != linux::kORdonly && acc != linux::kOWronly && acc != linux::kORdwr) {
      return Errno(EINVAL);
    }
    const bool reader = acc != linux::kOWronly, writer = acc != linux::kORdonly;
    ASSIGN_OR_RETURN(std::optional<uint64_t> peer, pipe_->AddEnds(reader, writer, false, false));
    return vfs::FileRef(std::make_shared<PipeFile>(pipe_, flags, peer));
  }
  vfs::Filesystem& filesystem() override { return *PipeFilesystem(); }

 private:
  const std::shared_ptr<Pipe> pipe_;
};

// The pipefs mount, made once and never freed (inodes refer to its filesystem).
const std::shared_ptr<vfs::Mount>& PipeMount() {
  static const auto* mount = new std::shared_ptr<vfs::Mount>(std::make_shared<vfs::Mount>(
      PipeFilesystem(), std::make_shared<vfs::Dentry>(std::make_shared<PipeInode>(nullptr)),
      false, 0));
  return *mount;
}

}  // namespace

std::shared_ptr<vfs::Filesystem> PipeFilesystem() {
  static const auto* fs = new std::shared_ptr<vfs::Filesystem>(std::make_shared<PipeFs>());
  return *fs;
}

std::pair<vfs::FileRef, vfs::FileRef> OpenPipe(const std::shared_ptr<Pipe>& pipe,
                                               uint32_t read_flags, uint32_t write_flags) {
  const uint32_t keep = ~static_cast<uint32_t>(linux::kOAccmode);
  (void)pipe->AddEnds(/*reader=*/true, /*writer=*/true, false, false);
  auto reader =
      std::make_shared<PipeFile>(pipe, (read_flags & keep) | linux::kORdonly, std::nullopt);
  auto writer =
      std::make_shared<PipeFile>(pipe, (write_flags & keep) | linux::kOWronly, std::nullopt);
  const vfs::VirtualDentry place = vfs::Vfs::Anonymous(
      PipeMount(), std::make_shared<PipeInode>(pipe), "pipe:[" + std::to_string(pipe->ino()) + "]");
  reader->set_location(place);
  writer->set_location(place);
  return {std::move(reader), std::move(writer)};
}

Result<vfs::FileRef> OpenFifo(const std::shared_ptr<Pipe>& pipe, uint32_t flags) {
  const uint32_t acc = flags & linux::kOAccmode;
  if (acc != linux::kORdonly && acc != linux::kOWronly && acc != linux::kORdwr) {
    return Errno(EINVAL);
  }
  const bool nonblock = (flags & linux::kONonblock) != 0;
  const bool reader = acc != linux::kOWronly, writer = acc != linux::kORdonly;
  // A non-blocking reader doesn't wait; a non-blocking writer fails without a
  // reader; everyone else waits for the other side.
  ASSIGN_OR_RETURN(std::optional<uint64_t> peer_opens,
                   pipe->AddEnds(reader, writer, /*wait_without_peer=*/!nonblock,
                                 /*enxio_without_reader=*/nonblock));
  return vfs::FileRef(std::make_shared<PipeFile>(pipe, flags, peer_opens));
}

}  // namespace kekkai::fs::pipe

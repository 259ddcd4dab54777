// Pipe and PipeFile: the buffer behind pipe(2) and FIFOs (fifo(7)), and the open
// file description of one of its ends. Reads and writes never block here: they
// answer EAGAIN and the syscall layer waits on the pipe's queue, as for every
// file. Knows no Task.
#ifndef KEKKAI_FS_PIPE_PIPE_H_
#define KEKKAI_FS_PIPE_PIPE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "abi/linux/types.h"
#include "base/result.h"
#include "fs/vfs/file_description.h"
#include "fs/vfs/inode.h"
#include "fs/vfs/lock.h"
#include "sentry/waiter/waiter.h"

namespace kekkai::fs::pipe {

// Writes of at most this many bytes are atomic (PIPE_BUF).
inline constexpr size_t kPipeBuf = 4096;
// A new pipe's capacity.
inline constexpr size_t kDefaultCapacity = 65536;
// The largest capacity F_SETPIPE_SZ grants without CAP_SYS_RESOURCE
// (/proc/sys/fs/pipe-max-size).
inline constexpr size_t kMaxUnprivilegedCapacity = 1 << 20;
// The largest capacity F_SETPIPE_SZ takes at all.
inline constexpr size_t kMaxCapacity = size_t{1} << 31;

class Pipe {
 public:
  // `fifo`: a FIFO's pipe (named, opened through open(2)) rather than pipe(2)'s.
  // `uid`/`gid` own an anonymous pipe (fstat); a FIFO's attributes are its inode's.
  Pipe(bool fifo, uint32_t uid, uint32_t gid);
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  // Copies queued bytes into `dst` and drops them. 0 at end of file (empty, no
  // writer); EAGAIN when empty with a writer; EFAULT when nothing could be copied.
  // A slot written as a packet (pipe(7)'s packet mode) ends the read, and what of
  // it didn't fit in `dst` is dropped.
  Result<size_t> Read(sentry::usermem::IoSequence& dst);
  // Queues bytes from `src` as Linux's pipe_write does: the data sits in page-sized
  // slots (capacity / 4096 of them); the write's last len % 4096 bytes go first
  // into the room left in the newest slot if they fit there, then whole pages fill
  // free slots. So a write of at most kPipeBuf bytes is atomic, and EAGAIN means
  // nothing could be written. EPIPE when no reader is left (the caller raises
  // SIGPIPE). `packet` (a writer with O_DIRECT): every page written is a packet
  // of its own, never merged with other data.
  Result<size_t> Write(sentry::usermem::IoSequence& src, bool packet = false);
  // Returns the bytes queued (FIONREAD).
  size_t queued() const;
  size_t capacity() const;
  // F_SETPIPE_SZ: rounds `size` up to a power of two of at least a page and makes
  // it the capacity. EBUSY if more slots are in use; EINVAL past kMaxCapacity.
  // The caller checks kMaxUnprivilegedCapacity. Returns the new capacity.
  Result<size_t> SetCapacity(uint64_t size);
  // Returns the subset of `mask` ready for an end that reads (`reader`) and/or
  // writes (`writer`).
  uint32_t Readiness(bool reader, bool writer, uint32_t mask) const;

  // Counts an opened end, or both (and wakes openers waiting for one, fifo(7)).
  // For a FIFO opened for one side alone, as one step: ENXIO, counting nothing,
  // for a writer that finds no reader when `enxio_without_reader`; and with
  // `wait_without_peer`, an end that finds no peer gets the peer's open count to
  // wait on (else nullopt).
  Result<std::optional<uint64_t>> AddEnds(bool reader, bool writer, bool wait_without_peer,
                                          bool enxio_without_reader);
  // Uncounts a closed end; the last writer gone wakes readers (end of file), the
  // last reader wakes writers (EPIPE).
  void RemoveEnds(bool reader, bool writer);
  int readers() const;
  int writers() const;
  // How many readers / writers ever opened (Linux's r_counter, w_counter): a FIFO
  // open waits until the other one moves.
  uint64_t reader_opens() const;
  uint64_t writer_opens() const;

  bool fifo() const { return fifo_; }
  uint64_t ino() const { return ino_; }
  // fstat(2) of an anonymous pipe.
  abi::linux::Stat Stat() const;
  // The advisory locks of an anonymous pipe (made on first use when `create`).
  std::shared_ptr<vfs::FileLocks> locks(bool create);
  sentry::waiter::Queue& queue() { return queue_; }

 private:
  // One page of queued data: bytes [offset, offset + len) of `page`.
  struct Slot {
    std::unique_ptr<std::byte[]> page;
    size_t offset = 0;
    size_t len = 0;
    bool packet = false;  // Written in packet mode: later writes don't merge into it.
  };
  size_t max_slots() const { return capacity_ / kPipeBuf; }

  const bool fifo_;
  const uint64_t ino_;
  const uint32_t uid_, gid_;
  const abi::linux::Timespec created_;

  // A leaf lock, held while copying to and from guest memory (pipes are never
  // mapped, so no fault path takes it); queue_ is notified after it is dropped.
  mutable std::mutex mu_;
  std::deque<Slot> slots_;  // Oldest first; at most max_slots().
  size_t size_ = 0;         // Bytes queued.
  size_t capacity_ = kDefaultCapacity;
  int readers_ = 0, writers_ = 0;
  uint64_t reader_opens_ = 0, writer_opens_ = 0;
  std::shared_ptr<vfs::FileLocks> locks_;

  sentry::waiter::Queue queue_;
};

// One open end (or both, for a FIFO opened O_RDWR) of a pipe.
class PipeFile final : public vfs::FileDescription {
 public:
  // Opens the ends `flags`' access mode names (counted on `pipe` by AddEnds
  // already). `peer_opens`: a blocking FIFO open, complete once the other side's
  // open count moves past it.
  PipeFile(std::shared_ptr<Pipe> pipe, uint32_t flags, std::optional<uint64_t> peer_opens);
  ~PipeFile() override;

  Result<size_t> Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) override;
  Result<size_t> Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) override;
  // FIONREAD.
  Result<uint64_t> Ioctl(sentry::usermem::GuestMemory& mem, uint32_t cmd, uint64_t arg) override;
  // An anonymous pipe's own attributes; a FIFO's are its inode's.
  Result<abi::linux::Stat> Stat() override;
  uint32_t Readiness(uint32_t mask) override;
  void EventRegister(sentry::waiter::Entry* e) override;
  void EventUnregister(sentry::waiter::Entry* e) override;
  std::string Name() const override;
  std::shared_ptr<vfs::FileLocks> LockState(bool create) override;
  bool OpenPending() override;

  Pipe& pipe() const { return *pipe_; }

 private:
  const std::shared_ptr<Pipe> pipe_;
  const bool reader_, writer_;
  // For a blocking FIFO open: the other side's open count when it began.
  std::optional<uint64_t> peer_opens_;
};

// pipefs: the filesystem anonymous pipes (and the caller's stdio, fs/host) have
// their places on, outside the tree, as Linux's internal pipefs mount.
std::shared_ptr<vfs::Filesystem> PipeFilesystem();

// Opens both ends of an anonymous pipe (pipe(2)): a reader with `read_flags`
// and a writer with `write_flags` (status flags; the access modes are set here).
// Both get a place on pipefs whose inode opens the pipe anew, so
// /proc/PID/fd/N of either end opens a new description of it, as Linux.
std::pair<vfs::FileRef, vfs::FileRef> OpenPipe(const std::shared_ptr<Pipe>& pipe,
                                               uint32_t read_flags, uint32_t write_flags);

// Opens a FIFO's pipe with open(2) `flags` as fifo(7) says: O_RDWR at once;
// O_RDONLY at once, then (unless O_NONBLOCK) pending until a writer opens;
// O_WRONLY pending until a reader opens, or ENXIO with O_NONBLOCK and no reader.
// EINVAL for access mode 3.
Result<vfs::FileRef> OpenFifo(const std::shared_ptr<Pipe>& pipe, uint32_t flags);

}  // namespace kekkai::fs::pipe

#endif  // KEKKAI_FS_PIPE_PIPE_H_

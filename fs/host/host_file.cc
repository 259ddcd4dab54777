#include "fs/host/host_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "abi/linux/types.h"
#include "base/logging.h"
#include "gofer/host_stat.h"

namespace kekkai::fs::host {

using namespace abi::linux;

namespace {

// Bounds one host read or write (a guest count can be anything).
constexpr size_t kMaxChunk = 1 << 20;

}  // namespace

Result<vfs::FileRef> HostFile::Create(sentry::kernel::Reactor& reactor, int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return LastErrno();
  const int host_flags = fcntl(fd, F_GETFL);
  if (host_flags < 0) return LastErrno();
  const uint32_t flags = static_cast<uint32_t>(host_flags) & ~uint32_t(O_NONBLOCK);
  const bool stream = S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode);
  FileDescriptor own;
  bool pollable = false;
  if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
    // A new open file description of the same pipe or terminal, ours alone.
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    int acc = host_flags & O_ACCMODE;
    own.reset(open(path.c_str(), acc | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    pollable = own.valid();
  }
  if (!own.valid()) {
    ASSIGN_OR_RETURN(own, Dup(fd));
    // Sockets take MSG_DONTWAIT per call instead.
    pollable = S_ISSOCK(st.st_mode);
  }
  // The name /proc/PID/fd shows: the host's own for a pipe or socket
  // ("pipe:[ino]") and a terminal ("/dev/pts/N"); any other file's host path
  // stays outside, as gVisor's "host:[ino]".
  char link[64];
  std::string name;
  std::string proc = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = readlink(proc.c_str(), link, sizeof(link) - 1);
  if (n > 0) name.assign(link, static_cast<size_t>(n));
  if (!name.starts_with("pipe:[") && !name.starts_with("socket:[") &&
      !(S_ISCHR(st.st_mode) && name.starts_with("/dev/"))) {
    name = "host:[" + std::to_string(st.st_ino) + "]";
  }
  return vfs::FileRef(new HostFile(reactor, std::move(own), flags, pollable && stream,
                                   S_ISSOCK(st.st_mode), S_ISREG(st.st_mode) || S_ISBLK(st.st_mode),
                                   std::move(name)));
}

HostFile::HostFile(sentry::kernel::Reactor& reactor, FileDescriptor fd, uint32_t flags,
                   bool pollable, bool socket, bool seekable, std::string name)
    : FileDescription(flags),
      reactor_(reactor),
      fd_(std::move(fd)),
      pollable_(pollable),
      socket_(socket),
      seekable_(seekable),
      name_(std::move(name)) {}

HostFile::~HostFile() {
  if (pollable_) reactor_.Unwatch(fd_.get());
}

Result<size_t> HostFile::Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) {
  if (!readable()) return Errno(EBADF);
  const size_t asked = std::min<uint64_t>(dst.remaining(), kMaxChunk);
  if (asked == 0) return size_t{0};
  // Take from the host only what the guest buffer can hold: pipes and terminals
  // can't give bytes back.
  const size_t want = dst.WritablePrefix(asked);
  if (want == 0) return Errno(EFAULT);
  std::vector<std::byte> buf(want);
  ssize_t n;
  if (offset) {
    if (!seekable_) return Errno(ESPIPE);
    n = pread(fd_.get(), buf.data(), want, static_cast<off_t>(*offset));
  } else if (socket_) {
    n = recv(fd_.get(), buf.data(), want, MSG_DONTWAIT);
  } else {
    n = read(fd_.get(), buf.data(), want);
  }
  if (n < 0) return LastErrno();  // EAGAIN: the caller waits for kEventIn.
  return dst.CopyOut(std::span(buf.data(), static_cast<size_t>(n)));
}

Result<size_t> HostFile::Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) {
  if (!writable()) return Errno(EBADF);
  const size_t want = std::min<uint64_t>(src.remaining(), kMaxChunk);
  if (want == 0) return size_t{0};
  std::vector<std::byte> buf(want);
  // Copy in from the guest only what the host takes, so a short write leaves the
  // rest in the sequence for the next attempt.
  sentry::usermem::IoSequence probe = src;
  ASSIGN_OR_RETURN(size_t got, probe.CopyIn(buf));
  ssize_t n;
  if (offset) {
    if (!seekable_) return Errno(ESPIPE);
    n = pwrite(fd_.get(), buf.data(), got, static_cast<off_t>(*offset));
  } else if (socket_) {
    n = send(fd_.get(), buf.data(), got, MSG_DONTWAIT | MSG_NOSIGNAL);
  } else {
    n = write(fd_.get(), buf.data(), got);
  }
  if (n < 0) return LastErrno();
  src.Advance(static_cast<uint64_t>(n));
  return static_cast<size_t>(n);
}

Result<uint64_t> HostFile::Seek(int64_t offset, int whence) {
  if (!seekable_) return Errno(ESPIPE);
  if (whence < kSeekSet || whence > kSeekHole) return Errno(EINVAL);
  off_t r = lseek(fd_.get(), offset, whence);
  if (r < 0) return LastErrno();
  return static_cast<uint64_t>(r);
}

Result<uint64_t> HostFile::Ioctl(sentry::usermem::GuestMemory& mem, uint32_t cmd, uint64_t arg) {
  switch (cmd) {
    case kTcgets: {
      KernelTermios t{};
      if (ioctl(fd_.get(), TCGETS, &t) != 0) return LastErrno();
      RETURN_IF_ERROR(mem.CopyOutObj(GuestAddr(arg), t));
      return uint64_t{0};
    }
    case kTiocgwinsz: {
      Winsize w{};
      if (ioctl(fd_.get(), TIOCGWINSZ, &w) != 0) return LastErrno();
      RETURN_IF_ERROR(mem.CopyOutObj(GuestAddr(arg), w));
      return uint64_t{0};
    }
    default:
      return Errno(ENOTTY);
  }
}

Result<abi::linux::Stat> HostFile::Stat() {
  ASSIGN_OR_RETURN(abi::linux::Stat s, gofer::StatFd(fd_.get()));
  // Inside the sandbox everything the caller owns appears owned by root.
  s.uid = 0;
  s.gid = 0;
  return s;
}

uint32_t HostFile::Readiness(uint32_t mask) {
  if (!pollable_) return mask & (sentry::waiter::kEventIn | sentry::waiter::kEventOut);
  pollfd p{fd_.get(), static_cast<short>(mask & 0xffff), 0};
  if (poll(&p, 1, 0) <= 0) return 0;
  uint32_t r = static_cast<uint32_t>(p.revents);
  if (r & (POLLHUP | POLLERR)) r |= sentry::waiter::kEventIn;
  return r & (mask | sentry::waiter::kEventErr | sentry::waiter::kEventHup);
}

void HostFile::EventRegister(sentry::waiter::Entry* e) {
  queue_.EventRegister(e);
  if (!pollable_) {
    // Always ready: a regular file, or a host fd epoll can't watch.
    queue_.Notify(e->mask);
    return;
  }
  if (!reactor_.WatchOnce(fd_.get(), queue_.Events(), &queue_).ok()) queue_.Notify(e->mask);
}

void HostFile::EventUnregister(sentry::waiter::Entry* e) { queue_.EventUnregister(e); }

}  // namespace kekkai::fs::host

// HostFile: a guest file backed by a host fd the sandbox was given — the caller's
// stdin, stdout and stderr. Pipes and terminals are reopened through
// /proc/self/fd as a new, non-blocking open file description, so waiting for them
// goes through the reactor and the caller's own description (shared with its
// shell) is never switched to O_NONBLOCK.
#ifndef KEKKAI_FS_HOST_HOST_FILE_H_
#define KEKKAI_FS_HOST_HOST_FILE_H_

#include <string>

#include "base/file_descriptor.h"
#include "fs/vfs/file_description.h"
#include "sentry/kernel/reactor.h"
#include "sentry/waiter/waiter.h"

namespace kekkai::fs::host {

class HostFile final : public vfs::FileDescription {
 public:
  // Wraps host `fd` (borrowed; duplicated or reopened). `reactor` must outlive the file.
  static Result<vfs::FileRef> Create(sentry::kernel::Reactor& reactor, int fd);
  ~HostFile() override;

  Result<size_t> Read(sentry::usermem::IoSequence& dst, std::optional<uint64_t> offset) override;
  Result<size_t> Write(sentry::usermem::IoSequence& src, std::optional<uint64_t> offset) override;
  Result<uint64_t> Seek(int64_t offset, int whence) override;
  Result<uint64_t> Ioctl(sentry::usermem::GuestMemory& mem, uint32_t cmd, uint64_t arg) override;
  Result<abi::linux::Stat> Stat() override;
  uint32_t Readiness(uint32_t mask) override;
  void EventRegister(sentry::waiter::Entry* e) override;
  void EventUnregister(sentry::waiter::Entry* e) override;
  std::string Name() const override { return name_; }

 private:
  HostFile(sentry::kernel::Reactor& reactor, FileDescriptor fd, uint32_t flags, bool pollable,
           bool socket, bool seekable, std::string name);

  sentry::kernel::Reactor& reactor_;
  FileDescriptor fd_;
  // Whether the fd is non-blocking and epoll can watch it (pipes, ttys, sockets).
  const bool pollable_;
  // Sockets keep the caller's blocking mode and take MSG_DONTWAIT per call.
  const bool socket_;
  const bool seekable_;
  const std::string name_;
  sentry::waiter::Queue queue_;
};

}  // namespace kekkai::fs::host

#endif  // KEKKAI_FS_HOST_HOST_FILE_H_

// StubFactory: the long-lived host thread that creates ptrace stub processes, one
// per guest address space.
//
// A stub is a raw clone of the factory thread (no fork: no atfork handlers, no
// glibc locks) that starts clean: PR_SET_PDEATHSIG, a new session, only the
// MemoryFile fd, default signal dispositions, no rseq or CLEARTID pointer, and an
// address space holding nothing but the stub region (stub_layout.h) once the stub
// blob has installed its seccomp filter and unmapped the rest. It then stops
// itself with SIGSTOP, waiting to be seized by the host thread that first runs a
// guest in it.
//
// PR_SET_PDEATHSIG follows the parent *thread*, so stubs must come from this one
// dedicated thread, which lives as long as any address space of the platform.
#ifndef KEKKAI_PLATFORM_PTRACE_STUB_FACTORY_H_
#define KEKKAI_PLATFORM_PTRACE_STUB_FACTORY_H_

#include <linux/filter.h>
#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/file_descriptor.h"
#include "base/result.h"

namespace kekkai::platform::ptrace {

class StubFactory {
 public:
  // Starts the factory thread. `memfd` (borrowed) is duplicated; the duplicate is
  // the one fd every stub keeps, under the same number.
  static Result<std::unique_ptr<StubFactory>> Start(int memfd);

  // Stops and joins the factory thread. Stubs still alive get SIGKILL from
  // PR_SET_PDEATHSIG; destroy their address spaces first so they are reaped.
  ~StubFactory();

  StubFactory(const StubFactory&) = delete;
  StubFactory& operator=(const StubFactory&) = delete;

  // Creates a stub whose data area maps `data_fd` (borrowed, a memfd of at least
  // kStubDataSize bytes) and returns its pid once it has stopped itself. The stub
  // is a child of the factory thread: the caller must eventually SIGKILL it and
  // waitpid(pid, __WALL) it (any thread of this process may). Thread-safe.
  Result<pid_t> CreateStub(int data_fd);

  // Returns the MemoryFile's fd number in the sentry and in every stub.
  int memfd() const { return memfd_.get(); }

 private:
  struct Request {
    int data_fd;
    std::optional<Result<pid_t>> result;
  };

  StubFactory(FileDescriptor memfd);
  void Run();
  Result<pid_t> Spawn(int data_fd);

  FileDescriptor memfd_;
  const std::vector<sock_filter> filter_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request*> queue_;  // guarded by mu_
  bool stop_ = false;           // guarded by mu_
  std::thread thread_;
};

}  // namespace kekkai::platform::ptrace

#endif  // KEKKAI_PLATFORM_PTRACE_STUB_FACTORY_H_

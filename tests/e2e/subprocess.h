// Subprocess: runs a program with its stdin, stdout and stderr on pipes, feeds and
// collects them, and reaps it within a deadline (killing it when the deadline
// passes) — the spawn helper of the end-to-end tests.
#ifndef KEKKAI_TESTS_E2E_SUBPROCESS_H_
#define KEKKAI_TESTS_E2E_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_descriptor.h"

namespace kekkai::tests::e2e {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct SpawnOptions {
  // argv[0] is the program; it is not looked up on PATH.
  std::vector<std::string> argv;
  // The child's whole environment (nothing is inherited).
  std::vector<std::string> env;
  // The child's working directory; empty keeps the caller's.
  std::string cwd;
  // Bytes written to the child's stdin; then stdin is closed unless
  // `keep_stdin_open`.
  std::string stdin_data;
  bool keep_stdin_open = false;
  // Borrowed fds to give the child as its stdin / stdout instead of pipes (a
  // tty, or a pipe the test inspects); then stdin_data / out() are unused.
  int stdin_fd = -1;
  int stdout_fd = -1;
};

// What a finished child did.
struct Outcome {
  int wait_status = 0;      // as from waitpid(2); meaningful unless timed_out
  bool timed_out = false;   // the deadline passed and the child was killed
  std::string spawn_error;  // non-empty: the child never started
  std::string out;
  std::string err;

  bool Exited(int code) const;
  bool Signaled(int sig) const;
  // Returns "exit 7", "signal 11 (Segmentation fault)", "timed out" or why it
  // never started.
  std::string Status() const;
  // Returns the status and both outputs, for failure messages.
  std::string Describe() const;
};

class Subprocess {
 public:
  // Starts the child in its own process group, with default signal dispositions
  // and an empty signal mask. On failure returns a Subprocess with pid() == -1
  // and the reason in error().
  static Subprocess Start(const SpawnOptions& options);

  Subprocess(Subprocess&& o) noexcept;
  Subprocess& operator=(Subprocess&&) = delete;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  // Kills (SIGKILL to the process group) and reaps a child not yet finished.
  ~Subprocess();

  pid_t pid() const { return pid_; }
  const std::string& error() const { return error_; }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

  // Pumps I/O until stdout contains `needle`, the child exits, or `timeout`
  // passes; returns whether `needle` was seen.
  bool WaitForStdout(std::string_view needle, milliseconds timeout);
  // Pumps I/O until the child exits (then drains its outputs briefly) or
  // `timeout` passes (then kills its process group); reaps it.
  Outcome Finish(milliseconds timeout);

 private:
  Subprocess() = default;
  // Moves data between the pipes and the buffers until `done()` or the deadline;
  // returns true if `done()` became true. Notices the child's exit.
  template <typename Done>
  bool Pump(Clock::time_point deadline, Done done);
  void Reap(int options);

  pid_t pid_ = -1;
  std::string error_;
  FileDescriptor pidfd_;
  FileDescriptor stdin_;
  FileDescriptor stdout_;
  FileDescriptor stderr_;
  std::string stdin_data_;
  size_t stdin_written_ = 0;
  bool keep_stdin_open_ = false;
  bool exited_ = false;
  int wait_status_ = 0;
  std::string out_;
  std::string err_;
};

// Runs a child to completion (Start + Finish).
Outcome Run(const SpawnOptions& options, milliseconds timeout);

}  // namespace kekkai::tests::e2e

#endif  // KEKKAI_TESTS_E2E_SUBPROCESS_H_

#include "tests/e2e/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace kekkai::tests::e2e {
namespace {

// Caps what is kept of each output so a runaway child can't exhaust memory.
constexpr size_t kMaxCapture = 64 << 20;
// How long to keep reading after the child exited (its descendants may still
// hold the pipes; the leftover-process checks report those).
constexpr milliseconds kDrainAfterExit{2000};

std::string Errno(const char* what, int err) { return std::string(what) + ": " + strerror(err); }

std::string Truncated(const std::string& s) {
  constexpr size_t kShow = 4000;
  if (s.size() <= kShow) return s;
  return s.substr(0, kShow) + "\n... (" + std::to_string(s.size() - kShow) + " more bytes)";
}

int MillisUntil(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1000));
}

}  // namespace

bool Outcome::Exited(int code) const {
  return spawn_error.empty() && !timed_out && WIFEXITED(wait_status) &&
         WEXITSTATUS(wait_status) == code;
}

bool Outcome::Signaled(int sig) const {
  return spawn_error.empty() && !timed_out && WIFSIGNALED(wait_status) &&
         WTERMSIG(wait_status) == sig;
}

std::string Outcome::Status() const {
  if (!spawn_error.empty()) return "could not start: " + spawn_error;
  if (timed_out) return "timed out";
  if (WIFEXITED(wait_status)) return "exit " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    return "signal " + std::to_string(WTERMSIG(wait_status)) + " (" +
           strsignal(WTERMSIG(wait_status)) + ")";
  }
  return "wait status " + std::to_string(wait_status);
}

std::string Outcome::Describe() const {
  return "status: " + Status() + "\n--- stdout ---\n" + Truncated(out) + "\n--- stderr ---\n" +
         Truncated(err) + "\n--------------";
}

Subprocess::Subprocess(Subprocess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      error_(std::move(o.error_)),
      pidfd_(std::move(o.pidfd_)),
      stdin_(std::move(o.stdin_)),
      stdout_(std::move(o.stdout_)),
      stderr_(std::move(o.stderr_)),
      stdin_data_(std::move(o.stdin_data_)),
      stdin_written_(o.stdin_written_),
      keep_stdin_open_(o.keep_stdin_open_),
      exited_(o.exited_),
      wait_status_(o.wait_status_),
      out_(std::move(o.out_)),
      err_(std::move(o.err_)) {}

Subprocess Subprocess::Start(const SpawnOptions& options) {
  Subprocess p;
  if (options.argv.empty()) {
    p.error_ = "no argv";
    return p;
  }
  // Pipes are close-on-exec; dup2 onto 0/1/2 clears the flag for the child's ends.
  int in[2], out[2], err[2];
  FileDescriptor in_r, out_w;
  if (options.stdin_fd < 0) {
    if (pipe2(in, O_CLOEXEC) != 0) {
      p.error_ = Errno("pipe2", errno);
      return p;
    }
    in_r.reset(in[0]);
    p.stdin_.reset(in[1]);
  }
  if (options.stdout_fd < 0) {
    if (pipe2(out, O_CLOEXEC) != 0) {
      p.error_ = Errno("pipe2", errno);
      return p;
    }
    p.stdout_.reset(out[0]);
    out_w.reset(out[1]);
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    p.error_ = Errno("pipe2", errno);
    return p;
  }
  p.stderr_.reset(err[0]);
  FileDescriptor err_w(err[1]);

  std::vector<char*> argv, envp;
  for (const std::string& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const std::string& e : options.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_r.valid() ? in_r.get() : options.stdin_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.valid() ? out_w.get() : options.stdout_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.get(), 2);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());

  // The test process ignores SIGPIPE and may run with signals blocked or
  // ignored by whoever started it: give the child a clean slate, as a shell would.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);

  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    p.error_ = Errno(("posix_spawn " + options.argv[0]).c_str(), rc);
    return p;
  }
  p.pid_ = pid;
  const long pidfd = syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    p.error_ = Errno("pidfd_open", errno);
  } else {
    p.pidfd_.reset(static_cast<int>(pidfd));
  }
  // Only our own ends: a borrowed fd's flags are the test's business.
  for (const FileDescriptor* fd : {&p.stdin_, &p.stdout_, &p.stderr_}) {
    if (fd->valid()) fcntl(fd->get(), F_SETFL, fcntl(fd->get(), F_GETFL) | O_NONBLOCK);
  }
  p.stdin_data_ = options.stdin_data;
  p.keep_stdin_open_ = options.keep_stdin_open;
  if (p.stdin_data_.empty() && !p.keep_stdin_open_) p.stdin_.reset();
  return p;
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !exited_) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    Reap(0);
  }
}

void Subprocess::Reap(int options) {
  if (exited_ || pid_ <= 0) return;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, options);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    exited_ = true;
    wait_status_ = status;
  }
}

template <typename Done>
bool Subprocess::Pump(Clock::time_point deadline, Done done) {
  char buf[65536];
  for (;;) {
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    pollfd fds[4];
    int n = 0;
    int out_i = -1, err_i = -1, in_i = -1, pid_i = -1;
    if (stdout_.valid()) fds[out_i = n++] = {stdout_.get(), POLLIN, 0};
    if (stderr_.valid()) fds[err_i = n++] = {stderr_.get(), POLLIN, 0};
    if (stdin_.valid() && stdin_written_ < stdin_data_.size()) {
      fds[in_i = n++] = {stdin_.get(), POLLOUT, 0};
    }
    if (!exited_ && pidfd_.valid()) fds[pid_i = n++] = {pidfd_.get(), POLLIN, 0};
    // Without a pidfd, poll in short steps and check for the exit by hand.
    const int wait_ms =
        pidfd_.valid() ? MillisUntil(deadline) : std::min(20, MillisUntil(deadline));
    if (n == 0) {
      if (exited_) return done();
      usleep(static_cast<useconds_t>(wait_ms) * 1000);
      Reap(WNOHANG);
      continue;
    }
    const int r = poll(fds, static_cast<nfds_t>(n), wait_ms);
    if (r < 0 && errno != EINTR) return false;
    if (!pidfd_.valid()) Reap(WNOHANG);
    if (r <= 0) continue;
    auto drain = [&](int i, FileDescriptor& fd, std::string& sink) {
      if (i < 0 || fds[i].revents == 0) return;
      const ssize_t got = read(fd.get(), buf, sizeof(buf));
      if (got > 0) {
        if (sink.size() < kMaxCapture) sink.append(buf, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        fd.reset();
      }
    };
    drain(out_i, stdout_, out_);
    drain(err_i, stderr_, err_);
    if (in_i >= 0 && fds[in_i].revents != 0) {
      const ssize_t put = write(stdin_.get(), stdin_data_.data() + stdin_written_,
                                stdin_data_.size() - stdin_written_);
      if (put > 0) {
        stdin_written_ += static_cast<size_t>(put);
        if (stdin_written_ == stdin_data_.size() && !keep_stdin_open_) stdin_.reset();
      } else if (put < 0 && errno != EAGAIN && errno != EINTR) {
        stdin_.reset();  // EPIPE: the child closed its stdin.
      }
    }
    if (pid_i >= 0 && fds[pid_i].revents != 0) Reap(0);
  }
}

bool Subprocess::WaitForStdout(std::string_view needle, milliseconds timeout) {
  if (pid_ <= 0) return false;
  Pump(Clock::now() + timeout, [&] { return out_.find(needle) != std::string::npos || exited_; });
  return out_.find(needle) != std::string::npos;
}

Outcome Subprocess::Finish(milliseconds timeout) {
  Outcome o;
  if (pid_ <= 0) {
    o.spawn_error = error_.empty() ? "not started" : error_;
    return o;
  }
  if (!Pump(Clock::now() + timeout, [&] { return exited_; })) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    Reap(0);
    o.timed_out = true;
  }
  stdin_.reset();
  Pump(Clock::now() + kDrainAfterExit, [&] { return !stdout_.valid() && !stderr_.valid(); });
  stdout_.reset();
  stderr_.reset();
  o.wait_status = wait_status_;
  o.out = std::move(out_);
  o.err = std::move(err_);
  return o;
}

Outcome Run(const SpawnOptions& options, milliseconds timeout) {
  return Subprocess::Start(options).Finish(timeout);
}

}  // namespace kekkai::tests::e2e

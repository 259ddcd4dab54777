#include "runtime/run.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include "base/logging.h"
#include "runtime/boot/sandbox.h"

namespace kekkai::runtime {

namespace {

// Raises RLIMIT_NOFILE to fs.nr_open (root may), else to the hard limit.
void RaiseFdLimit() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  rlim_t want = rl.rlim_max;
  if (FILE* f = fopen("/proc/sys/fs/nr_open", "re")) {
    unsigned long nr = 0;
    if (fscanf(f, "%lu", &nr) == 1 && nr > want) want = nr;
    fclose(f);
  }
  struct rlimit raised = {want, want};
  if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  }
}

constexpr char kDefaultPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Signals kekkai forwards to the guest.
constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

void Fail(const std::string& msg) { fprintf(stderr, "kekkai: %s\n", msg.c_str()); }

// Returns Docker's clean environment plus the caller's -e flags.
std::vector<std::string> BuildEnv(const RunOptions& o, const std::string& hostname) {
  std::vector<std::pair<std::string, std::string>> env = {
      {"PATH", kDefaultPath}, {"HOSTNAME", hostname}};
  const char* term = getenv("TERM");
  env.emplace_back("TERM", term != nullptr && *term != '\0' ? term : "xterm");
  env.emplace_back("HOME", "/root");
  for (const std::string& kv : o.env) {
    const size_t eq = kv.find('=');
    std::string k = kv.substr(0, eq), v;
    if (eq != std::string::npos) {
      v = kv.substr(eq + 1);
    } else {
      const char* host = getenv(k.c_str());
      if (host == nullptr) continue;  // As docker: -e K with K unset is dropped.
      v = host;
    }
    bool replaced = false;
    for (auto& [ek, ev] : env) {
      if (ek == k) {
        ev = v;
        replaced = true;
      }
    }
    if (!replaced) env.emplace_back(k, v);
  }
  std::vector<std::string> out;
  for (auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// Keeps the caller's terminal settings and puts them back on every exit path.
class TerminalGuard {
 public:
  TerminalGuard() {
    if (tcgetattr(STDIN_FILENO, &saved_) == 0) have_ = true;
  }
  ~TerminalGuard() {
    if (have_) tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_);
  }

 private:
  termios saved_{};
  bool have_ = false;
};

}  // namespace

int RunCommand(const RunOptions& opts) {
  SetMinLogSeverity(opts.debug ? LogSeverity::kDebug : LogSeverity::kWarning);
  const std::string hostname = "kekkai";
  std::vector<std::string> env = BuildEnv(opts, hostname);

  char buf[4096];
  if (getcwd(buf, sizeof(buf)) == nullptr) {
    Fail(std::string("can't read the current directory: ") + strerror(errno));
    return kExitInternalError;
  }
  const std::string caller_cwd = buf;
  // The caller's directory by default; with --rootfs, "/" (the caller's path means
  // nothing there), as docker run.
  const std::string cwd = !opts.cwd.empty() ? opts.cwd : opts.rootfs.empty() ? caller_cwd : "/";

  // The sentry holds a host fd per cached host file name and per open guest file:
  // take as many fds as the host allows (the gofer raises its own limit too).
  RaiseFdLimit();

  // The host directories the sandbox is given must be there before anything starts.
  const auto is_dir = [](const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  };
  if (!opts.rootfs.empty() && !is_dir(opts.rootfs)) {
    Fail("--rootfs " + opts.rootfs + ": no such directory");
    return kExitInternalError;
  }
  for (const auto& v : opts.volumes) {
    if (!is_dir(v.host)) {
      Fail("--volume " + v.host + ": no such directory");
      return kExitInternalError;
    }
  }

  std::string platform = opts.platform;
  if (platform == "auto") {
    // ptrace is the only platform so far, and it works wherever ptrace is allowed.
    platform = "ptrace";
    if (opts.platform_given) Fail("platform auto: using " + platform);
  }

  // Block the forwarded signals before any sentry thread exists, so every thread
  // inherits the mask and one thread receives them with sigwait. A guest writing to
  // a closed pipe gets EPIPE/SIGPIPE from the sentry, never kills kekkai.
  sigset_t fwd;
  sigemptyset(&fwd);
  for (int s : kForwarded) sigaddset(&fwd, s);
  pthread_sigmask(SIG_BLOCK, &fwd, nullptr);
  signal(SIGPIPE, SIG_IGN);

  TerminalGuard terminal;
  boot::SandboxConfig cfg;
  cfg.platform = platform;
  cfg.strace = opts.strace;
  cfg.argv = opts.argv;
  cfg.envp = env;
  cfg.cwd = cwd;
  cfg.caller_cwd = caller_cwd;
  cfg.hostname = hostname;
  cfg.rootfs = opts.rootfs;
  cfg.rootfs_writable = opts.overlay_none;
  for (const auto& v : opts.volumes) cfg.volumes.push_back({v.host, v.guest, v.read_only});
  std::string error;
  auto sandbox = boot::Sandbox::Create(std::move(cfg), &error);
  if (!sandbox.ok()) {
    const int e = sandbox.error().value();
    Fail(error.empty() ? std::string("can't create the sandbox: ") + strerror(e) : error);
    switch (e) {
      case ENOENT:
        return kExitNotFound;
      case EACCES:
      case ENOEXEC:
      case ELOOP:
      case E2BIG:
      case EISDIR:
        return kExitCannotExecute;
      default:
        return kExitInternalError;
    }
  }

  // Forward signals until the guest is gone. The thread is detached: it may still
  // sit in sigwait when kekkai exits.
  boot::Sandbox* sb = sandbox->get();
  std::thread([sb, fwd] {
    for (;;) {
      int sig = 0;
      if (sigwait(&fwd, &sig) != 0) continue;
      sb->Signal(sig);
    }
  }).detach();

  const int status = (*sandbox)->Run();
  sandbox->reset();
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return kExitInternalError;
}

}  // namespace kekkai::runtime

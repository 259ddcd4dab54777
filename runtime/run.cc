#include "runtime/run.h"

#include <fcntl.h>
#include <signal.h>
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

std::string GuestPath(const std::vector<std::string>& env) {
  for (const auto& kv : env) {
    if (kv.rfind("PATH=", 0) == 0) return kv.substr(5);
  }
  return kDefaultPath;
}

struct Resolved {
  std::string path;
  int exit_code = 0;  // Non-zero: an error was reported.
};

// Finds PROGRAM as execvp would, on the sandbox's PATH, relative to the sandbox cwd.
Resolved Resolve(const std::string& prog, const std::string& path_var, const std::string& cwd) {
  auto check = [](const std::string& p) -> int {
    struct stat st;
    if (stat(p.c_str(), &st) != 0) return errno == ENOENT || errno == ENOTDIR ? ENOENT : errno;
    if (S_ISDIR(st.st_mode)) return EISDIR;
    if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) return EACCES;
    return 0;
  };
  if (prog.find('/') != std::string::npos) {
    const std::string p = prog[0] == '/' ? prog : cwd + "/" + prog;
    const int e = check(p);
    if (e == 0) return {p, 0};
    if (e == ENOENT) {
      Fail(prog + ": no such file or directory");
      return {"", kExitNotFound};
    }
    Fail(prog + ": permission denied");
    return {"", kExitCannotExecute};
  }
  bool denied = false;
  size_t start = 0;
  while (start <= path_var.size()) {
    size_t end = path_var.find(':', start);
    if (end == std::string::npos) end = path_var.size();
    std::string dir = path_var.substr(start, end - start);
    if (dir.empty()) dir = ".";
    const std::string p = (dir[0] == '/' ? dir : cwd + "/" + dir) + "/" + prog;
    const int e = check(p);
    if (e == 0) return {p, 0};
    if (e == EACCES) denied = true;
    start = end + 1;
  }
  if (denied) {
    Fail(prog + ": permission denied");
    return {"", kExitCannotExecute};
  }
  Fail(prog + ": executable file not found in $PATH");
  return {"", kExitNotFound};
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

  std::string cwd = opts.cwd;
  if (cwd.empty()) {
    char buf[4096];
    if (getcwd(buf, sizeof(buf)) == nullptr) {
      Fail(std::string("can't read the current directory: ") + strerror(errno));
      return kExitInternalError;
    }
    cwd = buf;
  } else {
    struct stat st;
    if (stat(cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      Fail("working directory " + cwd + ": no such directory");
      return kExitInternalError;
    }
  }

  std::string platform = opts.platform;
  if (platform == "auto") {
    // ptrace is the only platform so far, and it works wherever ptrace is allowed.
    platform = "ptrace";
    if (opts.platform_given) Fail("platform auto: using " + platform);
  }

  Resolved r = Resolve(opts.argv[0], GuestPath(env), cwd);
  if (r.exit_code != 0) return r.exit_code;
  FileDescriptor program(open(r.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!program.valid()) {
    Fail(opts.argv[0] + ": " + strerror(errno));
    return errno == ENOENT ? kExitNotFound : kExitCannotExecute;
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
  cfg.program = std::move(program);
  cfg.execfn = opts.argv[0];
  cfg.argv = opts.argv;
  cfg.envp = env;
  cfg.cwd = cwd;
  cfg.hostname = hostname;
  auto sandbox = boot::Sandbox::Create(std::move(cfg));
  if (!sandbox.ok()) {
    const int e = sandbox.error().value();
    if (e == ENOEXEC) {
      Fail(opts.argv[0] + ": exec format error (only static x86-64 ELF programs run so far)");
      return kExitCannotExecute;
    }
    if (e == E2BIG) {
      Fail(opts.argv[0] + ": argument list too long");
      return kExitCannotExecute;
    }
    Fail(std::string("can't create the sandbox: ") + strerror(e));
    return kExitInternalError;
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

// End-to-end tests: real static programs (our guests in tests/guests and Debian's
// busybox-static) run natively and under `kekkai run`, and the kekkai CLI itself
// (flags, exit codes, signals, leftover processes).
//
// meson runs this program twice: e2e_native (--gtest_filter=Native*) and
// e2e_ptrace (the rest, every `kekkai run` with --platform=ptrace via
// $E2E_PLATFORM).
//
// Every guest expectation is checked natively first (suite Native*), then the
// same binary under kekkai (suite Kekkai*). The sandboxed tests need $KEKKAI (the
// kekkai binary) and fail, never skip, when it is missing; $GUESTS is the build
// folder of tests/guests. The test process is a child subreaper, so every
// process kekkai leaves behind reparents to it and each sandboxed test checks
// that none is left.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/kekkai_run.h"
#include "tests/e2e/process_tree.h"
#include "tests/e2e/subprocess.h"

namespace kekkai::tests::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Lines(int from, int to) {
  std::string s;
  for (int i = from; i <= to; i++) s += std::to_string(i) + "\n";
  return s;
}

// Whether the host can run the vsyscall page (mode xonly or emulate).
bool HostHasVsyscall() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find("[vsyscall]") != std::string::npos) {
      return line.find("--xp") != std::string::npos || line.find("r-xp") != std::string::npos;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// Guests whose behaviour is the same natively and under kekkai.

class GuestCase {
 public:
  // argv[0] "@NAME" is tests/guests' NAME; "busybox" is /bin/busybox (natively
  // by path, under kekkai looked up on the guest's PATH). By default the program
  // must print exactly `want_out` and exit 0.
  GuestCase(std::string name, std::vector<std::string> argv, std::string want_out)
      : name(std::move(name)), argv(std::move(argv)), want_out(std::move(want_out)) {}

  GuestCase Stdin(std::string data) const {
    return With([&](GuestCase& c) { c.stdin_data = data; });
  }
  GuestCase Exit(int code) const {
    return With([&](GuestCase& c) { c.want_exit = code; });
  }
  // Dies of `sig` natively; under kekkai, kekkai exits 128+sig.
  GuestCase Signal(int sig) const {
    return With([&](GuestCase& c) { c.want_signal = sig; });
  }
  GuestCase StderrHas(std::string s) const {
    return With([&](GuestCase& c) { c.want_err = s; });
  }
  // stdout must start with `want_out` followed by a positive number.
  GuestCase OutIsNumberAfterPrefix() const {
    return With([](GuestCase& c) { c.out_is_number_after_prefix = true; });
  }

  std::string name;
  std::vector<std::string> argv;
  std::string want_out;
  std::string stdin_data;
  int want_exit = 0;
  int want_signal = 0;
  std::string want_err;
  bool out_is_number_after_prefix = false;

 private:
  template <typename F>
  GuestCase With(F f) const {
    GuestCase c = *this;
    f(c);
    return c;
  }
};

// Names the case in gtest's messages (instead of a byte dump).
void PrintTo(const GuestCase& c, std::ostream* os) { *os << c.name; }

std::string BinaryData() {
  std::string s;
  for (int i = 0; i < 65536; i++) s.push_back(static_cast<char>((i * 7 + i / 256) & 0xff));
  return s;
}

std::vector<GuestCase> GuestCases() {
  using C = GuestCase;
  return {
      C("Hello", {"@hello"}, "hello, world\n"),
      C("True", {"@true"}, ""),
      C("HelloStaticPie", {"@hello_pie"}, "hello, world\n"),
      C("Enosys", {"@enosys"}, "still alive\n"),
      C("Efault", {"@efault"}, "EFAULT ok\n"),
      C("NullWriteSegv", {"@segv"}, "about to fault\n").Signal(SIGSEGV),
      C("Args", {"@args", "one", "two words", "", "ü-ñ", "--strace"},
        "auxv ok\n[one]\n[two words]\n[]\n[ü-ñ]\n[--strace]\n"),
      C("Signals", {"@signals"}, "signals ok\n"),
      C("Memory", {"@memory"}, "memory ok\n"),
      C("FutexAndSleep", {"@futex"}, "futex ok\n"),
      C("BusyboxSleep", {"busybox", "sleep", "0.05"}, ""),
      C("GetpidLoop", {"@getpid_loop", "1000"}, "ns_per_call ").OutIsNumberAfterPrefix(),
      C("BusyboxEcho", {"busybox", "echo", "hello", "from", "kekkai"}, "hello from kekkai\n"),
      C("BusyboxByPath", {kBusybox, "echo", "by", "path"}, "by path\n"),
      C("BusyboxEchoN", {"busybox", "echo", "-n", "no newline"}, "no newline"),
      C("BusyboxSeq10", {"busybox", "seq", "1", "10"}, Lines(1, 10)),
      C("BusyboxSeq10000", {"busybox", "seq", "1", "10000"}, Lines(1, 10000)),
      C("BusyboxShArith", {"busybox", "sh", "-c", "echo $((6*7))"}, "42\n"),
      C("BusyboxShExit7", {"busybox", "sh", "-c", "exit 7"}, "").Exit(7),
      C("BusyboxFalse", {"busybox", "false"}, "").Exit(1),
      C("BusyboxShStderr", {"busybox", "sh", "-c", "echo out; echo err >&2; exit 3"}, "out\n")
          .Exit(3)
          .StderrHas("err\n"),
      // A read into a partly unmapped buffer takes from the pipe only what fits.
      C("ReadIntoPartlyUnmappedBuffer", {"@read_partial"}, "4096 4096\n")
          .Stdin(std::string(8192, 'x')),
      C("BusyboxCatStdin", {"busybox", "cat"}, BinaryData()).Stdin(BinaryData()),
      C("BusyboxWcStdin", {"busybox", "wc", "-l"}, "5000\n").Stdin(Lines(1, 5000)),
  };
}

enum class Mode { kNative, kKekkai };

std::vector<std::string> ResolveArgv(const GuestCase& c, Mode mode) {
  std::vector<std::string> argv = c.argv;
  if (argv[0][0] == '@') argv[0] = Guest(argv[0].substr(1));
  if (argv[0] == "busybox" && mode == Mode::kNative) argv[0] = kBusybox;
  return argv;
}

void CheckGuestOutcome(const GuestCase& c, const Outcome& o, Mode mode) {
  if (c.out_is_number_after_prefix) {
    ASSERT_THAT(o.out, StartsWith(c.want_out)) << o.Describe();
    EXPECT_GT(strtod(o.out.c_str() + c.want_out.size(), nullptr), 0.0) << o.Describe();
  } else {
    EXPECT_EQ(o.out, c.want_out) << o.Describe();
  }
  if (!c.want_err.empty()) {
    EXPECT_THAT(o.err, HasSubstr(c.want_err)) << o.Describe();
  }
  if (c.want_signal != 0) {
    if (mode == Mode::kNative) {
      EXPECT_TRUE(o.Signaled(c.want_signal)) << o.Describe();
    } else {
      // Exited with 128+N, not killed itself: kekkai reported the guest's death.
      EXPECT_TRUE(o.Exited(128 + c.want_signal)) << o.Describe();
    }
  } else {
    EXPECT_TRUE(o.Exited(c.want_exit)) << o.Describe();
  }
}

std::string CaseName(const ::testing::TestParamInfo<GuestCase>& info) { return info.param.name; }

bool NeedsBusybox(const GuestCase& c) { return c.argv[0] == "busybox" || c.argv[0] == kBusybox; }

class NativeGuest : public ::testing::TestWithParam<GuestCase> {};

TEST_P(NativeGuest, BehavesAsExpected) {
  const GuestCase& c = GetParam();
  if (NeedsBusybox(c)) {
    REQUIRE_BUSYBOX();
  }
  const std::vector<std::string> argv = ResolveArgv(c, Mode::kNative);
  ASSERT_TRUE(IsExecutable(argv[0]))
      << argv[0] << " is not built ($GUESTS='" << GuestsDir() << "')";
  CheckGuestOutcome(c, RunNative(argv, c.stdin_data), Mode::kNative);
}

INSTANTIATE_TEST_SUITE_P(Native, NativeGuest, ::testing::ValuesIn(GuestCases()), CaseName);

class KekkaiGuest : public Kekkai, public ::testing::WithParamInterface<GuestCase> {};

TEST_P(KekkaiGuest, BehavesAsNatively) {
  const GuestCase& c = GetParam();
  if (NeedsBusybox(c)) {
    REQUIRE_BUSYBOX();
  }
  KekkaiRun r;
  r.stdin_data = c.stdin_data;
  CheckGuestOutcome(c, RunSandboxed(ResolveArgv(c, Mode::kKekkai), r), Mode::kKekkai);
}

INSTANTIATE_TEST_SUITE_P(Kekkai, KekkaiGuest, ::testing::ValuesIn(GuestCases()), CaseName);

// ---------------------------------------------------------------------------
// The guest's view of the machine: who it is, where, with what environment.

TEST(Native, Identity) {
  Subprocess p = Subprocess::Start(NativeSpawn({Guest("ident")}));
  const pid_t pid = p.pid();
  const Outcome out = p.Finish(kNativeTimeout);
  ASSERT_TRUE(out.Exited(0)) << out.Describe();
  EXPECT_THAT(out.out, HasSubstr("pid=" + std::to_string(pid) + "\n"));
  EXPECT_THAT(out.out, HasSubstr("ppid=" + std::to_string(getpid()) + "\n"));
  EXPECT_THAT(out.out, HasSubstr("tid=" + std::to_string(pid) + "\n"));
  EXPECT_THAT(out.out, HasSubstr("sysname=Linux\nnodename="));
}

TEST_F(Kekkai, GuestIsPid1Root) {
  const Outcome o = RunSandboxed({Guest("ident")});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out,
            "pid=1\nppid=0\ntid=1\nuid=0 euid=0 gid=0 egid=0\nsysname=Linux\n"
            "nodename=kekkai\nmachine=x86_64\n")
      << o.Describe();
}

TEST_F(Kekkai, Hostname) {
  REQUIRE_BUSYBOX();
  Outcome o = RunSandboxed({"busybox", "hostname"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "kekkai\n") << o.Describe();
  o = RunSandboxed({"busybox", "uname", "-n"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "kekkai\n") << o.Describe();
}

std::multiset<std::string> EnvSet(const std::string& env_output) {
  const std::vector<std::string> lines = SplitLines(env_output);
  return {lines.begin(), lines.end()};
}

TEST_F(Kekkai, CleanEnvironmentPlusFlags) {
  REQUIRE_BUSYBOX();
  const Outcome o = RunKekkai({"run", "-e", "FOO=bar", "--env=SPACED=a b", "--", "busybox", "env"});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  const std::multiset<std::string> want = {std::string("PATH=") + kGuestPath,
                                           "HOME=/root",
                                           "HOSTNAME=kekkai",
                                           "TERM=vt100",
                                           "FOO=bar",
                                           "SPACED=a b"};
  EXPECT_EQ(EnvSet(o.out), want) << o.Describe();
  EXPECT_THAT(o.out, ::testing::Not(HasSubstr("KEKKAI_E2E_MARKER"))) << o.Describe();
}

TEST_F(Kekkai, TermDefaultsToXterm) {
  REQUIRE_BUSYBOX();
  KekkaiRun r;
  r.env = {"PATH=/usr/bin:/bin", kMarker};
  const Outcome o = RunSandboxed({"busybox", "env"}, r);
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  const std::multiset<std::string> want = {std::string("PATH=") + kGuestPath, "HOME=/root",
                                           "HOSTNAME=kekkai", "TERM=xterm"};
  EXPECT_EQ(EnvSet(o.out), want) << o.Describe();
}

TEST_F(Kekkai, WorkingDirectoryFlag) {
  REQUIRE_BUSYBOX();
  Outcome o = RunKekkai({"run", "-w", "/usr/share", "--", "busybox", "pwd"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "/usr/share\n") << o.Describe();
  o = RunKekkai({"run", "--cwd=/", "--", "busybox", "pwd"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "/\n") << o.Describe();
  // The host's /sys is not the sandbox's (which has no /sys/kernel): a working
  // directory that doesn't exist in the sandbox is kekkai's error.
  o = RunKekkai({"run", "-w", "/sys/kernel", "--", "busybox", "pwd"});
  EXPECT_TRUE(o.Exited(125)) << o.Describe();
  EXPECT_THAT(o.err, HasSubstr("kekkai: working directory /sys/kernel")) << o.Describe();
}

TEST_F(Kekkai, WorkingDirectoryIsCallers) {
  REQUIRE_BUSYBOX();
  KekkaiRun r;
  r.cwd = RealPath(GuestsDir());
  const Outcome o = RunSandboxed({"busybox", "pwd"}, r);
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, r.cwd + "\n") << o.Describe();
}

// ---------------------------------------------------------------------------
// stdio is the caller's, and is left as it was found: kekkai must not leave
// O_NONBLOCK or changed terminal settings on descriptions it shares with the
// caller (DESIGN.md, "Traps").

struct Pipe {
  FileDescriptor r, w;
};

Pipe MakePipe() {
  int fds[2] = {-1, -1};
  if (pipe2(fds, O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2: " << strerror(errno);
  return {FileDescriptor(fds[0]), FileDescriptor(fds[1])};
}

bool NonBlocking(int fd) { return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

// Reads what `fd` has until `want_end` is seen or a second passes.
std::string ReadAvailable(int fd, const std::string& want_end) {
  std::string got;
  char buf[4096];
  const auto deadline = Clock::now() + milliseconds(1000);
  while (Clock::now() < deadline &&
         (got.size() < want_end.size() ||
          got.compare(got.size() - want_end.size(), want_end.size(), want_end) != 0)) {
    pollfd pfd = {fd, POLLIN, 0};
    if (poll(&pfd, 1, 50) <= 0) continue;
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// Runs `busybox cat` with stdin and stdout on pipes this test holds both ends of.
void CatThroughCallersPipes(Mode mode) {
  Pipe in = MakePipe(), out = MakePipe();
  const std::string data = "through the caller's own pipes\n";
  ASSERT_EQ(write(in.w.get(), data.data(), data.size()), static_cast<ssize_t>(data.size()));
  in.w.reset();
  SpawnOptions o = mode == Mode::kNative ? NativeSpawn({kBusybox, "cat"})
                                         : KekkaiSpawn({"run", "--", "busybox", "cat"});
  o.stdin_fd = in.r.get();
  o.stdout_fd = out.w.get();
  const Outcome res = Run(o, mode == Mode::kNative ? kNativeTimeout : kSandboxTimeout);
  EXPECT_TRUE(res.Exited(0)) << res.Describe();
  EXPECT_EQ(ReadAvailable(out.r.get(), "\n"), data);
  EXPECT_FALSE(NonBlocking(in.r.get())) << "O_NONBLOCK left on the caller's stdin pipe";
  EXPECT_FALSE(NonBlocking(out.w.get())) << "O_NONBLOCK left on the caller's stdout pipe";
}

// Runs `busybox stty size` on a pty (stdin and stdout) sized 33x101: the guest's
// TCGETS and TIOCGWINSZ reach the caller's tty, whose settings and flags must be
// unchanged afterwards.
void SttyOnCallersTty(Mode mode) {
  int master = -1, slave = -1;
  winsize ws = {};
  ws.ws_row = 33;
  ws.ws_col = 101;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, &ws), 0) << strerror(errno);
  FileDescriptor m(master), s(slave);
  termios before = {};
  ASSERT_EQ(tcgetattr(s.get(), &before), 0);
  const int flags_before = fcntl(s.get(), F_GETFL);
  SpawnOptions o = mode == Mode::kNative ? NativeSpawn({kBusybox, "stty", "size"})
                                         : KekkaiSpawn({"run", "--", "busybox", "stty", "size"});
  o.stdin_fd = s.get();
  o.stdout_fd = s.get();
  const Outcome res = Run(o, mode == Mode::kNative ? kNativeTimeout : kSandboxTimeout);
  EXPECT_TRUE(res.Exited(0)) << res.Describe();
  EXPECT_EQ(ReadAvailable(m.get(), "\n"), "33 101\r\n") << res.Describe();
  termios after = {};
  ASSERT_EQ(tcgetattr(s.get(), &after), 0);
  EXPECT_EQ(before.c_iflag, after.c_iflag) << "c_iflag changed";
  EXPECT_EQ(before.c_oflag, after.c_oflag) << "c_oflag changed";
  EXPECT_EQ(before.c_cflag, after.c_cflag) << "c_cflag changed";
  EXPECT_EQ(before.c_lflag, after.c_lflag) << "c_lflag changed";
  EXPECT_EQ(memcmp(before.c_cc, after.c_cc, sizeof(before.c_cc)), 0) << "c_cc changed";
  EXPECT_EQ(fcntl(s.get(), F_GETFL), flags_before) << "file status flags of the tty changed";
}

TEST(Native, CatThroughCallersPipes) {
  REQUIRE_BUSYBOX();
  CatThroughCallersPipes(Mode::kNative);
}

TEST_F(Kekkai, CatThroughCallersPipesLeavesThemAlone) {
  REQUIRE_BUSYBOX();
  CatThroughCallersPipes(Mode::kKekkai);
}

TEST(Native, SttyOnCallersTty) {
  REQUIRE_BUSYBOX();
  SttyOnCallersTty(Mode::kNative);
}

TEST_F(Kekkai, SttyOnCallersTtyLeavesItAlone) {
  REQUIRE_BUSYBOX();
  SttyOnCallersTty(Mode::kKekkai);
}

// ---------------------------------------------------------------------------
// Bad guests and the traps of DESIGN.md.

TEST(Native, Vsyscall) {
  if (!HostHasVsyscall()) GTEST_SKIP() << "the host's vsyscall page is not executable";
  const Outcome o = RunNative({Guest("vsyscall")});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "vsyscall ok\n") << o.Describe();
}

bool HasStraceLine(const std::string& err, const std::string& prefix) {
  for (const std::string& line : SplitLines(err)) {
    if (line.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

TEST_F(Kekkai, VsyscallIsServicedBySentry) {
  if (!HostHasVsyscall()) GTEST_SKIP() << "the host's vsyscall page is not executable";
  const Outcome o = RunKekkai({"run", "--strace", "--", Guest("vsyscall")});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "vsyscall ok\n") << o.Describe();
  // The guest makes no time(2) syscall of its own: this line is the vsyscall.
  EXPECT_TRUE(HasStraceLine(o.err, "[pid 1] time(")) << o.Describe();
}

TEST(Native, Int80RunsI386Getpid) {
  const Outcome o = RunNative({Guest("int80")});
  if (o.Signaled(SIGSEGV)) GTEST_SKIP() << "the host has no i386 emulation (int $0x80 faults)";
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_THAT(o.out, StartsWith("int80 native ")) << o.Describe();
}

TEST_F(Kekkai, Int80IsRefused) {
  const Outcome o = RunSandboxed({Guest("int80")});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "int80 refused\n") << o.Describe();
}

// A hostile guest calling every syscall with garbage arguments: the sentry answers
// each call and survives. Sandboxed only: natively these calls would run for real.
TEST_F(Kekkai, GarbageSyscallsDoNotHurtTheSentry) {
  for (bool strace : {false, true}) {
    std::vector<std::string> args = {"run"};
    if (strace) args.push_back("--strace");
    args.insert(args.end(), {"--", Guest("syscall_fuzz")});
    const Outcome o = RunKekkai(args);
    EXPECT_TRUE(o.Exited(0)) << o.Describe();
    EXPECT_THAT(o.out, StartsWith("fuzz done ")) << o.Describe();
    EXPECT_GT(strtol(o.out.c_str() + strlen("fuzz done "), nullptr, 10), 3000) << o.Describe();
  }
}

// The calls that may legitimately kill the guest (memory maps, TLS, dispositions,
// fds): the guest may die, but of a signal, and the sentry reports it and exits.
TEST_F(Kekkai, RiskyGarbageSyscallsEndCleanly) {
  const Outcome o = RunKekkai({"run", "--", Guest("syscall_fuzz"), "risky"});
  const bool finished = o.Exited(0) && o.out.rfind("fuzz done ", 0) == 0;
  const bool died_of_signal = o.Exited(128 + SIGSEGV) || o.Exited(128 + SIGBUS) ||
                              o.Exited(128 + SIGILL) || o.Exited(128 + SIGFPE);
  EXPECT_TRUE(finished || died_of_signal) << o.Describe();
  EXPECT_THAT(o.err, Not(HasSubstr("CHECK failed"))) << o.Describe();
}

TEST_F(Kekkai, StraceShowsSyscalls) {
  const Outcome o = RunKekkai({"run", "--strace", "--", Guest("hello")});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "hello, world\n") << o.Describe();
  EXPECT_TRUE(HasStraceLine(o.err, R"([pid 1] write(1, "hello, world\n", 13) = 13)"))
      << o.Describe();
}

TEST_F(Kekkai, StraceShowsEnosys) {
  const Outcome o = RunKekkai({"run", "--strace", "--", Guest("enosys")});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "still alive\n") << o.Describe();
  bool found = false;
  for (const std::string& line : SplitLines(o.err)) {
    if (line.rfind("[pid 1] syscall_999(", 0) == 0 &&
        line.find("= -1 ENOSYS") != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found) << "no `[pid 1] syscall_999(...) = -1 ENOSYS` line\n" << o.Describe();
}

// ---------------------------------------------------------------------------
// Signals sent to kekkai reach the guest; kill -9 leaves nothing behind.

struct SignalCase {
  int sig;
  const char* name;
};

void PrintTo(const SignalCase& c, std::ostream* os) { *os << c.name; }

std::string SignalName(const ::testing::TestParamInfo<SignalCase>& info) { return info.param.name; }

const SignalCase kForwardedSignals[] = {
    {SIGTERM, "SIGTERM"}, {SIGINT, "SIGINT"}, {SIGHUP, "SIGHUP"}, {SIGQUIT, "SIGQUIT"}};

class NativeSignal : public ::testing::TestWithParam<SignalCase> {};

TEST_P(NativeSignal, BlockedGuestDies) {
  SpawnOptions o = NativeSpawn({Guest("sigterm_wait")});
  o.keep_stdin_open = true;
  Subprocess p = Subprocess::Start(o);
  ASSERT_TRUE(p.WaitForStdout("ready\n", kNativeTimeout)) << p.error() << p.err();
  ASSERT_EQ(kill(p.pid(), GetParam().sig), 0);
  const Outcome out = p.Finish(kNativeTimeout);
  EXPECT_TRUE(out.Signaled(GetParam().sig)) << out.Describe();
}

INSTANTIATE_TEST_SUITE_P(Native, NativeSignal, ::testing::ValuesIn(kForwardedSignals), SignalName);

class KekkaiSignal : public Kekkai, public ::testing::WithParamInterface<SignalCase> {};

TEST_P(KekkaiSignal, ForwardedToGuest) {
  SpawnOptions o = KekkaiSpawn({"run", "--", Guest("sigterm_wait")});
  o.keep_stdin_open = true;
  Subprocess p = Subprocess::Start(o);
  ASSERT_TRUE(p.WaitForStdout("ready\n", kSandboxTimeout)) << "the guest never said it was ready\n"
                                                           << p.error() << "\n--- stderr ---\n"
                                                           << p.err();
  ASSERT_EQ(kill(p.pid(), GetParam().sig), 0);
  const Outcome out = p.Finish(kSandboxTimeout);
  // kekkai itself must survive the signal and report the guest's death.
  EXPECT_TRUE(out.Exited(128 + GetParam().sig)) << out.Describe();
  EXPECT_EQ(out.out, "ready\n") << out.Describe();
}

INSTANTIATE_TEST_SUITE_P(Kekkai, KekkaiSignal, ::testing::ValuesIn(kForwardedSignals), SignalName);

// A terminal's Ctrl-C goes to the whole foreground process group: kekkai must
// still end with the guest's SIGINT (130), once.
TEST(Native, CtrlCToProcessGroup) {
  SpawnOptions o = NativeSpawn({Guest("sigterm_wait")});
  o.keep_stdin_open = true;
  Subprocess p = Subprocess::Start(o);
  ASSERT_TRUE(p.WaitForStdout("ready\n", kNativeTimeout)) << p.error() << p.err();
  ASSERT_EQ(kill(-p.pid(), SIGINT), 0);
  const Outcome out = p.Finish(kNativeTimeout);
  EXPECT_TRUE(out.Signaled(SIGINT)) << out.Describe();
}

TEST_F(Kekkai, CtrlCToProcessGroup) {
  SpawnOptions o = KekkaiSpawn({"run", "--", Guest("sigterm_wait")});
  o.keep_stdin_open = true;
  Subprocess p = Subprocess::Start(o);
  ASSERT_TRUE(p.WaitForStdout("ready\n", kSandboxTimeout)) << p.error() << p.err();
  ASSERT_EQ(kill(-p.pid(), SIGINT), 0);
  const Outcome out = p.Finish(kSandboxTimeout);
  EXPECT_TRUE(out.Exited(128 + SIGINT)) << out.Describe();
}

TEST_F(Kekkai, KillNineLeavesNoStub) {
  SpawnOptions o = KekkaiSpawn({"run", "--", Guest("sigterm_wait")});
  o.keep_stdin_open = true;
  Subprocess p = Subprocess::Start(o);
  ASSERT_TRUE(p.WaitForStdout("ready\n", kSandboxTimeout)) << p.error() << p.err();
  // The guest runs in a stub process under kekkai: there is something to leak.
  const std::vector<ProcessInfo> below = DescendantsOf(p.pid());
  EXPECT_FALSE(below.empty()) << "kekkai has no child process while its guest runs";
  ASSERT_EQ(kill(p.pid(), SIGKILL), 0);
  const Outcome out = p.Finish(kSandboxTimeout);
  EXPECT_TRUE(out.Signaled(SIGKILL)) << out.Describe();
  // The fixture's TearDown reports any child left; also name the ones that were
  // kekkai's descendants (they reparent to this subreaper when orphaned).
  const std::vector<ProcessInfo> left = ReapUntilNoChildren(kTeardownTimeout);
  EXPECT_TRUE(left.empty()) << "left behind after kill -9: " << Describe(left)
                            << "\nkekkai's descendants before the kill: " << Describe(below);
  for (const ProcessInfo& d : below) {
    EXPECT_FALSE(ProcessExists(d.pid)) << "still running: " << Describe({d});
  }
}

// ---------------------------------------------------------------------------
// The command line.

class Cli : public Kekkai {};

TEST_F(Cli, Version) {
  const Outcome o = RunKekkai({"--version"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_THAT(o.out, StartsWith("kekkai version ")) << o.Describe();
}

TEST_F(Cli, Help) {
  for (const char* flag : {"help", "--help"}) {
    const Outcome o = RunKekkai({flag});
    EXPECT_TRUE(o.Exited(0)) << flag << "\n" << o.Describe();
    EXPECT_THAT(o.out, HasSubstr("run")) << flag << "\n" << o.Describe();
    EXPECT_THAT(o.out, HasSubstr("--platform")) << flag << "\n" << o.Describe();
  }
}

TEST_F(Cli, BadFlag) {
  ExpectKekkaiError(RunKekkai({"run", "--no-such-flag", "--", Guest("hello")}));
}

TEST_F(Cli, BadPlatform) {
  ExpectKekkaiError(RunKekkai({"run", "--platform=bogus", "--", Guest("hello")}));
}

TEST_F(Cli, UnknownCommand) { ExpectKekkaiError(RunKekkai({"no-such-command"})); }

TEST_F(Cli, RunWithoutProgram) { ExpectKekkaiError(RunKekkai({"run"})); }

TEST_F(Cli, MissingProgramExits127) {
  for (const std::string& prog :
       {std::string("/nonexistent-e2e/prog"), std::string("kekkai-e2e-no-such-program")}) {
    const Outcome o = RunSandboxed({prog});
    EXPECT_TRUE(o.Exited(127)) << prog << "\n" << o.Describe();
    EXPECT_EQ(o.out, "") << o.Describe();
    EXPECT_FALSE(o.err.empty()) << "no message for a missing program\n" << o.Describe();
  }
}

TEST(Native, UnrunnableFilesFailExec) {
  const std::string dir = ScratchDir();
  ASSERT_TRUE(WriteFile(dir + "/not_executable", "#!/bin/sh\necho hi\n", 0644));
  ASSERT_TRUE(WriteFile(dir + "/not_elf",
                        std::string("\x7f"
                                    "ELX\x01\x02 garbage",
                                    16),
                        0755));
  const std::vector<std::pair<std::string, int>> cases = {{dir + "/not_executable", EACCES},
                                                          {dir + "/not_elf", ENOEXEC},
                                                          {"/nonexistent-e2e/prog", ENOENT}};
  for (const auto& [path, want] : cases) {
    pid_t pid;
    char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
    char* envp[] = {nullptr};
    EXPECT_EQ(posix_spawn(&pid, path.c_str(), nullptr, nullptr, argv, envp), want) << path;
  }
}

TEST_F(Cli, UnrunnableProgramExits126) {
  const std::string dir = ScratchDir();
  ASSERT_TRUE(WriteFile(dir + "/not_executable", "#!/bin/sh\necho hi\n", 0644));
  ASSERT_TRUE(WriteFile(dir + "/not_elf",
                        std::string("\x7f"
                                    "ELX\x01\x02 garbage",
                                    16),
                        0755));
  for (const std::string& prog : {dir + "/not_executable", dir + "/not_elf"}) {
    const Outcome o = RunSandboxed({prog});
    EXPECT_TRUE(o.Exited(126)) << prog << "\n" << o.Describe();
    EXPECT_EQ(o.out, "") << o.Describe();
    EXPECT_FALSE(o.err.empty()) << "no message for an unrunnable program\n" << o.Describe();
  }
}

TEST_F(Cli, PlatformFlag) {
  for (const char* flag : {"--platform=ptrace", "--platform=auto"}) {
    const Outcome o = RunKekkai({"run", flag, "--", Guest("hello")});
    EXPECT_TRUE(o.Exited(0)) << flag << "\n" << o.Describe();
    EXPECT_EQ(o.out, "hello, world\n") << flag << "\n" << o.Describe();
  }
}

TEST_F(Cli, DebugFlagKeepsStdoutClean) {
  const Outcome o = RunKekkai({"run", "--debug", "--", Guest("hello")});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "hello, world\n") << o.Describe();
}

TEST_F(Cli, FlagsAfterProgramBelongToGuest) {
  REQUIRE_BUSYBOX();
  // Without "--": parsing stops at the program.
  Outcome o = RunKekkai({"run", "busybox", "echo", "-n", "--strace"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "--strace") << o.Describe();
  EXPECT_THAT(o.err, ::testing::Not(HasSubstr("[pid 1]"))) << o.Describe();
  o = RunKekkai({"run", "--", "busybox", "echo", "--version", "-e", "X=1"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "--version -e X=1\n") << o.Describe();
}

// ---------------------------------------------------------------------------
// Dynamically linked Debian programs, read through the read-only host view: the
// same output natively and sandboxed.

struct DynamicCase {
  std::string name;
  std::vector<std::string> argv;
};

void PrintTo(const DynamicCase& c, std::ostream* os) { *os << c.name; }

std::vector<DynamicCase> DynamicCases() {
  return {
      {"True", {"/bin/true"}},
      {"Echo", {"/bin/echo", "hi"}},
      {"CatOsRelease", {"/bin/cat", "/etc/os-release"}},
      {"LsUsr", {"/bin/ls", "/usr"}},
      {"LsLongSymlink", {"/bin/ls", "-l", "/usr/bin/python3"}},
      {"Sha256sumLs", {"/usr/bin/sha256sum", "/bin/ls"}},
      {"Python", {"/usr/bin/python3", "-c", "print(6*7)"}},
      {"PythonImports", {"/usr/bin/python3", "-c", "import json, os; print(json.dumps(sorted(os.listdir('/usr/lib/python3.11/json'))))"}},
      {"DashArith", {"/bin/sh", "-c", "echo $((6*7))"}},
      // env execs its argument: execve inside the sandbox.
      {"EnvExecs", {"/usr/bin/env", "-i", "FOO=bar", "/usr/bin/env"}},
  };
}

class DynamicSameAsNative : public Kekkai, public ::testing::WithParamInterface<DynamicCase> {};

TEST_P(DynamicSameAsNative, Output) {
  const DynamicCase& c = GetParam();
  if (!IsExecutable(c.argv[0])) GTEST_SKIP() << c.argv[0] << " is not installed";
  const Outcome native = RunNative(c.argv);
  ASSERT_TRUE(native.Exited(0)) << "natively: " << native.Describe();
  const Outcome o = RunSandboxed(c.argv);
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, native.out) << o.Describe();
}

INSTANTIATE_TEST_SUITE_P(Kekkai, DynamicSameAsNative, ::testing::ValuesIn(DynamicCases()),
                         [](const auto& info) { return info.param.name; });

TEST_F(Kekkai, PythonFoundOnPath) {
  const Outcome o = RunSandboxed({"python3", "-c", "import sys; print(6*7, sys.executable)"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_THAT(o.out, StartsWith("42 /usr/bin/python3")) << o.Describe();
}

TEST_F(Kekkai, DynamicEnvShowsTheCleanEnvironment) {
  const Outcome o = RunKekkai({"run", "-e", "FOO=bar", "--", "/usr/bin/env"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  std::vector<std::string> lines = SplitLines(o.out);
  std::sort(lines.begin(), lines.end());
  // CallerEnv's TERM reaches the guest; nothing else of it does.
  std::vector<std::string> want = {"FOO=bar", "HOME=/root", "HOSTNAME=kekkai",
                                   "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                   "TERM=vt100"};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(lines, want) << o.Describe();
}

TEST_F(Kekkai, ShebangScriptsRunByPath) {
  const std::string dir = ScratchDir();
  ASSERT_TRUE(WriteFile(dir + "/script.sh", "#!/bin/sh\necho \"script $0 $1\"\n", 0755));
  ASSERT_TRUE(WriteFile(dir + "/script.py", "#!/usr/bin/env python3\nimport sys\nprint('py', sys.argv[1:])\n", 0755));
  ASSERT_TRUE(WriteFile(dir + "/nested.sh", "#!" + dir + "/script.sh extra\n", 0755));
  Outcome o = RunSandboxed({dir + "/script.sh", "arg"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "script " + dir + "/script.sh arg\n") << o.Describe();
  o = RunSandboxed({dir + "/script.py", "a", "b"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "py ['a', 'b']\n") << o.Describe();
  // An interpreter that is itself a script: sh runs script.sh with "extra" and the
  // nested script's path (Linux's binfmt_script chaining).
  o = RunSandboxed({dir + "/nested.sh"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "script " + dir + "/script.sh extra\n") << o.Describe();
}

// A guest's changes to host files stay in the sandbox (its overlay), and it can't
// see the hidden ones.
TEST_F(Kekkai, HostFilesCannotBeChangedOrHiddenOnesRead) {
  const std::string probe = ScratchDir() + "/precious";
  ASSERT_TRUE(WriteFile(probe, "host data\n", 0644));
  const std::string script =
      "import errno, os\n"
      "def t(name, f):\n"
      "    try:\n"
      "        f(); print(name, 'ok')\n"
      "    except OSError as e:\n"
      "        print(name, errno.errorcode[e.errno])\n"
      "p = '" + probe + "'\n"
      "t('write', lambda: open(p, 'w'))\n"
      "t('append', lambda: open(p, 'a'))\n"
      "t('truncate', lambda: os.truncate(p, 0))\n"
      "t('unlink', lambda: os.unlink(p))\n"
      "t('rename', lambda: os.rename(p, p + '2'))\n"
      "t('create', lambda: open(p + '.new', 'x'))\n"
      "t('mkdir', lambda: os.mkdir(p + '.d'))\n"
      "t('chmod', lambda: os.chmod(p, 0o777))\n"
      "t('read', lambda: open(p).read())\n"
      "t('recreate', lambda: open(p, 'w').write('guest'))\n"
      "print('content', open(p).read())\n"
      "t('shadow', lambda: open('/etc/shadow').read())\n"
      // /root is the sandbox's own empty tmpfs: none of the host's files show.
      "print('root', os.listdir('/root'))\n"
      // /proc/1 is the guest itself, whose environment has nothing of the caller's.
      "print('hostproc', 'KEKKAI_E2E_MARKER' in open('/proc/1/environ').read())\n"
      "print('shadow listed', 'shadow' in os.listdir('/etc'))\n";
  const Outcome o = RunSandboxed({"/usr/bin/python3", "-c", script});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out,
            "write ok\nappend ok\ntruncate ok\nunlink ok\nrename ENOENT\n"
            "create ok\nmkdir ok\nchmod ENOENT\nread ENOENT\nrecreate ok\ncontent guest\n"
            "shadow ENOENT\nroot []\n"
            "hostproc False\nshadow listed False\n")
      << o.Describe();
  std::ifstream in(probe);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "host data\n");
  struct stat st;
  EXPECT_NE(stat((probe + ".new").c_str(), &st), 0);
  EXPECT_NE(stat((probe + ".d").c_str(), &st), 0);
  EXPECT_NE(stat((probe + "2").c_str(), &st), 0);
}

TEST_F(Kekkai, HostFifoIsAnErrorNotAHang) {
  const std::string fifo = ScratchDir() + "/fifo";
  unlink(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0666), 0);
  const Outcome o = RunSandboxed(
      {"/usr/bin/python3", "-c",
       "import errno\ntry:\n    open('" + fifo + "')\n    print('opened')\n"
       "except OSError as e:\n    print(errno.errorcode[e.errno])\n"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "ENOENT\n") << o.Describe();
  unlink(fifo.c_str());
}

TEST_F(Kekkai, DevicesAndProcSelfExe) {
  const Outcome o = RunSandboxed(
      {"/usr/bin/python3", "-c",
       "import os\n"
       "print(len(open('/dev/zero','rb').read(4096).strip(b'\\0')))\n"
       "print(len(open('/dev/urandom','rb').read(64)))\n"
       "print(open('/dev/null','rb').read())\n"
       "open('/dev/null','w').write('x')\n"
       "print(os.readlink('/proc/self/exe'))\n"});
  EXPECT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, "0\n64\nb''\n" + RealPath("/usr/bin/python3") + "\n") << o.Describe();
}

}  // namespace
}  // namespace kekkai::tests::e2e

int main(int argc, char** argv) { return kekkai::tests::e2e::E2eMain(argc, argv); }

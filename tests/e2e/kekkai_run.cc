#include "tests/e2e/kekkai_run.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <sstream>

#include "base/file_descriptor.h"
#include "gmock/gmock.h"
#include "tests/e2e/process_tree.h"

namespace kekkai::tests::e2e {

using ::testing::StartsWith;

std::string EnvOr(const char* name, const char* fallback) {
  const char* v = getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

std::string KekkaiPath() { return EnvOr("KEKKAI", ""); }
std::string GuestsDir() { return EnvOr("GUESTS", ""); }
std::string Guest(const std::string& name) { return GuestsDir() + "/" + name; }

bool IsExecutable(const std::string& path) {
  return !path.empty() && access(path.c_str(), X_OK) == 0;
}

std::vector<std::string> CallerEnv() {
  return {"PATH=/usr/bin:/bin", "TERM=vt100", "HOME=/nonexistent-e2e-home", "LANG=C.UTF-8",
          kMarker};
}

std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string SelfDir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  return Dirname(std::string(buf, static_cast<size_t>(n)));
}

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) != nullptr ? buf : path;
}

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

bool WriteFile(const std::string& path, const std::string& data, mode_t mode) {
  unlink(path.c_str());
  FileDescriptor fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return false;
  const bool ok = write(fd.get(), data.data(), data.size()) == static_cast<ssize_t>(data.size());
  return ok && chmod(path.c_str(), mode) == 0;
}

std::string ScratchDir() {
  const std::string dir = SelfDir() + "/e2e-scratch";
  mkdir(dir.c_str(), 0755);
  return dir;
}

SpawnOptions NativeSpawn(std::vector<std::string> argv) {
  SpawnOptions o;
  o.argv = std::move(argv);
  o.env = CallerEnv();
  return o;
}

Outcome RunNative(std::vector<std::string> argv, const std::string& stdin_data) {
  SpawnOptions o = NativeSpawn(std::move(argv));
  o.stdin_data = stdin_data;
  return Run(o, kNativeTimeout);
}

namespace {

// Returns whether `args` choose a platform themselves.
bool HasPlatformFlag(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--") return false;
    if (a.rfind("--platform", 0) == 0) return true;
  }
  return false;
}

}  // namespace

SpawnOptions KekkaiSpawn(const std::vector<std::string>& args, const KekkaiRun& r) {
  SpawnOptions o;
  o.argv.push_back(KekkaiPath());
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  // $E2E_PLATFORM runs every `kekkai run` on that platform (one meson test per
  // platform), unless the test picks one itself.
  const std::string platform = EnvOr("E2E_PLATFORM", "");
  if (!platform.empty() && !args.empty() && args[0] == "run" && !HasPlatformFlag(args)) {
    o.argv.insert(o.argv.begin() + 2, "--platform=" + platform);
  }
  o.env = r.env;
  o.cwd = r.cwd;
  o.stdin_data = r.stdin_data;
  return o;
}

Outcome RunKekkai(const std::vector<std::string>& args, const KekkaiRun& r) {
  return Run(KekkaiSpawn(args, r), kSandboxTimeout);
}

Outcome RunSandboxed(const std::vector<std::string>& argv, const KekkaiRun& r) {
  std::vector<std::string> args = {"run", "--"};
  args.insert(args.end(), argv.begin(), argv.end());
  return RunKekkai(args, r);
}

void ExpectKekkaiError(const Outcome& o) {
  EXPECT_TRUE(o.Exited(125)) << o.Describe();
  EXPECT_EQ(o.out, "") << o.Describe();
  EXPECT_THAT(o.err, StartsWith("kekkai: ")) << o.Describe();
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.Describe();
  EXPECT_TRUE(!o.err.empty() && o.err.back() == '\n') << o.Describe();
}

void Kekkai::SetUp() {
  ASSERT_TRUE(IsExecutable(KekkaiPath())) << "the kekkai binary is missing: $KEKKAI='"
                                          << KekkaiPath() << "' (build it: ninja -C build kekkai)";
  ASSERT_TRUE(IsExecutable(Guest("hello"))) << "guests not built: $GUESTS='" << GuestsDir() << "'";
}

void Kekkai::TearDown() {
  const std::vector<ProcessInfo> left = ReapUntilNoChildren(kTeardownTimeout);
  EXPECT_TRUE(left.empty()) << "processes left behind after kekkai exited: " << Describe(left);
}

int E2eMain(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Orphaned processes (a stub whose sentry died) reparent to this process, so
  // the tests can see and reap them.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    perror("prctl(PR_SET_CHILD_SUBREAPER)");
    return 1;
  }
  // A child that exits early must not kill us while we feed its stdin.
  signal(SIGPIPE, SIG_IGN);
  // Guests that die of SIGSEGV/SIGQUIT natively must not litter core files.
  const rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  return RUN_ALL_TESTS();
}

}  // namespace kekkai::tests::e2e

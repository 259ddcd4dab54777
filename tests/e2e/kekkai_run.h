// Running things for the end-to-end test programs: the environment they are
// given ($KEKKAI, $GUESTS, $E2E_PLATFORM), running a program natively or under
// `kekkai run`, the `Kekkai` fixture that fails when kekkai is missing and checks
// that it leaves no process behind, and the process set-up every e2e program's
// main() needs (E2eMain).
#ifndef KEKKAI_TESTS_E2E_KEKKAI_RUN_H_
#define KEKKAI_TESTS_E2E_KEKKAI_RUN_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/e2e/subprocess.h"

namespace kekkai::tests::e2e {

inline constexpr milliseconds kNativeTimeout{10000};
// Sandboxed runs are small (a syscall costs 10-60 us under ptrace here); this
// only bounds a hang.
inline constexpr milliseconds kSandboxTimeout{10000};
// How long kekkai may take to tear down its processes after the guest ends.
inline constexpr milliseconds kTeardownTimeout{5000};

inline constexpr char kBusybox[] = "/bin/busybox";
inline constexpr char kGuestPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
inline constexpr char kMarker[] = "KEKKAI_E2E_MARKER=caller-only";

// Returns $name, or `fallback` when it is unset or empty.
std::string EnvOr(const char* name, const char* fallback);

// Returns $KEKKAI, the kekkai binary under test.
std::string KekkaiPath();
// Returns $GUESTS, the build folder of tests/guests.
std::string GuestsDir();
// Returns the path of the guest program `name` in $GUESTS.
std::string Guest(const std::string& name);

// Returns whether `path` is an executable file.
bool IsExecutable(const std::string& path);

// Returns the environment kekkai is started with: none of it but TERM may reach
// the guest.
std::vector<std::string> CallerEnv();

// Returns the folder part of `path` ("." when it has none).
std::string Dirname(const std::string& path);
// Returns the folder of this test binary.
std::string SelfDir();
// Returns `path` with symlinks resolved (`path` itself when that fails).
std::string RealPath(const std::string& path);
// Splits `s` into lines, without their '\n'.
std::vector<std::string> SplitLines(const std::string& s);

// Writes `data` to `path` with `mode` (replacing it); returns whether it worked.
bool WriteFile(const std::string& path, const std::string& data, mode_t mode);

// Returns a scratch folder beside this test binary: under the build folder,
// which the sandbox shows (unlike the host's /tmp).
std::string ScratchDir();

// Returns the spawn options of `argv` run natively with CallerEnv().
SpawnOptions NativeSpawn(std::vector<std::string> argv);
// Runs `argv` natively to completion, feeding it `stdin_data`.
Outcome RunNative(std::vector<std::string> argv, const std::string& stdin_data = "");

// How kekkai itself is started.
struct KekkaiRun {
  std::vector<std::string> env = CallerEnv();
  // kekkai's working directory (the guest's by default); empty keeps ours.
  std::string cwd;
  std::string stdin_data;
};

// Returns the spawn options of `kekkai ARGS…`. $E2E_PLATFORM picks the platform
// of every `kekkai run` that doesn't choose one itself.
SpawnOptions KekkaiSpawn(const std::vector<std::string>& args, const KekkaiRun& r = {});
// Runs `kekkai ARGS…` to completion.
Outcome RunKekkai(const std::vector<std::string>& args, const KekkaiRun& r = {});
// Runs `kekkai run -- ARGV…` to completion.
Outcome RunSandboxed(const std::vector<std::string>& argv, const KekkaiRun& r = {});

// Checks the contract for kekkai's own errors: exit 125, nothing on stdout,
// exactly one line on stderr starting "kekkai: ".
void ExpectKekkaiError(const Outcome& o);

#define REQUIRE_BUSYBOX()                                                      \
  do {                                                                         \
    if (!::kekkai::tests::e2e::IsExecutable(::kekkai::tests::e2e::kBusybox)) { \
      GTEST_SKIP() << ::kekkai::tests::e2e::kBusybox                           \
                   << " is missing (install the busybox-static package)";      \
    }                                                                          \
  } while (0)

// Fixture for everything that runs kekkai: fails (never skips) when kekkai is
// missing, and after each test checks that kekkai left no process behind.
class Kekkai : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
};

// Runs every test of the program, as each e2e program's main(): makes this
// process a child subreaper (orphaned stubs, sentries and gofers reparent to it,
// so the tests can see and reap them), ignores SIGPIPE and disables core files.
int E2eMain(int argc, char** argv);

}  // namespace kekkai::tests::e2e

#endif  // KEKKAI_TESTS_E2E_KEKKAI_RUN_H_

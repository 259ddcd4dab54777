// kekkai: the command-line entry point. One binary: the sentry runs in this
// process for `kekkai run`; stubs are created by the platform.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gofer/main.h"
#include "kekkai_version.h"
#include "runtime/cli.h"
#include "runtime/run.h"

int main(int argc, char** argv) {
  using namespace kekkai::runtime;
  // A hidden role, never typed by users: the runtime spawns it (gofer/spawn.h).
  if (argc >= 2 && strcmp(argv[1], kekkai::gofer::kRoleName) == 0) {
    return kekkai::gofer::Main(argc, argv);
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string error;
  auto parsed = ParseCommandLine(args, &error);
  if (!parsed.ok()) {
    fprintf(stderr, "kekkai: %s\n", error.c_str());
    return kExitInternalError;
  }
  switch (parsed->command) {
    case Command::kHelp:
      fputs(UsageText(), stdout);
      return 0;
    case Command::kVersion:
      printf("kekkai version %s\n", KEKKAI_VERSION);
      return 0;
    case Command::kRun:
      return RunCommand(parsed->run);
  }
  return kExitInternalError;
}

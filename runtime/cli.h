// Command-line parsing for `kekkai`: commands and `run` flags, as plain data so
// it can be tested without running anything.
#ifndef KEKKAI_RUNTIME_CLI_H_
#define KEKKAI_RUNTIME_CLI_H_

#include <string>
#include <vector>

#include "base/result.h"

namespace kekkai::runtime {

// Exit codes for kekkai's own failures, as `docker run` uses them.
inline constexpr int kExitInternalError = 125;
inline constexpr int kExitCannotExecute = 126;
inline constexpr int kExitNotFound = 127;

struct RunOptions {
  std::string platform = "auto";
  bool platform_given = false;
  bool strace = false;
  bool debug = false;
  // -e K=V, or -e K (taken from kekkai's own environment if set there).
  std::vector<std::string> env;
  std::string cwd;  // Empty: the caller's cwd.
  // --rootfs DIR: the sandbox's root (absolute host path). Empty: the host's /.
  std::string rootfs;
  // --volume HOST:GUEST[:ro], in order.
  struct Volume {
    std::string host;   // Absolute host path of a directory.
    std::string guest;  // Absolute path inside the sandbox.
    bool read_only = false;
  };
  std::vector<Volume> volumes;
  // --overlay=none: serve the rootfs writable. Without it the rootfs is read-only
  // below an in-sandbox overlay whose upper layer is a tmpfs.
  bool overlay_none = false;
  std::vector<std::string> argv;  // PROGRAM ARGS...
};

enum class Command { kRun, kHelp, kVersion };

struct ParsedCommand {
  Command command = Command::kHelp;
  RunOptions run;
};

// Parses argv (without argv[0]). On failure returns the one-line error message in
// `error` and EINVAL.
Result<ParsedCommand> ParseCommandLine(const std::vector<std::string>& args, std::string* error);

// Returns the usage text.
const char* UsageText();

}  // namespace kekkai::runtime

#endif  // KEKKAI_RUNTIME_CLI_H_

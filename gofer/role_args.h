// Role arguments: the command line of the hidden `kekkai gofer` role, written by
// SpawnGofer and read by gofer::Main.
//
//   kekkai gofer --sock-fd=N --tree=SPEC [--tree=SPEC ...]
//   SPEC := (ro|rw) "," (policy|nopolicy) ("," OPTION)* "," PATH
//   OPTION := home=VALUE | hide=VALUE | alias=VALUE     (policy trees only)
//
// PATH, the tree's absolute host path, is everything after the last option, taken
// verbatim (it may hold commas): options never start with '/', and option values
// are percent-encoded ("%2C" for ',', "%25" for '%'). home= is the policy's
// visible_home_dir, each hide= an extra hidden path, each alias= a private alias.
// Tree i of the command line is the tree Attach(i) names.
#ifndef KEKKAI_GOFER_ROLE_ARGS_H_
#define KEKKAI_GOFER_ROLE_ARGS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "gofer/policy.h"

namespace kekkai::gofer {

// One tree for the gofer to serve.
struct TreeSpec {
  std::string path;  // absolute host path of a directory
  bool read_only = true;
  std::optional<Policy::Options> policy;  // set: hide what the policy hides
};

struct RoleArgs {
  int sock_fd = -1;
  std::vector<TreeSpec> trees;
};

// Returns `spec` as the value of a --tree= argument.
std::string FormatTreeArg(const TreeSpec& spec);
// Parses the value of a --tree= argument; EINVAL if malformed.
Result<TreeSpec> ParseTreeArg(std::string_view arg);

// Returns the arguments after the role name: {"--sock-fd=N", "--tree=...", ...}.
std::vector<std::string> FormatRoleArgs(int sock_fd, const std::vector<TreeSpec>& trees);
// Parses the arguments after the role name; EINVAL (with `*error` set) if they are
// malformed, name no tree, or lack --sock-fd.
Result<RoleArgs> ParseRoleArgs(const std::vector<std::string_view>& args, std::string* error);

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_ROLE_ARGS_H_

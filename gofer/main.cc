#include "gofer/main.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/file_descriptor.h"
#include "base/logging.h"
#include "gofer/confine.h"
#include "gofer/filter.h"
#include "gofer/role_args.h"
#include "gofer/served_tree.h"
#include "gofer/server.h"

namespace kekkai::gofer {

namespace {

int Fail(const std::string& what) {
  fprintf(stderr, "kekkai gofer: %s\n", what.c_str());
  return 1;
}

// Opens the trees `args` names. Before confinement: afterwards no host path resolves.
Result<std::vector<ServedTree>> OpenTrees(const RoleArgs& args, std::string* error) {
  std::vector<ServedTree> trees;
  for (const TreeSpec& spec : args.trees) {
    ServedTree tree;
    tree.read_only = spec.read_only;
    tree.root.reset(open(spec.path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!tree.root.valid()) {
      *error = spec.path + ": " + strerror(errno);
      return LastErrno();
    }
    if (spec.policy.has_value()) {
      Result<Policy> policy = Policy::Create(*spec.policy);
      if (!policy.ok()) {
        *error = spec.path + ": bad policy options";
        return policy.error();
      }
      tree.policy = std::move(policy).value();
    }
    trees.push_back(std::move(tree));
  }
  return trees;
}

}  // namespace

int Main(int argc, char** argv) {
  // If the sentry's runtime dies, so does its gofer (the socket's EOF would end it
  // too, once the last holder of the other end is gone).
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  std::vector<std::string_view> args;
  for (int i = 2; i < argc; ++i) args.emplace_back(argv[i]);
  std::string error;
  Result<RoleArgs> parsed = ParseRoleArgs(args, &error);
  if (!parsed.ok()) return Fail(error);

  struct stat st;
  if (fstat(parsed->sock_fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
    return Fail("--sock-fd=" + std::to_string(parsed->sock_fd) + " is not a socket");
  }
  FileDescriptor sock(parsed->sock_fd);
  if (fcntl(sock.get(), F_SETFD, FD_CLOEXEC) != 0) return Fail("fcntl(F_SETFD) on the socket");

  Result<std::vector<ServedTree>> trees = OpenTrees(*parsed, &error);
  if (!trees.ok()) return Fail(error);
  if (Result<void> r = RaiseFdLimit(); !r.ok()) {
    LOG(WARNING) << "gofer: cannot raise RLIMIT_NOFILE: " << ErrnoName(r.error().value());
  }
  if (!Confine().ok()) return Fail("confinement failed");
  if (!InstallGoferFilter(sock.get(), LogFd()).ok()) return Fail("seccomp filter failed");

  Result<void> served = Serve(std::move(sock), std::move(trees).value());
  return served.ok() ? 0 : 1;
}

}  // namespace kekkai::gofer

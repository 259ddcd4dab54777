// gofer::Main: the hidden `kekkai gofer` role — the process that serves host files
// to one sandbox's sentry.
#ifndef KEKKAI_GOFER_MAIN_H_
#define KEKKAI_GOFER_MAIN_H_

namespace kekkai::gofer {

// The role's name on the command line: `kekkai gofer ARGS...` (role_args.h).
inline constexpr char kRoleName[] = "gofer";

// Runs the gofer for `kekkai gofer --sock-fd=N --tree=SPEC...` (argv[1] is the
// role name): opens every tree root, raises RLIMIT_NOFILE, dies with its parent
// (PR_SET_PDEATHSIG), confines itself (confine.h, filter.h) and serves until the
// sentry closes the socket. Returns the process exit status: 0 after a clean end,
// 1 if the command line is bad, a tree can't be opened or confinement fails.
int Main(int argc, char** argv);

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_MAIN_H_

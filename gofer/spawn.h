// SpawnGofer: starts a gofer process for the runtime.
#ifndef KEKKAI_GOFER_SPAWN_H_
#define KEKKAI_GOFER_SPAWN_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/file_descriptor.h"
#include "base/result.h"
#include "gofer/role_args.h"

namespace kekkai::gofer {

// A running gofer: its pid (the caller reaps it) and the sentry's end of its socket
// (hand it to Client::Create). Closing the socket ends the gofer.
struct GoferProcess {
  pid_t pid = -1;
  FileDescriptor sock;
};

// Starts `exe` (by default this binary) as `kekkai gofer` serving `trees`, over a
// new SOCK_SEQPACKET socketpair. Uses posix_spawn, so callers may have threads. The
// gofer gets only the socket (as fd 3) besides stdin/stdout/stderr, an empty
// environment and its own session (terminal signals don't reach it), and dies with
// the calling *thread* (PR_SET_PDEATHSIG): call from a long-lived thread.
Result<GoferProcess> SpawnGofer(const std::vector<TreeSpec>& trees,
                                const std::string& exe = "/proc/self/exe");

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_SPAWN_H_

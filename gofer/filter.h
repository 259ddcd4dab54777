// The gofer's seccomp filter: an allow-list of the host syscalls the request loop,
// malloc and logging need, argument-filtered where cheap; anything else kills the
// process.
#ifndef KEKKAI_GOFER_FILTER_H_
#define KEKKAI_GOFER_FILTER_H_

#include "base/result.h"

namespace kekkai::gofer {

// Installs the filter in the calling process (all threads that exist later inherit
// it). `sock_fd` is the only fd recvmsg/sendmsg may use, `log_fd` the only fd write
// may use. Requires PR_SET_NO_NEW_PRIVS or CAP_SYS_ADMIN; irreversible.
Result<void> InstallGoferFilter(int sock_fd, int log_fd);

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_FILTER_H_

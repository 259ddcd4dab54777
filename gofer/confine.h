// Confinement of the gofer process: what it does, after opening the trees it
// serves and before serving, so that a compromised gofer reaches little of the host.
#ifndef KEKKAI_GOFER_CONFINE_H_
#define KEKKAI_GOFER_CONFINE_H_

#include <linux/capability.h>

#include "base/result.h"

namespace kekkai::gofer {

// The capabilities serving needs: set owners, pass permission checks on the files
// it serves, set times and modes, keep set-id bits (CAP_CHOWN, CAP_DAC_OVERRIDE,
// CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID).
inline constexpr int kKeptCapabilities[] = {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
                                            CAP_FOWNER, CAP_FSETID};

// Raises RLIMIT_NOFILE as far as it goes (the gofer holds one fd per fid): to
// /proc/sys/fs/nr_open, or the hard limit without CAP_SYS_RESOURCE. Reads /proc:
// call before Confine().
Result<void> RaiseFdLimit();

// Confines the calling process: unshares its mount, network, IPC and UTS
// namespaces, makes mounts private, chroots into an empty read-only tmpfs, keeps
// only kKeptCapabilities (bounding, permitted, effective; none inheritable or
// ambient) and sets PR_SET_NO_NEW_PRIVS. Needs host root (CAP_SYS_ADMIN,
// CAP_SYS_CHROOT, CAP_SETPCAP). Single-threaded callers only; irreversible. Fds
// opened before stay usable: they are how the gofer reaches its trees.
Result<void> Confine();

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_CONFINE_H_

// Open flags: which open(2) flags the gofer honors from the sentry. Values are the
// kernel's (O_LARGEFILE is 0100000 even where glibc defines it as 0).
#ifndef KEKKAI_GOFER_OPEN_FLAGS_H_
#define KEKKAI_GOFER_OPEN_FLAGS_H_

#include <cstdint>

#include "base/result.h"

namespace kekkai::gofer {

// Returns `flags` without the bits the gofer sets or refuses itself (O_CREAT,
// O_EXCL, O_TMPFILE's own bit, O_PATH, O_CLOEXEC, O_NOCTTY, O_NOFOLLOW); EINVAL if
// what is left has a bit outside O_ACCMODE|O_TRUNC|O_APPEND|O_DIRECTORY|O_NONBLOCK|
// O_LARGEFILE|O_NOATIME|O_DSYNC|O_SYNC|O_DIRECT, or an access mode of 3.
Result<int> SanitizeOpenFlags(uint32_t flags);

// Returns whether sanitized `flags` may change the file (write access or O_TRUNC).
bool IsWriteOpen(int flags);

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_OPEN_FLAGS_H_

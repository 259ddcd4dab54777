#include "gofer/open_flags.h"

#include <fcntl.h>

#include "abi/linux/types.h"

namespace kekkai::gofer {

namespace {

namespace L = abi::linux;

constexpr uint32_t kOTmpfileBit = 020000000;  // __O_TMPFILE (O_TMPFILE also sets O_DIRECTORY)
constexpr uint32_t kOSync = 04010000;         // __O_SYNC | O_DSYNC

constexpr uint32_t kStripped =
    L::kOCreat | L::kOExcl | kOTmpfileBit | L::kOPath | L::kOCloexec | L::kONoctty | L::kONofollow;
constexpr uint32_t kAllowed = L::kOAccmode | L::kOTrunc | L::kOAppend | L::kODirectory |
                              L::kONonblock | L::kOLargefile | L::kONoatime | L::kODsync | kOSync |
                              L::kODirect;

static_assert(O_ACCMODE == L::kOAccmode && O_TRUNC == L::kOTrunc && O_APPEND == L::kOAppend &&
              O_DIRECTORY == L::kODirectory && O_NONBLOCK == L::kONonblock &&
              O_NOATIME == L::kONoatime && O_DSYNC == L::kODsync && O_SYNC == kOSync &&
              O_DIRECT == L::kODirect && O_PATH == L::kOPath &&
              O_TMPFILE == (kOTmpfileBit | O_DIRECTORY));

}  // namespace

Result<int> SanitizeOpenFlags(uint32_t flags) {
  flags &= ~kStripped;
  if ((flags & ~kAllowed) != 0) return Errno(EINVAL);
  if ((flags & L::kOAccmode) == L::kOAccmode) return Errno(EINVAL);
  return static_cast<int>(flags);
}

bool IsWriteOpen(int flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0; }

}  // namespace kekkai::gofer

// ToLinuxStat: a host struct stat as the guest's abi::linux::Stat (the host's
// numbers, owners included, as they are).
#ifndef KEKKAI_FS_HOSTVIEW_HOST_STAT_H_
#define KEKKAI_FS_HOSTVIEW_HOST_STAT_H_

#include <sys/stat.h>

#include "abi/linux/types.h"

namespace kekkai::fs::hostview {

// Returns `st` in the guest's layout.
abi::linux::Stat ToLinuxStat(const struct stat& st);

}  // namespace kekkai::fs::hostview

#endif  // KEKKAI_FS_HOSTVIEW_HOST_STAT_H_

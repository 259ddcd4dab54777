// Host attributes in wire form: struct stat as abi::linux::Stat, struct statfs as
// StatfsReply. Used by the gofer, and by the sentry to fstat() a donated O_PATH fd
// for fresh attributes without a round trip.
#ifndef KEKKAI_GOFER_HOST_STAT_H_
#define KEKKAI_GOFER_HOST_STAT_H_

#include <sys/stat.h>
#include <sys/statfs.h>

#include "abi/linux/types.h"
#include "base/result.h"
#include "gofer/protocol.h"

namespace kekkai::gofer {

// Returns `st` field by field as the kernel's x86-64 struct stat.
abi::linux::Stat ToAbiStat(const struct stat& st);

// Returns `st` field by field as a StatfsReply.
StatfsReply ToStatfsReply(const struct statfs& st);

// Returns fstat(2) of the borrowed `fd` (an O_PATH fd works) as an abi Stat.
Result<abi::linux::Stat> StatFd(int fd);

}  // namespace kekkai::gofer

#endif  // KEKKAI_GOFER_HOST_STAT_H_

// CheckPermission: Linux's generic_permission() — the owner, group and other mode
// bits, and the capabilities that override them — for a caller against a file.
#ifndef KEKKAI_FS_VFS_PERMISSION_H_
#define KEKKAI_FS_VFS_PERMISSION_H_

#include "abi/linux/types.h"
#include "base/result.h"
#include "sentry/auth/credentials.h"

namespace kekkai::fs::vfs {

// The MAY_* bits of a permission check (they match R_OK, W_OK and X_OK).
inline constexpr int kMayExec = 1;
inline constexpr int kMayWrite = 2;
inline constexpr int kMayRead = 4;

// Checks that `creds` (filesystem uid and gids, effective capabilities) may access a
// file whose stat is `st` for `mask` (kMay* bits): EACCES if not. CAP_DAC_OVERRIDE
// grants everything except executing a file with no x bit at all; nullptr `creds`
// stands for the sandbox's root with Docker's default capabilities.
Result<void> CheckPermission(const sentry::auth::Credentials* creds, const abi::linux::Stat& st,
                             int mask);

}  // namespace kekkai::fs::vfs

#endif  // KEKKAI_FS_VFS_PERMISSION_H_

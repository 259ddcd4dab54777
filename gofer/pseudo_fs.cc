#include "gofer/pseudo_fs.h"

#include <linux/magic.h>

namespace kekkai::gofer {

namespace {

// Filesystems whose files are the host kernel's state or controls.
constexpr int64_t kRefused[] = {
    PROC_SUPER_MAGIC,
    SYSFS_MAGIC,
    DEBUGFS_MAGIC,
    SECURITYFS_MAGIC,
    TRACEFS_MAGIC,
    CGROUP_SUPER_MAGIC,
    CGROUP2_SUPER_MAGIC,
    BPF_FS_MAGIC,
    SELINUX_MAGIC,
    SMACK_MAGIC,
    PSTOREFS_MAGIC,
    EFIVARFS_MAGIC,
    BINFMTFS_MAGIC,
    NSFS_MAGIC,
    DEVPTS_SUPER_MAGIC,
    RDTGROUP_SUPER_MAGIC,
    0x62656570 /* configfs */,
    0x65735543 /* fusectl */,
    0x6c6f6f70 /* binderfs */,
};

}  // namespace

bool IsRefusedFilesystem(int64_t f_type) {
  // statfs reports the magic in a signed long; compare the low 32 bits.
  const uint32_t magic = static_cast<uint32_t>(f_type);
  for (int64_t r : kRefused) {
    if (magic == static_cast<uint32_t>(r)) return true;
  }
  return false;
}

}  // namespace kekkai::gofer

#include "gofer/confine.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "base/file_descriptor.h"
#include "base/logging.h"

namespace kekkai::gofer {

namespace {

// Existing directories to mount the empty root on (in the private namespace only).
constexpr const char* kMountPoints[] = {"/tmp", "/mnt", "/var/tmp", "/media", "/opt", "/srv"};

Result<long> ReadNrOpen() {
  FileDescriptor fd(open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return LastErrno();
  char buf[32] = {};
  const ssize_t n = read(fd.get(), buf, sizeof(buf) - 1);
  if (n <= 0) return Errno(EIO);
  const long v = strtol(buf, nullptr, 10);
  if (v <= 0) return Errno(EIO);
  return v;
}

Result<void> EnterEmptyRoot() {
  if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) != 0) {
    PLOG(ERROR) << "gofer: unshare";
    return LastErrno();
  }
  // Nothing mounted here may reach the host's namespace.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    PLOG(ERROR) << "gofer: making mounts private";
    return LastErrno();
  }
  const char* dir = nullptr;
  for (const char* d : kMountPoints) {
    struct stat st;
    if (lstat(d, &st) == 0 && S_ISDIR(st.st_mode)) {
      dir = d;
      break;
    }
  }
  if (dir == nullptr) {
    LOG(ERROR) << "gofer: no directory to mount an empty root on";
    return Errno(ENOENT);
  }
  if (mount("kekkai-gofer", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
            "size=4k,nr_inodes=2,mode=0555") != 0) {
    PLOG(ERROR) << "gofer: mount tmpfs on " << dir;
    return LastErrno();
  }
  if (chdir(dir) != 0 || chroot(".") != 0 || chdir("/") != 0) {
    PLOG(ERROR) << "gofer: chroot into the empty root";
    return LastErrno();
  }
  return Ok();
}

bool IsKept(int cap) {
  for (int k : kKeptCapabilities) {
    if (k == cap) return true;
  }
  return false;
}

Result<void> DropCapabilities() {
  // The bounding set first: dropping from it needs CAP_SETPCAP, which goes next.
  for (int cap = 0; cap <= 63; ++cap) {
    if (IsKept(cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      PLOG(ERROR) << "gofer: PR_CAPBSET_DROP " << cap;
      return LastErrno();
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    PLOG(ERROR) << "gofer: clearing ambient capabilities";
    return LastErrno();
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  for (int cap : kKeptCapabilities) {
    data[cap / 32].effective |= 1u << (cap % 32);
    data[cap / 32].permitted |= 1u << (cap % 32);
  }
  if (syscall(SYS_capset, &header, data) != 0) {
    PLOG(ERROR) << "gofer: capset";
    return LastErrno();
  }
  return Ok();
}

}  // namespace

Result<void> RaiseFdLimit() {
  ASSIGN_OR_RETURN(const long nr_open, ReadNrOpen());
  rlimit want{static_cast<rlim_t>(nr_open), static_cast<rlim_t>(nr_open)};
  if (setrlimit(RLIMIT_NOFILE, &want) == 0) return Ok();
  // Without CAP_SYS_RESOURCE the hard limit is as far as it goes.
  rlimit cur;
  if (getrlimit(RLIMIT_NOFILE, &cur) != 0) return LastErrno();
  cur.rlim_cur = cur.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &cur) != 0) return LastErrno();
  return Ok();
}

Result<void> Confine() {
  RETURN_IF_ERROR(EnterEmptyRoot());
  RETURN_IF_ERROR(DropCapabilities());
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    PLOG(ERROR) << "gofer: PR_SET_NO_NEW_PRIVS";
    return LastErrno();
  }
  return Ok();
}

}  // namespace kekkai::gofer

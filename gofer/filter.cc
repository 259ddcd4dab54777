#include "gofer/filter.h"

#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

#include "base/logging.h"

namespace kekkai::gofer {

namespace {

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(static_cast<scmp_filter_ctx>(ctx)); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

// Every syscall allowed with any arguments. Read off strace of a gofer serving
// every op; malloc's needs (single-threaded: brk, and mmap/munmap for large blocks);
// abort() (rt_sigprocmask, gettid, getpid, tgkill below).
constexpr int kUnconditional[] = {
    // The request loop's file operations. Each takes an fd the gofer holds and at
    // most one path component the gofer validated.
    SCMP_SYS(close),      SCMP_SYS(fstatfs),        SCMP_SYS(getdents64), SCMP_SYS(lseek),
    SCMP_SYS(mkdirat),    SCMP_SYS(symlinkat),      SCMP_SYS(unlinkat),
    SCMP_SYS(renameat),  // glibc's renameat2 with flags 0
    SCMP_SYS(renameat2),  SCMP_SYS(readlinkat),     SCMP_SYS(fchown),     SCMP_SYS(fchmod),
    SCMP_SYS(ftruncate),  SCMP_SYS(umask),          SCMP_SYS(brk),        SCMP_SYS(munmap),
    SCMP_SYS(fgetxattr),  SCMP_SYS(fsetxattr),      SCMP_SYS(flistxattr), SCMP_SYS(fremovexattr),
    SCMP_SYS(exit_group), SCMP_SYS(rt_sigprocmask), SCMP_SYS(getpid),     SCMP_SYS(gettid),
};

// One argument comparison (libseccomp's SCMP_A* macros leave a field out, which
// -Werror=missing-field-initializers refuses in C++).
constexpr scmp_arg_cmp Arg(unsigned arg, scmp_compare op, scmp_datum_t a, scmp_datum_t b = 0) {
  return scmp_arg_cmp{arg, op, a, b};
}
constexpr scmp_arg_cmp Eq(unsigned arg, scmp_datum_t v) { return Arg(arg, SCMP_CMP_EQ, v); }
// Holds when (argument & mask) == v.
constexpr scmp_arg_cmp Masked(unsigned arg, scmp_datum_t mask, scmp_datum_t v) {
  return Arg(arg, SCMP_CMP_MASKED_EQ, mask, v);
}

class FilterBuilder {
 public:
  explicit FilterBuilder(scmp_filter_ctx ctx) : ctx_(ctx) {}

  // Allows `nr` when all of `args` hold; records the first failure.
  template <typename... A>
  void Allow(int nr, A... args) {
    if (rc_ != 0) return;
    const scmp_arg_cmp cmps[] = {args..., Eq(0, 0) /* unused: no empty arrays */};
    rc_ = seccomp_rule_add_array(ctx_, SCMP_ACT_ALLOW, nr, sizeof...(A), cmps);
    if (rc_ != 0) failed_nr_ = nr;
  }

  int rc() const { return rc_; }
  int failed_nr() const { return failed_nr_; }

 private:
  scmp_filter_ctx ctx_;
  int rc_ = 0;
  int failed_nr_ = -1;
};

}  // namespace

Result<void> InstallGoferFilter(int sock_fd, int log_fd) {
  Ctx ctx(seccomp_init(SCMP_ACT_KILL_PROCESS));
  if (ctx == nullptr) {
    LOG(ERROR) << "seccomp_init failed";
    return Errno(ENOMEM);
  }
  FilterBuilder b(ctx.get());
  for (int nr : kUnconditional) b.Allow(nr);

  const auto fd0 = [](int fd) { return Eq(0, static_cast<scmp_datum_t>(fd)); };
  // Only the sentry's socket, only the flags the loop passes.
  b.Allow(SCMP_SYS(recvmsg), fd0(sock_fd), Eq(2, MSG_CMSG_CLOEXEC));
  b.Allow(SCMP_SYS(sendmsg), fd0(sock_fd), Eq(2, MSG_NOSIGNAL));
  b.Allow(SCMP_SYS(write), fd0(log_fd));
  // Never follow a symlink; create only exclusively.
  b.Allow(SCMP_SYS(openat), Masked(2, O_NOFOLLOW | O_CREAT, O_NOFOLLOW));
  b.Allow(SCMP_SYS(openat),
          Masked(2, O_NOFOLLOW | O_CREAT | O_EXCL, O_NOFOLLOW | O_CREAT | O_EXCL));
  // fstatat for fstat(2) (AT_EMPTY_PATH) and for listing (AT_SYMLINK_NOFOLLOW).
  b.Allow(SCMP_SYS(newfstatat), Eq(3, AT_EMPTY_PATH));
  b.Allow(SCMP_SYS(newfstatat), Eq(3, AT_SYMLINK_NOFOLLOW));
  // On the node's own O_PATH fd only.
  b.Allow(SCMP_SYS(fchownat), Eq(4, AT_EMPTY_PATH));
  b.Allow(SCMP_SYS(utimensat), Eq(3, AT_EMPTY_PATH));
  b.Allow(SCMP_SYS(linkat), Eq(4, AT_EMPTY_PATH));
  for (int cmd : {F_GETFL, F_SETFL, F_DUPFD_CLOEXEC}) {
    b.Allow(SCMP_SYS(fcntl), Eq(1, static_cast<scmp_datum_t>(cmd)));
  }
  // Memory for malloc, never executable.
  b.Allow(SCMP_SYS(mmap), Masked(2, PROT_EXEC, 0));
  // abort(): a signal to itself only.
  b.Allow(SCMP_SYS(tgkill), Eq(0, static_cast<scmp_datum_t>(getpid())));
  if (b.rc() != 0) {
    LOG(ERROR) << "seccomp_rule_add(" << b.failed_nr() << "): " << ErrnoName(-b.rc());
    return Errno(-b.rc());
  }
  const int rc = seccomp_load(ctx.get());
  if (rc != 0) {
    LOG(ERROR) << "seccomp_load: " << ErrnoName(-rc);
    return Errno(-rc);
  }
  return Ok();
}

}  // namespace kekkai::gofer

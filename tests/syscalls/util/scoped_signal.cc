#include "tests/syscalls/util/scoped_signal.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

namespace kekkai::syscall_test {

ErrnoOr<Cleanup> ScopedSigaction(int sig, const struct sigaction& sa) {
  struct sigaction old = {};
  if (sigaction(sig, &sa, &old) != 0) {
    return ErrnoOr<Cleanup>::Error(errno, "sigaction(" + std::to_string(sig) + ")");
  }
  return Cleanup([sig, old] {
    if (sigaction(sig, &old, nullptr) != 0) {
      ADD_FAILURE() << "restoring the action of signal " << sig << ": " << ErrnoName(errno);
    }
  });
}

ErrnoOr<Cleanup> ScopedSignalMask(int how, const sigset_t& set) {
  sigset_t old;
  if (sigprocmask(how, &set, &old) != 0) return ErrnoOr<Cleanup>::Error(errno, "sigprocmask");
  return Cleanup([old] {
    if (sigprocmask(SIG_SETMASK, &old, nullptr) != 0) {
      ADD_FAILURE() << "restoring the signal mask: " << ErrnoName(errno);
    }
  });
}

ErrnoOr<Cleanup> ScopedSigaltstack(const stack_t& ss) {
  stack_t old = {};
  if (sigaltstack(&ss, &old) != 0) return ErrnoOr<Cleanup>::Error(errno, "sigaltstack");
  return Cleanup([old] {
    stack_t restore = old;
    // The flags read back may say SS_DISABLE; anything else (SS_AUTODISARM) is
    // reinstated as it was.
    if (sigaltstack(&restore, nullptr) != 0) {
      ADD_FAILURE() << "restoring the alternate signal stack: " << ErrnoName(errno);
    }
  });
}

sigset_t SigsetOf(std::initializer_list<int> sigs) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : sigs) sigaddset(&set, sig);
  return set;
}

int RaiseToSelf(int sig) {
  return static_cast<int>(
      syscall(SYS_tgkill, getpid(), static_cast<pid_t>(syscall(SYS_gettid)), sig));
}

}  // namespace kekkai::syscall_test

// Signal state a test changes and must put back: dispositions, the signal mask,
// the alternate signal stack; and raising a signal at the calling thread with one
// system call.
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_SCOPED_SIGNAL_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_SCOPED_SIGNAL_H_

#include <signal.h>

#include <initializer_list>

#include "tests/syscalls/util/cleanup.h"
#include "tests/syscalls/util/errno_or.h"

namespace kekkai::syscall_test {

// Installs `sa` for `sig`; the returned Cleanup reinstalls the previous action.
ErrnoOr<Cleanup> ScopedSigaction(int sig, const struct sigaction& sa);

// Applies sigprocmask(how, set); the returned Cleanup restores the previous mask.
ErrnoOr<Cleanup> ScopedSignalMask(int how, const sigset_t& set);

// Installs `ss` as the alternate signal stack; the returned Cleanup restores the
// previous one.
ErrnoOr<Cleanup> ScopedSigaltstack(const stack_t& ss);

// Returns the set holding exactly `sigs`.
sigset_t SigsetOf(std::initializer_list<int> sigs);

// Sends `sig` to the calling thread with tgkill(2) (no libc signal blocking around
// it, unlike raise(3)); returns its result.
int RaiseToSelf(int sig);

}  // namespace kekkai::syscall_test

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_SCOPED_SIGNAL_H_

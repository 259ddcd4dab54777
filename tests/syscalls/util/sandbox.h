// Tells whether a test program runs under kekkai. Only for skipping what the
// sandbox deliberately lacks, each skip with its reason — never for changing what
// a test expects: the same expectations hold natively and sandboxed.
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_SANDBOX_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_SANDBOX_H_

#include <gtest/gtest.h>

namespace kekkai::syscall_test {

// Returns whether this program runs under kekkai (its uname(2) version names it).
bool RunningInKekkai();

}  // namespace kekkai::syscall_test

// Skips the current test under kekkai, saying why the sandbox lacks it by design.
#define SKIP_IF_KEKKAI(reason) \
  if (::kekkai::syscall_test::RunningInKekkai()) GTEST_SKIP() << "kekkai: " << (reason)

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_SANDBOX_H_

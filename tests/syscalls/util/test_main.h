// The main() of every syscall test program (test_main.cc) and what it records for
// the tests.
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_TEST_MAIN_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_TEST_MAIN_H_

namespace kekkai::syscall_test {

// Returns argv[0] as main() received it.
const char* TestProgramArgv0();

}  // namespace kekkai::syscall_test

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_TEST_MAIN_H_

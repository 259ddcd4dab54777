// main() for the syscall test programs: our own rather than libgtest_main, so the
// programs link statically against libgtest.a alone, and argv[0] is kept.
#include "tests/syscalls/util/test_main.h"

#include <gtest/gtest.h>
#include <stdio.h>

namespace kekkai::syscall_test {
namespace {
const char* g_argv0 = "";
}  // namespace

const char* TestProgramArgv0() { return g_argv0; }

}  // namespace kekkai::syscall_test

int main(int argc, char** argv) {
  if (argc > 0) kekkai::syscall_test::g_argv0 = argv[0];
  // Line-buffered, so a program that dies mid-test has said which test it was in
  // (the runner reads that).
  setvbuf(stdout, nullptr, _IOLBF, 0);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

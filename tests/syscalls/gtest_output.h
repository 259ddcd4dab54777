// Reads a GoogleTest program's console output (not its XML, which a sandboxed
// program can't write yet): which tests passed, failed or were skipped, which
// test was still running when the output stopped, and whether the program got
// to the end of its run.
#ifndef KEKKAI_TESTS_SYSCALLS_GTEST_OUTPUT_H_
#define KEKKAI_TESTS_SYSCALLS_GTEST_OUTPUT_H_

#include <string>
#include <vector>

namespace kekkai::tests::syscalls {

enum class Verdict { kPassed, kFailed, kSkipped };

struct TestResult {
  std::string name;  // "Suite.Name", "Prefix/Suite.Name/3"
  Verdict verdict = Verdict::kPassed;
  std::string why;     // set by the runner for a test that died: "signal 11 (...)"
  std::string output;  // what the test printed between its RUN line and its result
};

struct GtestRun {
  std::vector<TestResult> decided;  // in output order
  std::string running;              // started and not decided when the output ended
  std::string running_output;       // what that test printed
  bool finished = false;            // the closing "[==========] ... ran." line came
};

// Parses the output of a run without --gtest_brief: the "[ RUN      ]" lines and
// the per-test "[       OK ]" / "[  FAILED  ]" / "[  SKIPPED ]" lines (those
// ending in "(N ms)"; the summary's lists are not results).
GtestRun ParseGtestOutput(const std::string& out);

}  // namespace kekkai::tests::syscalls

#endif  // KEKKAI_TESTS_SYSCALLS_GTEST_OUTPUT_H_

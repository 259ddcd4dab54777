#include "tests/syscalls/gtest_output.h"

#include <string_view>

namespace kekkai::tests::syscalls {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Returns the test name in a result line's remainder "Suite.Name (3 ms)" or
// "Suite/P.Name/0, where GetParam() = ... (3 ms)"; empty if it isn't one.
std::string ResultLineTestName(std::string_view rest) {
  if (rest.size() < 5 || rest.substr(rest.size() - 4) != " ms)") return "";
  return std::string(rest.substr(0, rest.find_first_of(" ,")));
}

}  // namespace

GtestRun ParseGtestOutput(const std::string& out) {
  struct Tag {
    std::string_view text;
    Verdict verdict;
  };
  static constexpr Tag kTags[] = {{"[       OK ] ", Verdict::kPassed},
                                  {"[  FAILED  ] ", Verdict::kFailed},
                                  {"[  SKIPPED ] ", Verdict::kSkipped}};
  GtestRun run;
  std::string current_output;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t nl = out.find('\n', pos);
    if (nl == std::string::npos) nl = out.size();
    const std::string_view line(out.data() + pos, nl - pos);
    pos = nl + 1;
    if (StartsWith(line, "[ RUN      ] ")) {
      run.running = std::string(line.substr(13));
      current_output.clear();
      continue;
    }
    bool decided = false;
    for (const Tag& tag : kTags) {
      if (!StartsWith(line, tag.text)) continue;
      const std::string name = ResultLineTestName(line.substr(tag.text.size()));
      if (!name.empty() && name == run.running) {
        run.decided.push_back(TestResult{name, tag.verdict, "", current_output});
        run.running.clear();
        current_output.clear();
        decided = true;
      }
      break;
    }
    if (decided) continue;
    if (StartsWith(line, "[==========] ") && line.find(" ran.") != std::string_view::npos) {
      run.finished = true;
      continue;
    }
    if (!run.running.empty()) {
      current_output.append(line);
      current_output.push_back('\n');
    }
  }
  run.running_output = current_output;
  return run;
}

}  // namespace kekkai::tests::syscalls

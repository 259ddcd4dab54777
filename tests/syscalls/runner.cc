// syscall_test_runner: runs each syscall test program natively and under kekkai
// (one column per platform) and prints one table of passed/failed/skipped counts,
// then the failing tests of each column — the seed of `kekkai test`.
//
//   syscall_test_runner [--kekkai=PATH] [--platforms=ptrace,...] [--timeout=SECONDS]
//                       [--jobs=N] [--verbose] PROGRAM...
//
// The kekkai binary comes from --kekkai or $KEKKAI. Results are read from gtest's
// console output (a sandboxed program can't write an XML file yet): the per-test
// "[       OK ]" / "[  FAILED  ]" / "[  SKIPPED ]" lines and the closing
// "[==========] ... ran." line. A program that dies or hangs inside a test has
// that test counted as failed (with why), and is run again without the tests
// already decided, until every test has a result.
//
// Exit status: 0 if every test passed or was skipped in every column, 1 if any
// failed (or a program could not run), 2 on a usage error.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/e2e/subprocess.h"
#include "tests/syscalls/gtest_output.h"

extern char** environ;

namespace kekkai::tests::syscalls {
namespace {

using e2e::Outcome;
using e2e::SpawnOptions;
using std::chrono::milliseconds;

struct Options {
  std::string kekkai;
  std::vector<std::string> platforms = {"ptrace"};
  int timeout_seconds = 60;
  int jobs = 1;
  bool verbose = false;
  std::vector<std::string> programs;
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// One program in one column.
struct Cell {
  std::vector<TestResult> tests;
  std::string error;  // the program itself failed to run or to finish cleanly
  int runs = 0;
  double seconds = 0;

  int Count(Verdict v) const {
    return static_cast<int>(std::count_if(tests.begin(), tests.end(),
                                          [v](const TestResult& t) { return t.verdict == v; }));
  }
  bool Ok() const { return error.empty() && Count(Verdict::kFailed) == 0; }
};

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string Tail(const std::string& s, size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

// Runs `program` in one column (platform "native" or a kekkai platform) until
// every test has a result.
Cell RunCell(const Options& opts, const std::string& program, const std::string& platform) {
  Cell cell;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);

  std::set<std::string> seen;
  // A bound on reruns: every rerun follows a run that decided at least one test.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    SpawnOptions so;
    if (platform != "native") {
      so.argv = {opts.kekkai, "run", "--platform=" + platform, "--"};
    }
    so.argv.push_back(program);
    so.argv.push_back("--gtest_color=no");
    if (!seen.empty()) {
      std::string filter = "--gtest_filter=-";
      bool first = true;
      for (const std::string& name : seen) {
        if (!first) filter += ':';
        filter += name;
        first = false;
      }
      so.argv.push_back(filter);
    }
    so.env = env;
    const Outcome o = e2e::Run(so, milliseconds(opts.timeout_seconds * 1000LL));
    ++cell.runs;
    GtestRun p = ParseGtestOutput(o.out);
    for (TestResult& t : p.decided) {
      if (seen.insert(t.name).second) cell.tests.push_back(std::move(t));
    }
    const bool clean_exit = !o.timed_out && o.spawn_error.empty() && (o.Exited(0) || o.Exited(1));
    if (p.finished) {
      if (!clean_exit) {
        cell.error = "after its tests, " + o.Status() + "\n" + Tail(o.err, 2000);
      }
      break;
    }
    if (!p.running.empty() && seen.insert(p.running).second) {
      // Died or hung inside a test: that test failed; run the rest again.
      cell.tests.push_back(TestResult{p.running, Verdict::kFailed, o.Status(),
                                      p.running_output + Tail(o.err, 2000)});
      continue;
    }
    if (p.decided.empty()) {
      cell.error =
          o.spawn_error.empty() ? o.Status() + "\n" + Tail(o.out + o.err, 2000) : o.spawn_error;
      break;
    }
    // Output ended between tests: run the rest again.
  }
  cell.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return cell;
}

std::string CellText(const Cell& c) {
  if (!c.error.empty() && c.tests.empty()) return "error";
  std::string s = std::to_string(c.Count(Verdict::kPassed)) + "/" +
                  std::to_string(c.Count(Verdict::kFailed)) + "/" +
                  std::to_string(c.Count(Verdict::kSkipped));
  if (!c.error.empty()) s += " +error";
  return s;
}

bool ParseArgs(int argc, char** argv, Options* o) {
  if (const char* k = getenv("KEKKAI"); k != nullptr) o->kekkai = k;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view flag) -> std::string {
      return std::string(a.substr(flag.size()));
    };
    if (StartsWith(a, "--kekkai=")) {
      o->kekkai = value("--kekkai=");
    } else if (StartsWith(a, "--platforms=")) {
      o->platforms.clear();
      std::string list = value("--platforms=");
      size_t start = 0;
      while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        if (comma > start) o->platforms.push_back(list.substr(start, comma - start));
        start = comma + 1;
      }
    } else if (StartsWith(a, "--timeout=")) {
      o->timeout_seconds = atoi(value("--timeout=").c_str());
      if (o->timeout_seconds <= 0) return false;
    } else if (StartsWith(a, "--jobs=")) {
      o->jobs = atoi(value("--jobs=").c_str());
      if (o->jobs <= 0) return false;
    } else if (a == "--verbose" || a == "-v") {
      o->verbose = true;
    } else if (StartsWith(a, "-")) {
      return false;
    } else {
      o->programs.emplace_back(a);
    }
  }
  return !o->programs.empty();
}

int Main(int argc, char** argv) {
  Options opts;
  if (!ParseArgs(argc, argv, &opts)) {
    fprintf(stderr,
            "usage: %s [--kekkai=PATH] [--platforms=ptrace,...] [--timeout=SECONDS] "
            "[--jobs=N] [--verbose] PROGRAM...\n",
            argv[0]);
    return 2;
  }
  std::vector<std::string> columns = {"native"};
  for (const std::string& p : opts.platforms) columns.push_back(p);
  const bool have_kekkai = !opts.kekkai.empty() && access(opts.kekkai.c_str(), X_OK) == 0;

  // cells[program][column]
  std::vector<std::vector<Cell>> cells(opts.programs.size(), std::vector<Cell>(columns.size()));
  std::vector<std::pair<size_t, size_t>> work;
  for (size_t p = 0; p < opts.programs.size(); ++p) {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c > 0 && !have_kekkai) {
        cells[p][c].error = "no kekkai binary (--kekkai or $KEKKAI): \"" + opts.kekkai + "\"";
        continue;
      }
      work.emplace_back(p, c);
    }
  }
  std::atomic<size_t> next{0};
  std::mutex print_mu;
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < work.size();) {
      auto [p, c] = work[i];
      cells[p][c] = RunCell(opts, opts.programs[p], columns[c]);
      std::lock_guard<std::mutex> lock(print_mu);
      fprintf(stderr, "ran %s [%s]: %s in %.1fs\n", Basename(opts.programs[p]).c_str(),
              columns[c].c_str(), CellText(cells[p][c]).c_str(), cells[p][c].seconds);
    }
  };
  std::vector<std::thread> threads;
  for (int j = 0; j < std::min<int>(opts.jobs, static_cast<int>(work.size())); ++j) {
    threads.emplace_back(worker);
  }
  for (std::thread& t : threads) t.join();

  // The table.
  size_t name_width = 7;
  for (const std::string& p : opts.programs) name_width = std::max(name_width, Basename(p).size());
  constexpr int kCellWidth = 18;
  printf("\nsyscall tests: passed/failed/skipped per program, natively and under kekkai\n\n");
  printf("%-*s", static_cast<int>(name_width) + 2, "program");
  for (const std::string& c : columns) printf("%-*s", kCellWidth, c.c_str());
  printf("\n");
  std::vector<Cell> totals(columns.size());
  for (size_t p = 0; p < opts.programs.size(); ++p) {
    printf("%-*s", static_cast<int>(name_width) + 2, Basename(opts.programs[p]).c_str());
    for (size_t c = 0; c < columns.size(); ++c) {
      printf("%-*s", kCellWidth, CellText(cells[p][c]).c_str());
      for (const TestResult& t : cells[p][c].tests) totals[c].tests.push_back(t);
      if (!cells[p][c].error.empty()) totals[c].error = "x";
    }
    printf("\n");
  }
  printf("%-*s", static_cast<int>(name_width) + 2, "total");
  for (const Cell& t : totals) printf("%-*s", kCellWidth, CellText(t).c_str());
  printf("\n");

  bool ok = true;
  for (size_t c = 0; c < columns.size(); ++c) {
    std::vector<std::string> lines;
    for (size_t p = 0; p < opts.programs.size(); ++p) {
      const Cell& cell = cells[p][c];
      const std::string prog = Basename(opts.programs[p]);
      if (!cell.error.empty()) {
        lines.push_back(prog + ": program error: " + cell.error);
      }
      for (const TestResult& t : cell.tests) {
        if (t.verdict != Verdict::kFailed) continue;
        std::string line = prog + "  " + t.name;
        if (!t.why.empty()) line += "  (" + t.why + ")";
        if (opts.verbose && !t.output.empty()) line += "\n" + t.output;
        lines.push_back(line);
      }
    }
    if (lines.empty()) continue;
    ok = false;
    printf("\nfailing %s%s:\n", columns[c] == "native" ? "natively" : "under ",
           columns[c] == "native" ? "" : columns[c].c_str());
    for (const std::string& l : lines) printf("  %s\n", l.c_str());
  }
  if (ok) printf("\nall tests passed in every column\n");
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace kekkai::tests::syscalls

int main(int argc, char** argv) { return kekkai::tests::syscalls::Main(argc, argv); }

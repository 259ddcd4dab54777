// Process-tree inspection for the end-to-end tests: which processes are the
// caller's children or a process's descendants (from /proc/*/stat), and a
// bounded wait until none of the caller's children are left — how the tests
// prove that kekkai leaves no sentry, gofer or stub behind. The caller should be
// a child subreaper (prctl(PR_SET_CHILD_SUBREAPER)) so orphans reparent to it.
#ifndef KEKKAI_TESTS_E2E_PROCESS_TREE_H_
#define KEKKAI_TESTS_E2E_PROCESS_TREE_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace kekkai::tests::e2e {

struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';
  std::string comm;
};

// Returns every process visible in /proc.
std::vector<ProcessInfo> ListProcesses();

// Returns the processes whose parent is `parent`.
std::vector<ProcessInfo> ChildrenOf(pid_t parent);

// Returns all descendants of `root` (children, their children, …).
std::vector<ProcessInfo> DescendantsOf(pid_t root);

// Returns whether `pid` still exists (a zombie counts).
bool ProcessExists(pid_t pid);

// Reaps the caller's exited children and waits, up to `timeout`, until it has
// none left. Returns the ones still there at the deadline — after describing
// them in the returned list it SIGKILLs and reaps them, so one failing test
// doesn't leak processes into the next.
std::vector<ProcessInfo> ReapUntilNoChildren(std::chrono::milliseconds timeout);

// Returns "pid 123 (comm) state S ppid 1, …" for failure messages.
std::string Describe(const std::vector<ProcessInfo>& processes);

}  // namespace kekkai::tests::e2e

#endif  // KEKKAI_TESTS_E2E_PROCESS_TREE_H_

#include "tests/e2e/process_tree.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace kekkai::tests::e2e {
namespace {

// Parses /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces and
// parentheses, so it ends at the last ')'.
bool ReadStat(pid_t pid, ProcessInfo* info) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return false;
  const size_t open = line.find('(');
  const size_t close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  std::istringstream rest(line.substr(close + 1));
  long ppid = 0;
  if (!(rest >> info->state >> ppid)) return false;
  info->pid = pid;
  info->ppid = static_cast<pid_t>(ppid);
  info->comm = line.substr(open + 1, close - open - 1);
  return true;
}

void ReapExited() {
  int status;
  while (waitpid(-1, &status, WNOHANG) > 0) {
  }
}

}  // namespace

std::vector<ProcessInfo> ListProcesses() {
  std::vector<ProcessInfo> out;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    const long pid = strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    ProcessInfo info;
    if (ReadStat(static_cast<pid_t>(pid), &info)) out.push_back(info);
  }
  closedir(dir);
  return out;
}

std::vector<ProcessInfo> ChildrenOf(pid_t parent) {
  std::vector<ProcessInfo> out;
  for (const ProcessInfo& p : ListProcesses()) {
    if (p.ppid == parent) out.push_back(p);
  }
  return out;
}

std::vector<ProcessInfo> DescendantsOf(pid_t root) {
  const std::vector<ProcessInfo> all = ListProcesses();
  std::vector<ProcessInfo> out;
  std::vector<pid_t> frontier = {root};
  while (!frontier.empty()) {
    const pid_t parent = frontier.back();
    frontier.pop_back();
    for (const ProcessInfo& p : all) {
      if (p.ppid == parent) {
        out.push_back(p);
        frontier.push_back(p.pid);
      }
    }
  }
  return out;
}

bool ProcessExists(pid_t pid) { return kill(pid, 0) == 0 || errno == EPERM; }

std::vector<ProcessInfo> ReapUntilNoChildren(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    ReapExited();
    std::vector<ProcessInfo> left = ChildrenOf(getpid());
    if (left.empty()) return left;
    if (std::chrono::steady_clock::now() >= deadline) {
      for (const ProcessInfo& p : left) kill(p.pid, SIGKILL);
      for (const ProcessInfo& p : left) {
        int status;
        waitpid(p.pid, &status, 0);
      }
      return left;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string Describe(const std::vector<ProcessInfo>& processes) {
  std::string s;
  for (const ProcessInfo& p : processes) {
    if (!s.empty()) s += ", ";
    s += "pid " + std::to_string(p.pid) + " (" + p.comm + ") state " + p.state + " ppid " +
         std::to_string(p.ppid);
  }
  return s.empty() ? "none" : s;
}

}  // namespace kekkai::tests::e2e

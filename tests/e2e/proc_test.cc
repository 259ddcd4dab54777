// End-to-end tests of /proc with real programs: python3 parses /proc/self/maps
// (every line well formed, the python binary, libc and [stack] mapped) and
// /proc/self/status (every line "Key:\tvalue", Pid/PPid/Uid agree with os, VmRSS
// > 0), and coreutils' `ls -la /proc/self/fd` lists 0 1 2 and its own directory
// fd with link targets. The same programs run natively first and must print the
// same. Sandboxed only: /proc shows the sandbox's own pids and mounts, none of
// the host's.
//
// meson runs this program twice: e2e_proc_native (--gtest_filter=Native*) and
// e2e_proc_ptrace. The tests skip when /usr/bin/python3 or /bin/ls is missing.
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/kekkai_run.h"
#include "tests/e2e/subprocess.h"

namespace kekkai::tests::e2e {
namespace {

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kLs[] = "/bin/ls";

#define REQUIRE_PROGRAM(path)                              \
  do {                                                     \
    if (!IsExecutable(path)) GTEST_SKIP() << path << " is missing"; \
  } while (0)

constexpr char kMapsScript[] = R"(
import os, re, sys
pat = re.compile(r'^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]{8,}) '
                 r'([0-9a-f]{2,}):([0-9a-f]{2,}) (\d+)(?: +(.*))?$')
names, bad = [], []
for line in open('/proc/self/maps').read().splitlines():
    m = pat.match(line)
    if not m or int(m.group(1), 16) >= int(m.group(2), 16):
        bad.append(line)
        continue
    names.append(m.group(8) or '')
print('bad', bad)
print('python', os.path.realpath(sys.executable) in names)
print('libc', any(re.search(r'/libc[.-]', n) for n in names))
print('stack', '[stack]' in names)
)";

constexpr char kMapsExpected[] = "bad []\npython True\nlibc True\nstack True\n";

constexpr char kStatusScript[] = R"(
import os, re
st, bad = {}, []
for line in open('/proc/self/status').read().splitlines():
    m = re.match(r'^([A-Za-z_][A-Za-z0-9_()]*):\t(.*)$', line)
    if not m:
        bad.append(line)
        continue
    st[m.group(1)] = m.group(2)
print('bad', bad)
print('pid', int(st['Pid']) == os.getpid() and int(st['Tgid']) == os.getpid())
print('ppid', int(st['PPid']) == os.getppid())
print('uid', [int(x) for x in st['Uid'].split()][:3] == list(os.getresuid()))
print('gid', [int(x) for x in st['Gid'].split()][:3] == list(os.getresgid()))
print('rss', st['VmRSS'].endswith(' kB') and int(st['VmRSS'].split()[0]) > 0)
print('threads', int(st['Threads']) >= 1)
print('name', st['Name'] == open('/proc/self/comm').read().rstrip('\n'))
print('sigs', all(len(st[k]) == 16 and int(st[k], 16) >= 0
                  for k in ('SigPnd', 'ShdPnd', 'SigBlk', 'SigIgn', 'SigCgt', 'CapEff')))
stat = open('/proc/self/stat').read()
rest = stat[stat.rindex(')') + 2:].split()
print('stat', int(stat.split()[0]) == os.getpid() and len(rest) == 50 and
      int(rest[1]) == os.getppid())
)";

constexpr char kStatusExpected[] =
    "bad []\npid True\nppid True\nuid True\ngid True\nrss True\nthreads True\nname True\n"
    "sigs True\nstat True\n";

// What the sandbox's /proc shows of processes and mounts.
constexpr char kViewScript[] = R"(
import os
print('pids', sorted(n for n in os.listdir('/proc') if n.isdigit()))
print('pid', os.getpid(), 'ppid', os.getppid())
for line in open('/proc/self/mountinfo'):
    print('mount', line.split()[4])
)";

TEST(NativeProc, PythonParsesMaps) {
  REQUIRE_PROGRAM(kPython);
  const Outcome o = RunNative({kPython, "-c", kMapsScript});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, kMapsExpected) << o.Describe();
}

TEST(NativeProc, PythonParsesStatus) {
  REQUIRE_PROGRAM(kPython);
  const Outcome o = RunNative({kPython, "-c", kStatusScript});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, kStatusExpected) << o.Describe();
}

// Checks `ls -la /proc/self/fd` output: 0, 1 and 2 are links with targets, and
// one more fd is ls's own open directory, /proc/PID/fd.
void ExpectFdListing(const std::string& out, const std::string& pid_pattern) {
  std::set<std::string> fds;
  bool dir_fd = false;
  const std::regex line(R"(^l[rwx-]{9}\S* +\d+ +\S+ +\S+ +\d+ .* (\d+) -> (.+)$)");
  for (const std::string& l : SplitLines(out)) {
    std::smatch m;
    if (!std::regex_match(l, m, line)) continue;
    fds.insert(m[1]);
    if (std::regex_match(m[2].str(), std::regex("/proc/" + pid_pattern + "/fd"))) dir_fd = true;
  }
  EXPECT_TRUE(fds.count("0") && fds.count("1") && fds.count("2")) << out;
  EXPECT_TRUE(dir_fd) << out;
}

TEST(NativeProc, LsProcSelfFd) {
  REQUIRE_PROGRAM(kLs);
  const Outcome o = RunNative({kLs, "-la", "/proc/self/fd"});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  ExpectFdListing(o.out, R"(\d+)");
}

using Proc = Kekkai;

TEST_F(Proc, PythonParsesMaps) {
  REQUIRE_PROGRAM(kPython);
  const Outcome o = RunSandboxed({kPython, "-c", kMapsScript});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, kMapsExpected) << o.Describe();
  EXPECT_EQ(o.err, "") << o.Describe();
}

TEST_F(Proc, PythonParsesStatus) {
  REQUIRE_PROGRAM(kPython);
  const Outcome o = RunSandboxed({kPython, "-c", kStatusScript});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_EQ(o.out, kStatusExpected) << o.Describe();
  EXPECT_EQ(o.err, "") << o.Describe();
}

TEST_F(Proc, LsProcSelfFd) {
  REQUIRE_PROGRAM(kLs);
  const Outcome o = RunSandboxed({kLs, "-la", "/proc/self/fd"});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  // The guest is pid 1 of the sandbox.
  ExpectFdListing(o.out, "1");
}

// The caller's stdio shows in /proc/self/fd without its host path: a regular
// host file as "host:[ino]" (as gVisor's), never where it lives on the host.
TEST_F(Proc, StdioFromAHostFileHidesItsPath) {
  const std::string file = ScratchDir() + "/proc_stdin_file";
  ASSERT_TRUE(WriteFile(file, "data", 0644));
  const Outcome o = RunNative(
      {"/bin/sh", "-c", "exec \"$0\" run -- busybox readlink /proc/self/fd/0 < \"$1\"",
       KekkaiPath(), file});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  EXPECT_THAT(o.out, ::testing::StartsWith("host:[")) << o.Describe();
  EXPECT_THAT(o.out, ::testing::Not(::testing::HasSubstr(file))) << o.Describe();
  unlink(file.c_str());
}

// The mount points of this (host) process's mount table.
std::set<std::string> HostMountPoints() {
  std::set<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string l;
  while (std::getline(in, l)) {
    std::istringstream w(l);
    std::string field;
    for (int i = 0; i < 5 && (w >> field); ++i) {
    }
    out.insert(field);
  }
  return out;
}

TEST_F(Proc, ShowsNoHostPidsOrMounts) {
  REQUIRE_PROGRAM(kPython);
  const Outcome o = RunSandboxed({kPython, "-c", kViewScript});
  ASSERT_TRUE(o.Exited(0)) << o.Describe();
  const std::vector<std::string> lines = SplitLines(o.out);
  ASSERT_GE(lines.size(), 3u) << o.Describe();
  EXPECT_EQ(lines[0], "pids ['1']") << o.Describe();
  EXPECT_EQ(lines[1], "pid 1 ppid 0") << o.Describe();
  // The sandbox's own mount points are the only ones shown: none of the host's
  // other mounts (its /sys/fs/cgroup, /dev/pts, container bind mounts...).
  const std::set<std::string> sandbox_own = {"/",     "/dev",  "/dev/shm", "/proc",
                                             "/sys",  "/tmp",  "/var/tmp", "/root",
                                             "/home", "/run",  RealPath(".")};
  const std::set<std::string> host = HostMountPoints();
  std::set<std::string> shown;
  for (size_t i = 2; i < lines.size(); ++i) {
    ASSERT_EQ(lines[i].rfind("mount ", 0), 0u) << lines[i];
    const std::string point = lines[i].substr(6);
    shown.insert(point);
    EXPECT_TRUE(sandbox_own.count(point) || !host.count(point))
        << "the host's mount " << point << " is shown\n"
        << o.Describe();
  }
  EXPECT_TRUE(shown.count("/proc")) << o.Describe();
  EXPECT_TRUE(shown.count("/sys")) << o.Describe();
}

}  // namespace
}  // namespace kekkai::tests::e2e

int main(int argc, char** argv) { return kekkai::tests::e2e::E2eMain(argc, argv); }

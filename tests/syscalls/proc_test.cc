// /proc and /sys as programs read them: the caller's own /proc/self files agree
// with what the syscalls say (ids, names, mappings, limits, fds, the signal
// mask), the system files parse and are consistent with each other, and the
// files behave as Linux's generated files do (size 0, reads at offsets, lseek,
// refused writes). Nothing here depends on host-specific values.
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/syscalls/util/cleanup.h"
#include "tests/syscalls/util/dirents.h"
#include "tests/syscalls/util/file_descriptor.h"
#include "tests/syscalls/util/mapping.h"
#include "tests/syscalls/util/scratch_dir.h"
#include "tests/syscalls/util/syscall_matchers.h"
#include "tests/syscalls/util/test_main.h"

extern char** environ;

namespace kekkai::syscall_test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The environment as the program started with it (before any test changes it).
std::vector<std::string> InitialEnvironment() {
  static const std::vector<std::string> env = [] {
    std::vector<std::string> out;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
    return out;
  }();
  return env;
}
// Captured before main() runs any test.
const bool kEnvironmentCaptured = !InitialEnvironment().empty() || true;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::vector<std::string> Lines(const std::string& s) { return Split(s, '\n'); }

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

bool IsNumber(const std::string& s) {
  if (s.empty()) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// The names in directory `path` (without "." and ".."), or an errno.
ErrnoOr<std::vector<std::string>> ListDirectory(const std::string& path) {
  ErrnoOr<FileDescriptor> fd = Open(path, O_RDONLY | O_DIRECTORY);
  if (!fd.ok()) return ErrnoOr<std::vector<std::string>>::Error(fd.error(), "open(" + path + ")");
  std::vector<std::string> out;
  for (const Dirent64& d : ReadDirents(fd.value().get(), 4096)) {
    if (d.name != "." && d.name != "..") out.push_back(d.name);
  }
  return out;
}

std::string Readlink(const std::string& path) {
  char buf[4096];
  const ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  if (n < 0) return "(errno " + ErrnoName(errno) + ")";
  return std::string(buf, static_cast<size_t>(n));
}

// /proc/self/status as key -> value (the text after the tab).
std::map<std::string, std::string> Status(const std::string& path = "/proc/self/status") {
  std::map<std::string, std::string> out;
  ErrnoOr<std::string> text = ReadFile(path);
  if (!text.ok()) return out;
  for (const std::string& line : Lines(text.value())) {
    const size_t colon = line.find(":\t");
    if (colon == std::string::npos) continue;
    out[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return out;
}

// /proc/self/stat's fields, numbered as proc(5) numbers them (fields[1] is the
// pid, fields[2] the comm without parentheses); empty when it doesn't parse.
std::vector<std::string> StatFields(const std::string& path = "/proc/self/stat") {
  ErrnoOr<std::string> text = ReadFile(path);
  if (!text.ok()) return {};
  const size_t open = text.value().find(" (");
  const size_t close = text.value().rfind(") ");
  if (open == std::string::npos || close == std::string::npos || close < open) return {};
  std::vector<std::string> out = {"", text.value().substr(0, open),
                                  text.value().substr(open + 2, close - open - 2)};
  for (std::string& w : Words(text.value().substr(close + 2))) out.push_back(std::move(w));
  return out;
}

// The CPUs of a list such as "0-3,5\n".
std::set<int> CpuList(const std::string& text) {
  std::set<int> out;
  for (const std::string& part : Split(Words(text).empty() ? "" : Words(text)[0], ',')) {
    int a = 0, b = 0;
    if (std::sscanf(part.c_str(), "%d-%d", &a, &b) == 2) {
      for (int i = a; i <= b; ++i) out.insert(i);
    } else if (std::sscanf(part.c_str(), "%d", &a) == 1) {
      out.insert(a);
    }
  }
  return out;
}

TEST(ProcSelfTest, SelfAndThreadSelfName) {
  EXPECT_EQ(Readlink("/proc/self"), std::to_string(getpid()));
  EXPECT_EQ(Readlink("/proc/thread-self"),
            std::to_string(getpid()) + "/task/" + std::to_string(syscall(SYS_gettid)));
  struct stat self, pid;
  ASSERT_THAT(stat("/proc/self", &self), SyscallSucceeds());
  ASSERT_THAT(stat(("/proc/" + std::to_string(getpid())).c_str(), &pid), SyscallSucceeds());
  EXPECT_EQ(self.st_ino, pid.st_ino);
  EXPECT_TRUE(S_ISDIR(self.st_mode));
  EXPECT_EQ(self.st_uid, geteuid());
  EXPECT_EQ(self.st_gid, getegid());
}

TEST(ProcSelfTest, ListingShowsThisProcess) {
  ErrnoOr<std::vector<std::string>> names = ListDirectory("/proc");
  ASSERT_TRUE(names.ok());
  EXPECT_THAT(names.value(), Contains(std::to_string(getpid())));
  EXPECT_THAT(names.value(), Contains("self"));
  EXPECT_THAT(names.value(), Contains("meminfo"));
  struct stat st;
  EXPECT_THAT(stat("/proc/0", &st), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(stat(("/proc/0" + std::to_string(getpid())).c_str(), &st),
              SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(stat("/proc/2147483647", &st), SyscallFailsWithErrno(ENOENT));
  EXPECT_THAT(stat("/proc/99999999999999999999", &st), SyscallFailsWithErrno(ENOENT));
}

TEST(ProcSelfTest, StatMatchesIdsAndName) {
  char saved[16] = {};
  ASSERT_THAT(prctl(PR_GET_NAME, saved), SyscallSucceeds());
  auto restore = Cleanup([&] { prctl(PR_SET_NAME, saved); });
  ASSERT_THAT(prctl(PR_SET_NAME, "proc test)x"), SyscallSucceeds());
  const std::vector<std::string> f = StatFields();
  ASSERT_EQ(f.size(), 53u) << "stat has 52 fields";
  EXPECT_EQ(f[1], std::to_string(getpid()));
  EXPECT_EQ(f[2], "proc test)x");
  EXPECT_EQ(f[3], "R");
  EXPECT_EQ(f[4], std::to_string(getppid()));
  EXPECT_EQ(f[5], std::to_string(getpgrp()));
  EXPECT_EQ(f[6], std::to_string(getsid(0)));
  for (size_t i = 4; i < f.size(); ++i) EXPECT_TRUE(IsNumber(f[i])) << "field " << i << ": " << f[i];
  EXPECT_GE(std::stoll(f[20]), 1) << "num_threads";
  EXPECT_GT(std::stoull(f[23]), 0u) << "vsize";
  EXPECT_GT(std::stoull(f[24]), 0u) << "rss";
  EXPECT_EQ(f[38], std::to_string(SIGCHLD)) << "exit_signal";
}

TEST(ProcSelfTest, StatusMatchesIds) {
  const std::map<std::string, std::string> s = Status();
  char name[16] = {};
  ASSERT_THAT(prctl(PR_GET_NAME, name), SyscallSucceeds());
  EXPECT_EQ(s.at("Name"), name);
  EXPECT_EQ(s.at("Pid"), std::to_string(getpid()));
  EXPECT_EQ(s.at("Tgid"), std::to_string(getpid()));
  EXPECT_EQ(s.at("PPid"), std::to_string(getppid()));
  uid_t r, e, sv;
  gid_t gr, ge, gs;
  ASSERT_THAT(getresuid(&r, &e, &sv), SyscallSucceeds());
  ASSERT_THAT(getresgid(&gr, &ge, &gs), SyscallSucceeds());
  EXPECT_THAT(s.at("Uid"), StartsWith(std::to_string(r) + "\t" + std::to_string(e) + "\t" +
                                      std::to_string(sv) + "\t"));
  EXPECT_THAT(s.at("Gid"), StartsWith(std::to_string(gr) + "\t" + std::to_string(ge) + "\t" +
                                      std::to_string(gs) + "\t"));
  EXPECT_THAT(s.at("State"), StartsWith("R"));
  const mode_t mask = umask(027);
  umask(mask);
  char want_umask[8];
  std::snprintf(want_umask, sizeof(want_umask), "%04o", mask);
  EXPECT_EQ(s.at("Umask"), want_umask);
  for (const char* key : {"VmSize", "VmRSS", "VmData", "VmStk", "VmPeak", "VmHWM", "RssAnon"}) {
    const std::vector<std::string> w = Words(s.at(key));
    ASSERT_EQ(w.size(), 2u) << key;
    EXPECT_TRUE(IsNumber(w[0])) << key;
    EXPECT_EQ(w[1], "kB") << key;
  }
  EXPECT_GT(std::stoull(s.at("VmRSS")), 0u);
  EXPECT_GE(std::stoull(s.at("Threads")), 1u);
  for (const char* key : {"SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt", "CapInh", "CapPrm",
                          "CapEff", "CapBnd", "CapAmb"}) {
    EXPECT_EQ(s.at(key).size(), 16u) << key;
  }
  EXPECT_TRUE(s.count("Cpus_allowed_list"));
  EXPECT_TRUE(s.count("NoNewPrivs"));
  EXPECT_TRUE(s.count("voluntary_ctxt_switches"));
}

TEST(ProcSelfTest, StatusShowsSignalMaskAndDispositions) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ASSERT_THAT(sigprocmask(SIG_BLOCK, &block, &old), SyscallSucceeds());
  auto restore_mask = Cleanup([&] { sigprocmask(SIG_SETMASK, &old, nullptr); });
  struct sigaction ign = {}, saved = {};
  ign.sa_handler = SIG_IGN;
  ASSERT_THAT(sigaction(SIGUSR2, &ign, &saved), SyscallSucceeds());
  auto restore_action = Cleanup([&] { sigaction(SIGUSR2, &saved, nullptr); });
  const std::map<std::string, std::string> s = Status();
  const uint64_t blocked = std::stoull(s.at("SigBlk"), nullptr, 16);
  const uint64_t ignored = std::stoull(s.at("SigIgn"), nullptr, 16);
  EXPECT_TRUE(blocked & (uint64_t{1} << (SIGUSR1 - 1))) << s.at("SigBlk");
  EXPECT_TRUE(ignored & (uint64_t{1} << (SIGUSR2 - 1))) << s.at("SigIgn");
  EXPECT_FALSE(ignored & (uint64_t{1} << (SIGUSR1 - 1))) << s.at("SigIgn");
  const std::vector<std::string> f = StatFields();
  ASSERT_EQ(f.size(), 53u);
  // stat shows only signals 1-31 (for Linux 2.0's sake).
  EXPECT_EQ(std::stoull(f[32]), blocked & 0x7fffffff) << "stat's blocked";
  EXPECT_EQ(std::stoull(f[33]), ignored & 0x7fffffff) << "stat's sigignore";
}

// The maps line of the mapping at `addr`, or "".
std::string MapsLineAt(uintptr_t addr) {
  ErrnoOr<std::string> maps = ReadFile("/proc/self/maps");
  if (!maps.ok()) return "";
  char prefix[64];
  std::snprintf(prefix, sizeof(prefix), "%08lx-", static_cast<unsigned long>(addr));
  for (const std::string& line : Lines(maps.value())) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

TEST(ProcSelfTest, MapsFollowMmapMprotectMunmap) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(3 * kPageSize, PROT_READ));
  char want[64];
  std::snprintf(want, sizeof(want), "%08lx-%08lx r--p 00000000 00:00 0",
                static_cast<unsigned long>(m.addr()), static_cast<unsigned long>(m.end()));
  EXPECT_THAT(MapsLineAt(m.addr()), StartsWith(want));
  ASSERT_THAT(mprotect(m.ptr(), kPageSize, PROT_READ | PROT_WRITE), SyscallSucceeds());
  std::snprintf(want, sizeof(want), "%08lx-%08lx rw-p", static_cast<unsigned long>(m.addr()),
                static_cast<unsigned long>(m.addr() + kPageSize));
  EXPECT_THAT(MapsLineAt(m.addr()), StartsWith(want));
  const uintptr_t addr = m.addr();
  m.reset();
  EXPECT_EQ(MapsLineAt(addr), "");
}

TEST(ProcSelfTest, MapsLinesAreWellFormed) {
  const std::string maps = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/self/maps"));
  bool stack = false;
  for (const std::string& line : Lines(maps)) {
    unsigned long start, end, off, ino;
    char perms[5];
    unsigned major, minor;
    int pos = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%lx-%lx %4s %lx %x:%x %lu %n", &start, &end, perms,
                          &off, &major, &minor, &ino, &pos),
              7)
        << line;
    EXPECT_LT(start, end) << line;
    EXPECT_EQ(start % kPageSize, 0u) << line;
    EXPECT_TRUE(perms[0] == 'r' || perms[0] == '-') << line;
    EXPECT_TRUE(perms[3] == 'p' || perms[3] == 's') << line;
    if (line.find("[stack]") != std::string::npos) stack = true;
  }
  EXPECT_TRUE(stack) << maps;
  // The program itself is mapped under its name.
  const std::string exe = Readlink("/proc/self/exe");
  EXPECT_THAT(maps, HasSubstr(exe)) << exe;
}

TEST(ProcSelfTest, SmapsDescribesAMapping) {
  Mapping m = ASSERT_NO_ERRNO_AND_VALUE(MmapAnon(4 * kPageSize, PROT_READ | PROT_WRITE));
  m.bytes()[0] = 1;
  m.bytes()[kPageSize] = 1;
  const std::string smaps = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/self/smaps"));
  char head[32];
  std::snprintf(head, sizeof(head), "%08lx-", static_cast<unsigned long>(m.addr()));
  const size_t at = smaps.find(head);
  ASSERT_NE(at, std::string::npos);
  std::map<std::string, uint64_t> fields;
  for (const std::string& line : Lines(smaps.substr(at))) {
    if (line.rfind("VmFlags:", 0) == 0) break;
    const std::vector<std::string> w = Words(line);
    if (w.size() == 3 && w[2] == "kB") fields[w[0]] = std::stoull(w[1]);
  }
  EXPECT_EQ(fields["Size:"], 16u);
  EXPECT_GE(fields["Rss:"], 8u);
  EXPECT_LE(fields["Rss:"], 16u);
}

TEST(ProcSelfTest, CmdlineStartsWithArgv0) {
  const std::string cmdline = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/self/cmdline"));
  ASSERT_FALSE(cmdline.empty());
  EXPECT_EQ(cmdline.back(), '\0');
  EXPECT_EQ(std::string(cmdline.c_str()), TestProgramArgv0());
}

TEST(ProcSelfTest, EnvironIsTheInitialEnvironment) {
  ASSERT_TRUE(kEnvironmentCaptured);
  const std::string environ_text = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/self/environ"));
  const std::vector<std::string> entries = Split(environ_text, '\0');
  std::vector<std::string> initial = InitialEnvironment();
  ASSERT_FALSE(initial.empty());
  EXPECT_EQ(entries, initial);
  // A variable set now is not there: the file shows the environment exec gave.
  ASSERT_THAT(setenv("KEKKAI_PROC_TEST_NEW", "1", 1), SyscallSucceeds());
  auto unset = Cleanup([] { unsetenv("KEKKAI_PROC_TEST_NEW"); });
  EXPECT_THAT(ReadFile("/proc/self/environ").value(),
              ::testing::Not(HasSubstr("KEKKAI_PROC_TEST_NEW")));
  struct stat st;
  ASSERT_THAT(stat("/proc/self/environ", &st), SyscallSucceeds());
  EXPECT_EQ(st.st_mode & 07777, 0400u);
}

TEST(ProcSelfTest, AuxvMatchesGetauxval) {
  const std::string auxv = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/self/auxv"));
  ASSERT_EQ(auxv.size() % 16, 0u);
  ASSERT_GE(auxv.size(), 16u);
  std::map<uint64_t, uint64_t> entries;
  for (size_t i = 0; i < auxv.size(); i += 16) {
    uint64_t kv[2];
    std::memcpy(kv, auxv.data() + i, 16);
    entries[kv[0]] = kv[1];
    if (kv[0] == AT_NULL) {
      EXPECT_EQ(i + 16, auxv.size()) << "AT_NULL ends the vector";
    }
  }
  EXPECT_TRUE(entries.count(AT_NULL));
  EXPECT_EQ(entries[AT_PAGESZ], getauxval(AT_PAGESZ));
  EXPECT_EQ(entries[AT_ENTRY], getauxval(AT_ENTRY));
  EXPECT_EQ(entries[AT_RANDOM], getauxval(AT_RANDOM));
}

TEST(ProcSelfTest, LimitsFollowSetrlimit) {
  struct rlimit saved;
  ASSERT_THAT(getrlimit(RLIMIT_NOFILE, &saved), SyscallSucceeds());
  auto restore = Cleanup([&] { setrlimit(RLIMIT_NOFILE, &saved); });
  struct rlimit lower = {77, saved.rlim_max};
  ASSERT_THAT(setrlimit(RLIMIT_NOFILE, &lower), SyscallSucceeds());
  const std::string limits = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/self/limits"));
  const std::vector<std::string> lines = Lines(limits);
  ASSERT_EQ(lines.size(), 17u) << limits;
  EXPECT_THAT(lines[0], StartsWith("Limit                     Soft Limit           Hard Limit"));
  std::string row;
  for (const std::string& l : lines) {
    if (l.rfind("Max open files ", 0) == 0) row = l;
  }
  const std::vector<std::string> w = Words(row);
  ASSERT_EQ(w.size(), 6u) << row;
  EXPECT_EQ(w[3], "77");
  EXPECT_EQ(w[4], saved.rlim_max == RLIM_INFINITY ? "unlimited" : std::to_string(saved.rlim_max));
  EXPECT_EQ(w[5], "files");
}

class ProcFdTest : public ScratchDirTest {};

TEST_F(ProcFdTest, FdLinkAndFdinfo) {
  const std::string path = Path("file");
  ASSERT_TRUE(WriteFile(path, std::string(100, 'x')).ok());
  FileDescriptor fd =
      ASSERT_NO_ERRNO_AND_VALUE(Open(path, O_RDWR | O_APPEND | O_CLOEXEC));
  ASSERT_THAT(lseek(fd.get(), 42, SEEK_SET), SyscallSucceedsWithValue(42));
  const std::string n = std::to_string(fd.get());
  EXPECT_EQ(Readlink("/proc/self/fd/" + n), path);
  ErrnoOr<std::vector<std::string>> fds = ListDirectory("/proc/self/fd");
  ASSERT_TRUE(fds.ok());
  EXPECT_THAT(fds.value(), Contains(n));
  ErrnoOr<std::vector<std::string>> infos = ListDirectory("/proc/self/fdinfo");
  ASSERT_TRUE(infos.ok());
  EXPECT_THAT(infos.value(), Contains(n));

  const std::map<std::string, std::string> info = Status("/proc/self/fdinfo/" + n);
  EXPECT_EQ(info.at("pos"), "42");
  ASSERT_THAT(info.at("flags"), StartsWith("0"));
  const unsigned long flags = std::stoul(info.at("flags"), nullptr, 8);
  EXPECT_EQ(flags & O_ACCMODE, static_cast<unsigned long>(O_RDWR));
  EXPECT_TRUE(flags & O_APPEND);
  EXPECT_TRUE(flags & O_CLOEXEC);
  struct stat st;
  ASSERT_THAT(fstat(fd.get(), &st), SyscallSucceeds());
  EXPECT_EQ(info.at("ino"), std::to_string(st.st_ino));
  EXPECT_TRUE(IsNumber(info.at("mnt_id")));
  // A pipe's flags are F_GETFL's: no O_LARGEFILE.
  int p[2];
  ASSERT_THAT(pipe2(p, O_CLOEXEC), SyscallSucceeds());
  FileDescriptor pr(p[0]), pw(p[1]);
  const std::map<std::string, std::string> pipe_info =
      Status("/proc/self/fdinfo/" + std::to_string(pr.get()));
  EXPECT_EQ(std::stoul(pipe_info.at("flags"), nullptr, 8),
            static_cast<unsigned long>(O_CLOEXEC | fcntl(pr.get(), F_GETFL)));

  const int num = fd.get();
  fd.reset();
  EXPECT_THAT(Readlink("/proc/self/fd/" + std::to_string(num)), StartsWith("(errno ENOENT"));
  struct stat gone;
  EXPECT_THAT(stat(("/proc/self/fdinfo/" + std::to_string(num)).c_str(), &gone),
              SyscallFailsWithErrno(ENOENT));
}

// A guest may point an fd at the very fdinfo file that describes it: reading
// it then describes itself (and must not deadlock the reader).
TEST(ProcSelfTest, FdinfoOfItself) {
  FileDescriptor a = ASSERT_NO_ERRNO_AND_VALUE(Open("/dev/null", O_RDONLY));
  FileDescriptor b =
      ASSERT_NO_ERRNO_AND_VALUE(Open("/proc/self/fdinfo/" + std::to_string(a.get()), O_RDONLY));
  ASSERT_THAT(dup2(b.get(), a.get()), SyscallSucceedsWithValue(a.get()));
  char buf[512] = {};
  ASSERT_THAT(read(b.get(), buf, sizeof(buf) - 1), SyscallSucceeds());
  EXPECT_THAT(std::string(buf), StartsWith("pos:\t0\nflags:\t0"));
  ASSERT_THAT(lseek(b.get(), 0, SEEK_SET), SyscallSucceedsWithValue(0));
  ASSERT_THAT(read(a.get(), buf, 5), SyscallSucceedsWithValue(5));
  EXPECT_EQ(std::string(buf, 5), "pos:\t");
}

TEST(ProcSelfTest, CommIsWritable) {
  char saved[16] = {};
  ASSERT_THAT(prctl(PR_GET_NAME, saved), SyscallSucceeds());
  auto restore = Cleanup([&] { prctl(PR_SET_NAME, saved); });
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/proc/self/comm", O_WRONLY));
  const std::string name = "renamed-by-proc-and-truncated\n";
  ASSERT_THAT(write(fd.get(), name.data(), name.size()),
              SyscallSucceedsWithValue(static_cast<ssize_t>(name.size())));
  char now[16] = {};
  ASSERT_THAT(prctl(PR_GET_NAME, now), SyscallSucceeds());
  EXPECT_STREQ(now, "renamed-by-proc");
  EXPECT_EQ(ReadFile("/proc/self/comm").value(), "renamed-by-proc\n");
  ASSERT_THAT(prctl(PR_SET_NAME, "x\ny"), SyscallSucceeds());
  EXPECT_EQ(Status().at("Name"), "x\\ny");
  // `echo name > /proc/self/comm` opens with O_TRUNC and keeps the newline.
  FileDescriptor trunc = ASSERT_NO_ERRNO_AND_VALUE(Open("/proc/self/comm", O_WRONLY | O_TRUNC));
  ASSERT_THAT(write(trunc.get(), "echoed\n", 7), SyscallSucceedsWithValue(7));
  EXPECT_EQ(ReadFile("/proc/self/comm").value(), "echoed\n\n");
}

TEST(ProcSelfTest, TaskDirectoryHasThisThread) {
  const std::string tid = std::to_string(syscall(SYS_gettid));
  ErrnoOr<std::vector<std::string>> tasks = ListDirectory("/proc/self/task");
  ASSERT_TRUE(tasks.ok());
  EXPECT_THAT(tasks.value(), Contains(tid));
  const std::vector<std::string> f = StatFields("/proc/self/task/" + tid + "/stat");
  ASSERT_EQ(f.size(), 53u);
  EXPECT_EQ(f[1], tid);
  EXPECT_EQ(Status("/proc/thread-self/status").at("Pid"), tid);
}

TEST(ProcSelfTest, MountTablesParse) {
  const std::string mounts = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/self/mounts"));
  std::map<std::string, std::string> types;
  for (const std::string& line : Lines(mounts)) {
    const std::vector<std::string> w = Words(line);
    ASSERT_EQ(w.size(), 6u) << line;
    types[w[1]] = w[2];
  }
  EXPECT_TRUE(types.count("/"));
  EXPECT_EQ(types["/proc"], "proc");
  EXPECT_EQ(ReadFile("/proc/mounts").value(), mounts);

  const std::string info = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/self/mountinfo"));
  std::set<std::string> ids, points;
  for (const std::string& line : Lines(info)) {
    const std::vector<std::string> w = Words(line);
    ASSERT_GE(w.size(), 10u) << line;
    EXPECT_TRUE(IsNumber(w[0]) && IsNumber(w[1])) << line;
    EXPECT_TRUE(ids.insert(w[0]).second) << "duplicate id: " << line;
    unsigned major, minor;
    EXPECT_EQ(std::sscanf(w[2].c_str(), "%u:%u", &major, &minor), 2) << line;
    EXPECT_THAT(w[3], StartsWith("/")) << line;
    points.insert(w[4]);
    EXPECT_TRUE(w[5].rfind("rw", 0) == 0 || w[5].rfind("ro", 0) == 0) << line;
    auto sep = std::find(w.begin() + 6, w.end(), "-");
    ASSERT_NE(sep, w.end()) << line;
    ASSERT_GE(w.end() - sep, 4) << line;
  }
  EXPECT_TRUE(points.count("/"));
  EXPECT_TRUE(points.count("/proc"));
}

TEST(ProcSystemTest, MeminfoHasMemTotal) {
  const std::string text = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/meminfo"));
  std::map<std::string, uint64_t> kb;
  for (const std::string& line : Lines(text)) {
    const std::vector<std::string> w = Words(line);
    ASSERT_TRUE(w.size() == 2 || (w.size() == 3 && w[2] == "kB")) << line;
    ASSERT_TRUE(IsNumber(w[1])) << line;
    kb[w[0]] = std::stoull(w[1]);
  }
  EXPECT_GT(kb["MemTotal:"], 0u);
  EXPECT_LE(kb["MemFree:"], kb["MemTotal:"]);
  EXPECT_LE(kb["MemAvailable:"], kb["MemTotal:"]);
  EXPECT_TRUE(kb.count("SwapTotal:"));
}

TEST(ProcSystemTest, CpuinfoAgreesWithOnlineCpus) {
  const std::string cpuinfo = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/cpuinfo"));
  std::set<int> processors;
  for (const std::string& line : Lines(cpuinfo)) {
    int n;
    if (std::sscanf(line.c_str(), "processor : %d", &n) == 1) processors.insert(n);
  }
  const std::set<int> online =
      CpuList(ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/sys/devices/system/cpu/online")));
  EXPECT_FALSE(online.empty());
  EXPECT_EQ(processors, online);
  const std::set<int> possible =
      CpuList(ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/sys/devices/system/cpu/possible")));
  for (int cpu : online) EXPECT_TRUE(possible.count(cpu)) << cpu;
  EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), static_cast<long>(online.size()));
  struct stat st;
  ASSERT_THAT(stat("/sys/fs/cgroup", &st), SyscallSucceeds());
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST(ProcSystemTest, StatHasCpuLinesAndBtime) {
  const std::string text = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/stat"));
  const std::vector<std::string> lines = Lines(text);
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines[0], StartsWith("cpu  "));
  std::map<std::string, std::string> keyed;
  int cpus = 0;
  for (const std::string& l : lines) {
    const std::vector<std::string> w = Words(l);
    ASSERT_GE(w.size(), 2u) << l;
    if (w[0].rfind("cpu", 0) == 0) {
      EXPECT_GE(w.size(), 11u) << l;
      for (size_t i = 1; i < w.size(); ++i) EXPECT_TRUE(IsNumber(w[i])) << l;
      if (w[0] != "cpu") ++cpus;
    }
    keyed[w[0]] = w[1];
  }
  EXPECT_EQ(cpus, sysconf(_SC_NPROCESSORS_ONLN));
  const time_t btime = std::stoll(keyed.at("btime"));
  EXPECT_GT(btime, 0);
  EXPECT_LE(btime, time(nullptr));
  EXPECT_GE(std::stoll(keyed.at("processes")), 1);
  EXPECT_GE(std::stoll(keyed.at("procs_running")), 1);
}

// Returns /proc/uptime's first figure in hundredths of a second.
long long UptimeCs() {
  ErrnoOr<std::string> text = ReadFile("/proc/uptime");
  long long s = -1, cs = -1, is = -1, ics = -1;
  if (!text.ok() || std::sscanf(text.value().c_str(), "%lld.%2lld %lld.%2lld", &s, &cs, &is, &ics) != 4) {
    return -1;
  }
  return s * 100 + cs;
}

TEST(ProcSystemTest, UptimeIncreases) {
  const long long first = UptimeCs();
  ASSERT_GE(first, 0);
  // Uptime counts hundredths: wait (by the clock, at most 5 s) for the next one.
  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  long long now = first;
  for (;;) {
    now = UptimeCs();
    if (now != first) break;
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (t.tv_sec - start.tv_sec > 5) break;
  }
  EXPECT_GT(now, first);
}

TEST(ProcSystemTest, LoadavgParses) {
  const std::string text = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/loadavg"));
  double a, b, c;
  int running, total, last;
  ASSERT_EQ(std::sscanf(text.c_str(), "%lf %lf %lf %d/%d %d", &a, &b, &c, &running, &total, &last),
            6)
      << text;
  EXPECT_GE(running, 1);
  EXPECT_GE(total, running);
}

TEST(ProcSystemTest, VersionAndKernelSysctlsAgreeWithUname) {
  struct utsname u;
  ASSERT_THAT(uname(&u), SyscallSucceeds());
  const std::string version = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/version"));
  EXPECT_THAT(version, StartsWith(std::string("Linux version ") + u.release + " "));
  EXPECT_EQ(ReadFile("/proc/sys/kernel/osrelease").value(), std::string(u.release) + "\n");
  EXPECT_EQ(ReadFile("/proc/sys/kernel/ostype").value(), std::string(u.sysname) + "\n");
  EXPECT_EQ(ReadFile("/proc/sys/kernel/hostname").value(), std::string(u.nodename) + "\n");
}

TEST(ProcSystemTest, RandomUuidChangesBootIdDoesNot) {
  const std::string a = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/sys/kernel/random/uuid"));
  const std::string b = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/sys/kernel/random/uuid"));
  const std::string boot1 = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/sys/kernel/random/boot_id"));
  const std::string boot2 = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/sys/kernel/random/boot_id"));
  EXPECT_NE(a, b);
  EXPECT_EQ(boot1, boot2);
  for (const std::string& u : {a, b, boot1}) {
    ASSERT_EQ(u.size(), 37u) << u;
    EXPECT_EQ(u[8], '-');
    EXPECT_EQ(u[13], '-');
    EXPECT_EQ(u[14], '4') << "a random (version 4) UUID: " << u;
    EXPECT_EQ(u[36], '\n');
  }
}

TEST(ProcSystemTest, SysctlsAreNumbers) {
  for (const char* path : {"/proc/sys/kernel/pid_max", "/proc/sys/fs/file-max",
                           "/proc/sys/fs/nr_open", "/proc/sys/vm/overcommit_memory"}) {
    const std::string text = ASSERT_NO_ERRNO_AND_VALUE(ReadFile(path));
    ASSERT_FALSE(text.empty()) << path;
    EXPECT_EQ(text.back(), '\n') << path;
    EXPECT_TRUE(IsNumber(text.substr(0, text.size() - 1))) << path << ": " << text;
  }
  const int overcommit = std::stoi(ReadFile("/proc/sys/vm/overcommit_memory").value());
  EXPECT_GE(overcommit, 0);
  EXPECT_LE(overcommit, 2);
  EXPECT_GE(std::stoull(ReadFile("/proc/sys/fs/nr_open").value()), 1024u);
}

TEST(ProcFileTest, GeneratedFilesHaveSizeZero) {
  for (const char* path : {"/proc/self/status", "/proc/self/maps", "/proc/meminfo",
                           "/proc/self/stat", "/proc/uptime"}) {
    struct stat st;
    ASSERT_THAT(stat(path, &st), SyscallSucceeds()) << path;
    EXPECT_TRUE(S_ISREG(st.st_mode)) << path;
    EXPECT_EQ(st.st_size, 0) << path;
    EXPECT_EQ(st.st_mode & 0222, 0u) << path;
  }
}

TEST(ProcFileTest, ReadsAtOffsetsAndSeeks) {
  const std::string whole = ASSERT_NO_ERRNO_AND_VALUE(ReadFile("/proc/self/limits"));
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/proc/self/limits", O_RDONLY));
  // One byte at a time gives the same text.
  std::string bytes;
  char c;
  ssize_t n;
  while ((n = read(fd.get(), &c, 1)) == 1) bytes += c;
  EXPECT_EQ(n, 0);
  EXPECT_EQ(bytes, whole);
  char buf[32] = {};
  ASSERT_THAT(pread(fd.get(), buf, 10, 6), SyscallSucceedsWithValue(10));
  EXPECT_EQ(std::string(buf, 10), whole.substr(6, 10));
  EXPECT_THAT(pread(fd.get(), buf, 10, 1 << 30), SyscallSucceedsWithValue(0));
  EXPECT_THAT(lseek(fd.get(), 0, SEEK_END), SyscallFailsWithErrno(EINVAL));
  EXPECT_THAT(lseek(fd.get(), -1, SEEK_SET), SyscallFailsWithErrno(EINVAL));
  ASSERT_THAT(lseek(fd.get(), 3, SEEK_SET), SyscallSucceedsWithValue(3));
  ASSERT_THAT(read(fd.get(), buf, 4), SyscallSucceedsWithValue(4));
  EXPECT_EQ(std::string(buf, 4), whole.substr(3, 4));
  EXPECT_THAT(read(fd.get(), reinterpret_cast<char*>(8), 16), SyscallFailsWithErrno(EFAULT));
}

TEST(ProcFileTest, WritesAreRefused) {
  // Root may open the files for writing (DAC override); writing is EINVAL.
  if (geteuid() != 0) GTEST_SKIP() << "needs root to open a 0444 file for writing";
  FileDescriptor fd = ASSERT_NO_ERRNO_AND_VALUE(Open("/proc/self/status", O_WRONLY));
  EXPECT_THAT(write(fd.get(), "x", 1), SyscallFailsWithErrno(EINVAL));
  struct stat st;
  EXPECT_THAT(mkdir("/proc/self/newdir", 0755), SyscallFails());
  EXPECT_THAT(unlink("/proc/self/status"), SyscallFails());
  EXPECT_THAT(stat("/proc/self/newdir", &st), SyscallFailsWithErrno(ENOENT));
}

}  // namespace
}  // namespace kekkai::syscall_test

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "abi/linux/syscall_numbers.h"
#include "syscalls/syscalls.h"

namespace kekkai::syscalls {
namespace {

using kernel::Support;

TEST(SyscallTableTest, NumbersAreUniqueSortedAndInRange) {
  int last = -1;
  std::set<std::string> names;
  for (const auto& e : X86_64Table()) {
    EXPECT_GT(e.nr, last) << e.name;
    last = e.nr;
    EXPECT_LT(e.nr, abi::linux::kMaxSyscalls);
    EXPECT_TRUE(names.insert(e.name).second) << "duplicate " << e.name;
  }
}

TEST(SyscallTableTest, SupportMatchesHandler) {
  for (const auto& e : X86_64Table()) {
    if (e.fn == nullptr) {
      EXPECT_EQ(e.support, Support::kNone) << e.name;
    } else {
      EXPECT_NE(e.support, Support::kNone) << e.name;
    }
    if (e.support == Support::kPartial) {
      EXPECT_NE(e.note, nullptr) << e.name << " needs a note";
    }
  }
}

TEST(SyscallTableTest, LookupIsByNumber) {
  kernel::SyscallTable table(X86_64Table());
  ASSERT_NE(table.Lookup(abi::linux::kSysWrite), nullptr);
  EXPECT_STREQ(table.Lookup(abi::linux::kSysWrite)->name, "write");
  EXPECT_EQ(table.Lookup(abi::linux::kSysWrite)->fn, &SysWrite);
  EXPECT_STREQ(table.Lookup(abi::linux::kSysExitGroup)->name, "exit_group");
  EXPECT_EQ(table.Lookup(999), nullptr);
  EXPECT_EQ(table.Lookup(~uint64_t{0}), nullptr);
  EXPECT_EQ(table.Lookup(0x40000000), nullptr);  // x32 numbers are not x86-64 syscalls.
}

TEST(SyscallTableTest, TheIssueTwoSetIsImplemented) {
  kernel::SyscallTable table(X86_64Table());
  for (const char* name :
       {"read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "brk", "mmap",
        "munmap", "mprotect", "mremap", "madvise", "arch_prctl", "set_tid_address",
        "set_robust_list", "prlimit64", "getrlimit", "uname", "getpid", "getppid", "gettid",
        "getuid", "geteuid", "getgid", "getegid", "getrandom", "clock_gettime", "gettimeofday",
        "time", "exit", "exit_group", "sysinfo", "sched_getaffinity", "sched_yield", "ioctl",
        "rt_sigaction", "rt_sigprocmask", "futex"}) {
    bool found = false;
    for (const auto* e : table.all()) {
      if (e != nullptr && std::string(e->name) == name) {
        found = true;
        EXPECT_NE(e->fn, nullptr) << name;
      }
    }
    EXPECT_TRUE(found) << name;
  }
}

}  // namespace
}  // namespace kekkai::syscalls

// Tests of the ptrace platform against real stubs: small x86-64 snippets are
// written into a MemoryFile, mapped into a fresh address space and run.
#include "platform/ptrace/ptrace_platform.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/file_descriptor.h"
#include "gtest/gtest.h"
#include "platform/ptrace/ptrace_address_space.h"
#include "platform/ptrace/stub_layout.h"

namespace kekkai::platform::ptrace {
namespace {

using Bytes = std::vector<uint8_t>;

// Guest layout used by the tests (guest address, MemoryFile offset).
constexpr uint64_t kCodeAddr = 0x10000, kCodeOff = 0x0;
constexpr uint64_t kDataAddr = 0x20000, kDataOff = 0x1000;
constexpr uint64_t kRoAddr = 0x30000, kRoOff = 0x2000;
constexpr uint64_t kStackAddr = 0x40000, kStackOff = 0x3000;
constexpr uint64_t kStackTop = kStackAddr + kPageSize;
constexpr uint64_t kMemSize = 1 << 20;

constexpr uint64_t kSyscallGetpid = 39, kSyscallExitGroup = 231;
constexpr uint64_t kEnosys = static_cast<uint64_t>(-ENOSYS);

// Returns why ptrace can't be used here, or an empty string.
std::string PtraceUnavailableReason() {
  pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  std::string reason;
  if (::ptrace(PTRACE_SEIZE, child, nullptr, 0) != 0) {
    reason = std::string("ptrace(PTRACE_SEIZE) not permitted: ") + strerror(errno);
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, __WALL);
  return reason;
}

bool ProcessExists(pid_t pid) {
  return access(("/proc/" + std::to_string(pid)).c_str(), F_OK) == 0;
}

// Returns the one-letter state from /proc/<pid>/stat ('Z' for a zombie), or 0.
char ProcessState(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t p = s.rfind(')');
  return p == std::string::npos || p + 2 >= s.size() ? 0 : s[p + 2];
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(f, line);) lines.push_back(line);
  return lines;
}

class PtracePlatformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static const std::string reason = PtraceUnavailableReason();
    if (!reason.empty()) GTEST_SKIP() << reason;
    Result<FileDescriptor> fd = CreateMemFd("kekkai-test-memory", MFD_ALLOW_SEALING);
    ASSERT_TRUE(fd.ok());
    memfd_ = std::move(*fd);
    ASSERT_EQ(ftruncate(memfd_.get(), kMemSize), 0);
    void* p = mmap(nullptr, kMemSize, PROT_READ | PROT_WRITE, MAP_SHARED, memfd_.get(), 0);
    ASSERT_NE(p, MAP_FAILED);
    mem_ = static_cast<uint8_t*>(p);
    auto platform = NewPtracePlatform(memfd_.get());
    ASSERT_TRUE(platform.ok());
    platform_ = std::move(*platform);
    auto as = platform_->NewAddressSpace();
    ASSERT_TRUE(as.ok());
    as_ = std::move(*as);
    auto ctx = platform_->NewContext();
    ASSERT_TRUE(ctx.ok());
    ctx_ = std::move(*ctx);
    ASSERT_TRUE(
        as_->MapFile(GuestAddr(kDataAddr), kDataOff, kPageSize, AccessType::ReadWrite()).ok());
    ASSERT_TRUE(as_->MapFile(GuestAddr(kRoAddr), kRoOff, kPageSize, AccessType::ReadOnly()).ok());
    ASSERT_TRUE(
        as_->MapFile(GuestAddr(kStackAddr), kStackOff, kPageSize, AccessType::ReadWrite()).ok());
  }

  void TearDown() override {
    ctx_.reset();
    as_.reset();
    platform_.reset();
    if (mem_ != nullptr) munmap(mem_, kMemSize);
  }

  // Writes `code` at the start of the code page, maps it r-x and points the
  // registers at it.
  void LoadCode(const Bytes& code) {
    std::memcpy(mem_ + kCodeOff, code.data(), code.size());
    ASSERT_TRUE(as_->MapFile(GuestAddr(kCodeAddr), kCodeOff, kPageSize,
                             AccessType{.read = true, .execute = true})
                    .ok());
    state_.ResetForExec(kCodeAddr, kStackTop);
  }

  SwitchResult Switch() { return ctx_->Switch(*as_, state_); }

  pid_t stub_pid() const { return static_cast<PtraceAddressSpace&>(*as_).stub_pid(); }

  FileDescriptor memfd_;
  uint8_t* mem_ = nullptr;
  std::unique_ptr<Platform> platform_;
  std::unique_ptr<AddressSpace> as_;
  std::unique_ptr<Context> ctx_;
  CpuState state_;
};

// mov eax, 39; syscall; mov rdi, rax; mov eax, 231; syscall; mov eax, 39; syscall
const Bytes kSyscalls = {0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x89, 0xc7, 0xb8, 0xe7,
                         0x00, 0x00, 0x00, 0x0f, 0x05, 0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05};

TEST_F(PtracePlatformTest, SyscallsStopAndAreNotExecuted) {
  LoadCode(kSyscalls);
  SwitchResult r = Switch();
  ASSERT_EQ(r.kind, StopKind::kSyscall);
  EXPECT_EQ(r.syscall_arch, abi::linux::kAuditArchX86_64);
  EXPECT_EQ(state_.regs.orig_rax, kSyscallGetpid);
  EXPECT_EQ(state_.regs.rip, kCodeAddr + 7);
  EXPECT_EQ(state_.regs.rax, kEnosys);  // the host did not run getpid

  // The guest sees the result the sentry writes.
  state_.regs.rax = 0x1234;
  r = Switch();
  ASSERT_EQ(r.kind, StopKind::kSyscall);
  EXPECT_EQ(state_.regs.orig_rax, kSyscallExitGroup);
  EXPECT_EQ(state_.regs.rdi, 0x1234u);
  EXPECT_EQ(state_.regs.rip, kCodeAddr + 17);

  // exit_group was not executed by the host: the stub is alive and goes on.
  r = Switch();
  ASSERT_EQ(r.kind, StopKind::kSyscall);
  EXPECT_EQ(state_.regs.orig_rax, kSyscallGetpid);
  EXPECT_EQ(state_.regs.rip, kCodeAddr + 24);
  EXPECT_TRUE(ProcessExists(stub_pid()));
}

TEST_F(PtracePlatformTest, SentryRestartRewindIsKept) {
  // orig_rax is -1 on resume, so the host never rewinds rip for an -ERESTART* the
  // sentry wrote; only the sentry's own rewind (rip -= 2) runs the syscall again.
  LoadCode(kSyscalls);
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);
  state_.regs.rax = static_cast<uint64_t>(-512);  // -ERESTARTSYS
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);
  EXPECT_EQ(state_.regs.orig_rax, kSyscallExitGroup);
  EXPECT_EQ(state_.regs.rdi, static_cast<uint64_t>(-512));

  state_.regs.rip -= 2;
  state_.regs.rax = state_.regs.orig_rax;
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);
  EXPECT_EQ(state_.regs.orig_rax, kSyscallExitGroup);
  EXPECT_EQ(state_.regs.rip, kCodeAddr + 17);
}

TEST_F(PtracePlatformTest, ReadOfUnmappedAddressFaults) {
  LoadCode({0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x05});  // mov rax, [0x5000000]
  SwitchResult r = Switch();
  ASSERT_EQ(r.kind, StopKind::kFault);
  EXPECT_EQ(r.fault_addr, 0x5000000u);
  EXPECT_EQ(r.fault_access, AccessType::ReadOnly());
  EXPECT_EQ(state_.regs.rip, kCodeAddr);
}

TEST_F(PtracePlatformTest, WriteToReadOnlyMappingFaultsAsWrite) {
  LoadCode({0x89, 0x04, 0x25, 0x00, 0x00, 0x03, 0x00});  // mov [0x30000], eax
  SwitchResult r = Switch();
  ASSERT_EQ(r.kind, StopKind::kFault);
  EXPECT_EQ(r.fault_addr, kRoAddr);
  EXPECT_EQ(r.fault_access, (AccessType{.write = true}));
}

TEST_F(PtracePlatformTest, GuestCannotWriteTheStubsOpArea) {
  // movabs rbx, kStubDataAddr; mov [rbx], rax: the ops the sentry hands the stub are
  // read-only for anything running in the stub's address space.
  static_assert(kStubDataAddr == 0x7fffffffa000);
  LoadCode({0x48, 0xbb, 0x00, 0xa0, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x00, 0x48, 0x89, 0x03});
  SwitchResult r = Switch();
  ASSERT_EQ(r.kind, StopKind::kFault);
  EXPECT_EQ(r.fault_addr, kStubDataAddr);
  EXPECT_EQ(r.fault_access, (AccessType{.write = true}));
  // The stub still applies mappings afterwards.
  ASSERT_TRUE(as_->Unmap(GuestAddr(kDataAddr), kPageSize).ok());
  EXPECT_TRUE(as_->Flush().ok());
}

TEST_F(PtracePlatformTest, JumpToNonExecutableMappingFaultsAsExecute) {
  LoadCode({0xb8, 0x00, 0x00, 0x02, 0x00, 0xff, 0xe0});  // mov eax, 0x20000; jmp rax
  SwitchResult r = Switch();
  ASSERT_EQ(r.kind, StopKind::kFault);
  EXPECT_EQ(r.fault_addr, kDataAddr);
  EXPECT_EQ(r.fault_access, (AccessType{.execute = true}));
  EXPECT_EQ(state_.regs.rip, kDataAddr);
}

TEST_F(PtracePlatformTest, FaultIsResolvedByMapping) {
  // mov rax, [0x20000]; mov eax, 39; syscall
  LoadCode(
      {0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x02, 0x00, 0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05});
  ASSERT_TRUE(as_->Unmap(GuestAddr(kDataAddr), kPageSize).ok());
  SwitchResult r = Switch();
  ASSERT_EQ(r.kind, StopKind::kFault);
  EXPECT_EQ(r.fault_addr, kDataAddr);

  std::memcpy(mem_ + kDataOff, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
  ASSERT_TRUE(as_->MapFile(GuestAddr(kDataAddr), kDataOff, kPageSize, AccessType::ReadOnly()).ok());
  r = Switch();
  ASSERT_EQ(r.kind, StopKind::kSyscall);
  EXPECT_EQ(state_.regs.orig_rax, kSyscallGetpid);
}

TEST_F(PtracePlatformTest, Int3IsASignal) {
  LoadCode({0x90, 0xcc});  // nop; int3
  SwitchResult r = Switch();
  ASSERT_EQ(r.kind, StopKind::kSignal);
  EXPECT_EQ(r.siginfo.signo, SIGTRAP);
  EXPECT_EQ(r.siginfo.code, abi::linux::kSiKernel);
  EXPECT_EQ(state_.regs.rip, kCodeAddr + 2);
}

TEST_F(PtracePlatformTest, GeneralProtectionFaultIsASignal) {
  LoadCode({0x48, 0x8b, 0x03});  // mov rax, [rbx] with a non-canonical rbx
  state_.regs.rbx = 0x8000000000000000;
  SwitchResult r = Switch();
  ASSERT_EQ(r.kind, StopKind::kSignal);
  EXPECT_EQ(r.siginfo.signo, SIGSEGV);
  EXPECT_EQ(r.siginfo.code, abi::linux::kSiKernel);
}

TEST_F(PtracePlatformTest, VsyscallTimeTrapsAndIsNotRunOnTheHost) {
  bool has_vsyscall = false;
  for (const std::string& line : ReadLines("/proc/self/maps")) {
    has_vsyscall |= line.find("[vsyscall]") != std::string::npos;
  }
  if (!has_vsyscall) GTEST_SKIP() << "the host has no vsyscall page (vsyscall=none)";
  // mov edi, 0x20000; mov rax, 0xffffffffff600400; call rax; int3
  LoadCode(
      {0xbf, 0x00, 0x00, 0x02, 0x00, 0x48, 0xc7, 0xc0, 0x00, 0x04, 0x60, 0xff, 0xff, 0xd0, 0xcc});
  std::memset(mem_ + kDataOff, 0, 8);
  SwitchResult r = Switch();
  ASSERT_EQ(r.kind, StopKind::kVsyscall);
  EXPECT_EQ(r.vsyscall_nr, 201);
  // The host emulated the `ret` already: the guest is back at the return address
  // with its stack pointer as before the call.
  EXPECT_EQ(state_.regs.rip, kCodeAddr + 14);
  EXPECT_EQ(state_.regs.rsp, kStackTop);
  // SECCOMP_RET_TRAP rolled rax back to the syscall number (syscall_rollback), and
  // the emulation cleared orig_rax.
  EXPECT_EQ(state_.regs.rax, 201u);
  EXPECT_EQ(state_.regs.orig_rax, ~uint64_t{0});
  uint64_t written;
  std::memcpy(&written, mem_ + kDataOff, 8);
  EXPECT_EQ(written, 0u);  // time(tloc) did not run

  // The sentry writes the result and the guest goes on after the call.
  state_.regs.rax = 42;
  r = Switch();
  ASSERT_EQ(r.kind, StopKind::kSignal);
  EXPECT_EQ(r.siginfo.signo, SIGTRAP);
  EXPECT_EQ(state_.regs.rax, 42u);

  // gettimeofday at +0x0 and getcpu at +0x800 trap the same way.
  for (auto [low, nr] : {std::pair<uint8_t, int>{0x00, 96}, std::pair<uint8_t, int>{0x08, 309}}) {
    // mov edi, 0x20000; mov rax, 0xffffffffff6?0000; call rax; int3
    LoadCode(
        {0xbf, 0x00, 0x00, 0x02, 0x00, 0x48, 0xc7, 0xc0, 0x00, low, 0x60, 0xff, 0xff, 0xd0, 0xcc});
    r = Switch();
    ASSERT_EQ(r.kind, StopKind::kVsyscall);
    EXPECT_EQ(r.vsyscall_nr, nr);
    EXPECT_EQ(state_.regs.rip, kCodeAddr + 14);
  }
  std::memcpy(&written, mem_ + kDataOff, 8);
  EXPECT_EQ(written, 0u);
}

TEST_F(PtracePlatformTest, Int80IsReportedAsI386) {
  LoadCode({0xb8, 0x14, 0x00, 0x00, 0x00, 0xcd, 0x80});  // mov eax, 20; int $0x80
  SwitchResult r = Switch();
  ASSERT_EQ(r.kind, StopKind::kSyscall);
  EXPECT_EQ(r.syscall_arch, abi::linux::kAuditArchI386);
  EXPECT_EQ(state_.regs.orig_rax, 20u);
}

TEST_F(PtracePlatformTest, InterruptStopsASpinningGuest) {
  LoadCode({0xeb, 0xfe});  // jmp .
  std::thread interrupter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    ctx_->Interrupt();
  });
  SwitchResult r = Switch();
  interrupter.join();
  ASSERT_EQ(r.kind, StopKind::kInterrupted);
  EXPECT_EQ(state_.regs.rip, kCodeAddr);

  // An Interrupt() before Switch returns at once; the next Switch runs the guest.
  ctx_->Interrupt();
  EXPECT_EQ(Switch().kind, StopKind::kInterrupted);
  mem_[kCodeOff + 2] = 0xcc;  // int3 after the loop
  state_.regs.rip = kCodeAddr + 2;
  r = Switch();
  ASSERT_EQ(r.kind, StopKind::kSignal);
  EXPECT_EQ(r.siginfo.signo, SIGTRAP);
}

TEST_F(PtracePlatformTest, SignalsFromOutsideAreSuppressed) {
  LoadCode(kSyscalls);
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);  // seizes the stub
  // SIGUSR1's default action would kill the stub; SIGSTOP would stop it.
  ASSERT_EQ(kill(stub_pid(), SIGUSR1), 0);
  ASSERT_EQ(kill(stub_pid(), SIGSTOP), 0);
  ASSERT_EQ(kill(stub_pid(), SIGCHLD), 0);  // not ours: no interrupt
  SwitchResult r = Switch();
  ASSERT_EQ(r.kind, StopKind::kSyscall);
  EXPECT_EQ(state_.regs.orig_rax, kSyscallExitGroup);
}

TEST_F(PtracePlatformTest, FpStateIsLoadedAndSurvivesSwitches) {
  // movq rdi, xmm1; mov eax, 39; syscall
  // movq xmm2, rsi; mov eax, 39; syscall
  // movq rdi, xmm2; mov eax, 39; syscall
  LoadCode({0x66, 0x48, 0x0f, 0x7e, 0xcf, 0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05,
            0x66, 0x48, 0x0f, 0x6e, 0xd6, 0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05,
            0x66, 0x48, 0x0f, 0x7e, 0xd7, 0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05});
  constexpr size_t kXmmOffset = 160;  // XMM0 in the legacy FXSAVE area
  const uint64_t pattern_a = 0x0123456789abcdef, pattern_b = 0xfedcba9876543210;
  std::memcpy(state_.fp.bytes().data() + kXmmOffset + 16 * 1, &pattern_a, 8);
  state_.fp_dirty = true;

  ASSERT_EQ(Switch().kind, StopKind::kSyscall);
  EXPECT_EQ(state_.regs.rdi, pattern_a);  // the dirty state was loaded
  EXPECT_FALSE(state_.fp_dirty);

  state_.regs.rsi = pattern_b;
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);  // xmm2 = pattern_b in the stub
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);
  EXPECT_EQ(state_.regs.rdi, pattern_b);  // xmm2 survived a round trip

  ASSERT_TRUE(ctx_->PullFpState(state_).ok());
  uint64_t xmm2;
  std::memcpy(&xmm2, state_.fp.bytes().data() + kXmmOffset + 16 * 2, 8);
  EXPECT_EQ(xmm2, pattern_b);
}

TEST_F(PtracePlatformTest, FpStateOfAnotherCpuStateIsLoaded) {
  // movq rdi, xmm1; mov eax, 39; syscall
  LoadCode({0x66, 0x48, 0x0f, 0x7e, 0xcf, 0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05});
  constexpr size_t kXmm1 = 160 + 16;
  const uint64_t a = 0x1111, b = 0x2222;
  std::memcpy(state_.fp.bytes().data() + kXmm1, &a, 8);
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);
  EXPECT_EQ(state_.regs.rdi, a);

  CpuState other;
  other.ResetForExec(kCodeAddr, kStackTop);
  std::memcpy(other.fp.bytes().data() + kXmm1, &b, 8);
  other.fp_dirty = false;  // not dirty, but the stub thread last ran state_
  ASSERT_EQ(ctx_->Switch(*as_, other).kind, StopKind::kSyscall);
  EXPECT_EQ(other.regs.rdi, b);
}

TEST_F(PtracePlatformTest, FsBaseIsLoadedAndTakenFromEachStop) {
  // mov rdi, fs:[0]; wrfsbase rsi; mov eax, 39; syscall
  LoadCode({0x64, 0x48, 0x8b, 0x3c, 0x25, 0x00, 0x00, 0x00, 0x00, 0xf3, 0x48,
            0x0f, 0xae, 0xd6, 0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05});
  const uint64_t value = 0xabcdef;
  std::memcpy(mem_ + kDataOff + 8, &value, 8);
  state_.regs.fs_base = kDataAddr + 8;
  state_.regs.rsi = 0x123000;
  SwitchResult r = Switch();
  if (r.kind == StopKind::kSignal && r.siginfo.signo == SIGILL) {
    GTEST_SKIP() << "FSGSBASE instructions are not enabled for user space";
  }
  ASSERT_EQ(r.kind, StopKind::kSyscall);
  EXPECT_EQ(state_.regs.rdi, value);
  EXPECT_EQ(state_.regs.fs_base, 0x123000u);
}

TEST_F(PtracePlatformTest, StubAddressSpaceHoldsOnlyTheStubRegionAndGuestMappings) {
  LoadCode(kSyscalls);
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);
  std::vector<std::string> lines = ReadLines("/proc/" + std::to_string(stub_pid()) + "/maps");
  ASSERT_FALSE(lines.empty());
  int stub_lines = 0;
  for (const std::string& line : lines) {
    SCOPED_TRACE(line);
    EXPECT_EQ(line.find("[vdso]"), std::string::npos);
    EXPECT_EQ(line.find("[vvar"), std::string::npos);
    uint64_t start = 0, end = 0;
    ASSERT_EQ(sscanf(line.c_str(), "%lx-%lx", &start, &end), 2);
    if (line.find("[vsyscall]") != std::string::npos) continue;  // can't be unmapped
    if (start >= kStubRegionStart) {
      EXPECT_LE(end, kStubRegionEnd);
      ++stub_lines;
      continue;
    }
    // Guest mappings: all from the MemoryFile.
    EXPECT_NE(line.find("kekkai-test-memory"), std::string::npos);
    EXPECT_TRUE(start == kCodeAddr || start == kDataAddr || start == kRoAddr ||
                start == kStackAddr);
  }
  EXPECT_EQ(stub_lines, 3);  // code r-x, data rw-s, stack rw-p
  bool code_ok = false;
  for (const std::string& line : lines) {
    code_ok |= line.rfind("7fffffff9000-7fffffffa000 r-xp", 0) == 0;
  }
  EXPECT_TRUE(code_ok);
}

TEST_F(PtracePlatformTest, StubKeepsOnlyTheMemoryFileFd) {
  const std::string dir = "/proc/" + std::to_string(stub_pid()) + "/fd";
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr);
  std::vector<std::string> fds;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') fds.push_back(e->d_name);
  }
  closedir(d);
  ASSERT_EQ(fds.size(), 1u);
  struct stat stub_fd, ours;
  ASSERT_EQ(stat((dir + "/" + fds[0]).c_str(), &stub_fd), 0);
  ASSERT_EQ(fstat(memfd_.get(), &ours), 0);
  EXPECT_EQ(stub_fd.st_ino, ours.st_ino);
  EXPECT_EQ(stub_fd.st_dev, ours.st_dev);
}

TEST_F(PtracePlatformTest, StubStartsClean) {
  const pid_t pid = stub_pid();
  EXPECT_EQ(getsid(pid), pid);  // the caller's terminal signals can't reach it
  for (const std::string& line : ReadLines("/proc/" + std::to_string(pid) + "/status")) {
    if (line.rfind("SigCgt:", 0) == 0 || line.rfind("SigIgn:", 0) == 0 ||
        line.rfind("SigBlk:", 0) == 0) {
      EXPECT_NE(line.find("0000000000000000"), std::string::npos) << line;
    }
    if (line.rfind("Seccomp:", 0) == 0) {
      EXPECT_NE(line.find('2'), std::string::npos) << line;  // SECCOMP_MODE_FILTER
    }
    if (line.rfind("NoNewPrivs:", 0) == 0) {
      EXPECT_NE(line.find('1'), std::string::npos) << line;
    }
  }
  // No robust futex list and no rseq area left from the sentry's glibc.
  long head = -1;
  size_t len = 0;
  ASSERT_EQ(syscall(SYS_get_robust_list, pid, &head, &len), 0);
  EXPECT_EQ(head, 0);
  LoadCode(kSyscalls);
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);  // now we trace it
  struct {
    uint64_t rseq_abi_pointer;
    uint32_t rseq_abi_size, signature, flags, pad;
  } rseq{~uint64_t{0}, 0, 0, 0, 0};
  constexpr int kPtraceGetRseqConfiguration = 0x420f;
  ASSERT_GT(::ptrace(static_cast<__ptrace_request>(kPtraceGetRseqConfiguration), pid,
                     reinterpret_cast<void*>(sizeof(rseq)), &rseq),
            0);
  EXPECT_EQ(rseq.rseq_abi_pointer, 0u);
  EXPECT_EQ(rseq.rseq_abi_size, 0u);
}

TEST_F(PtracePlatformTest, StubAndTracerArePinnedTogether) {
  if (get_nprocs() < 2) GTEST_SKIP() << "one CPU: nothing to pin";
  LoadCode(kSyscalls);
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);
  cpu_set_t stub, now;
  ASSERT_EQ(sched_getaffinity(stub_pid(), sizeof(stub), &stub), 0);
  ASSERT_EQ(sched_getaffinity(0, sizeof(now), &now), 0);
  EXPECT_EQ(CPU_COUNT(&stub), 1);
  EXPECT_TRUE(CPU_EQUAL(&stub, &now));
}

TEST_F(PtracePlatformTest, StubRegionIsRefused) {
  EXPECT_EQ(as_->max_user_address(), kStubRegionStart);
  EXPECT_EQ(as_->MapFile(GuestAddr(kStubRegionStart - kPageSize), 0, 2 * kPageSize,
                         AccessType::ReadWrite())
                .error(),
            Errno(ENOMEM));
  EXPECT_EQ(as_->MapFile(GuestAddr(kStubCodeAddr), 0, kPageSize, AccessType::ReadWrite()).error(),
            Errno(ENOMEM));
  EXPECT_EQ(
      as_->MapFile(GuestAddr(0xffffffffffff0000), 0, kPageSize, AccessType::ReadWrite()).error(),
      Errno(ENOMEM));
  EXPECT_EQ(as_->Unmap(GuestAddr(kStubRegionStart), kPageSize).error(), Errno(ENOMEM));
  EXPECT_EQ(as_->Unmap(GuestAddr(0x10000), ~uint64_t{0} & ~kPageMask).error(), Errno(ENOMEM));
  EXPECT_EQ(as_->MapFile(GuestAddr(0x10001), 0, kPageSize, AccessType::ReadWrite()).error(),
            Errno(EINVAL));
  EXPECT_EQ(as_->MapFile(GuestAddr(0x10000), 1, kPageSize, AccessType::ReadWrite()).error(),
            Errno(EINVAL));
  EXPECT_EQ(as_->Unmap(GuestAddr(0x10000), 0).error(), Errno(EINVAL));
  // The page right below the region is the guest's.
  EXPECT_TRUE(
      as_->MapFile(GuestAddr(kStubRegionStart - kPageSize), 0, kPageSize, AccessType::ReadOnly())
          .ok());
  LoadCode(kSyscalls);
  EXPECT_EQ(Switch().kind, StopKind::kSyscall);
}

TEST_F(PtracePlatformTest, ManyOpsAreAppliedInSeveralInjections) {
  // 2 * kMaxStubOps pages with alternating protections, so nothing coalesces.
  constexpr uint64_t kBase = 0x1000000;
  const size_t n = 2 * kMaxStubOps + 3;
  for (size_t i = 0; i < n; ++i) {
    AccessType access = i % 2 ? AccessType::ReadOnly() : AccessType::ReadWrite();
    ASSERT_TRUE(
        as_->MapFile(GuestAddr(kBase + 2 * i * kPageSize), kDataOff, kPageSize, access).ok());
  }
  // mov rax, [rbx]; mov eax, 39; syscall   (reads the last page)
  LoadCode({0x48, 0x8b, 0x03, 0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05});
  state_.regs.rbx = kBase + 2 * (n - 1) * kPageSize;
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);
  int guest_lines = 0;
  for (const std::string& line : ReadLines("/proc/" + std::to_string(stub_pid()) + "/maps")) {
    uint64_t start = 0;
    sscanf(line.c_str(), "%lx", &start);
    guest_lines += start >= kBase && start < kStubRegionStart;
  }
  EXPECT_EQ(guest_lines, static_cast<int>(n));

  // Adjacent mappings of adjacent file ranges coalesce; so do unmaps.
  ASSERT_TRUE(as_->Unmap(GuestAddr(kBase), 2 * n * kPageSize).ok());
  ASSERT_TRUE(as_->Flush().ok());
  for (const std::string& line : ReadLines("/proc/" + std::to_string(stub_pid()) + "/maps")) {
    uint64_t start = 0;
    sscanf(line.c_str(), "%lx", &start);
    EXPECT_FALSE(start >= kBase && start < kStubRegionStart) << line;
  }
}

TEST_F(PtracePlatformTest, FailedMappingIsAnError) {
  LoadCode(kSyscalls);
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);
  // A sealed file refuses writable shared mappings.
  ASSERT_EQ(fcntl(memfd_.get(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
  ASSERT_TRUE(as_->MapFile(GuestAddr(0x800000), kDataOff, kPageSize, AccessType::ReadWrite()).ok());
  EXPECT_EQ(as_->Flush().error(), Errno(ENOMEM));
  // What the stub maps is no longer known: the address space stays broken, so the
  // memory manager never frees pages it may still map, and the guest can't run.
  EXPECT_EQ(as_->Flush().error(), Errno(ENOMEM));
  ASSERT_TRUE(as_->Unmap(GuestAddr(0x800000), kPageSize).ok());
  EXPECT_EQ(as_->Flush().error(), Errno(ENOMEM));
  EXPECT_EQ(Switch().kind, StopKind::kDied);
}

TEST_F(PtracePlatformTest, StubKilledFromOutsideIsDied) {
  LoadCode({0xeb, 0xfe});  // jmp .
  const pid_t pid = stub_pid();
  std::thread killer([pid] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    kill(pid, SIGKILL);
  });
  SwitchResult r = Switch();
  killer.join();
  EXPECT_EQ(r.kind, StopKind::kDied);
  EXPECT_FALSE(ProcessExists(pid));  // reaped by the Switch
  EXPECT_EQ(Switch().kind, StopKind::kDied);
  as_.reset();  // must not signal or wait for a pid that may be reused
}

TEST_F(PtracePlatformTest, DestroyingAddressSpacesLeavesNoProcess) {
  // Never switched: a plain child of the factory thread.
  auto fresh = platform_->NewAddressSpace();
  ASSERT_TRUE(fresh.ok());
  const pid_t untraced = static_cast<PtraceAddressSpace&>(**fresh).stub_pid();
  EXPECT_EQ(ProcessState(untraced), 'T');
  fresh->reset();
  EXPECT_FALSE(ProcessExists(untraced));

  // Traced.
  LoadCode(kSyscalls);
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);
  const pid_t traced = stub_pid();
  EXPECT_EQ(ProcessState(traced), 't');
  as_.reset();
  EXPECT_FALSE(ProcessExists(traced));

  // Killed from outside while not traced: a zombie until its address space goes.
  auto killed = platform_->NewAddressSpace();
  ASSERT_TRUE(killed.ok());
  const pid_t zombie = static_cast<PtraceAddressSpace&>(**killed).stub_pid();
  kill(zombie, SIGKILL);
  for (int i = 0; i < 1000 && ProcessState(zombie) != 'Z'; ++i) usleep(1000);
  EXPECT_EQ(ProcessState(zombie), 'Z');
  killed->reset();
  EXPECT_FALSE(ProcessExists(zombie));
}

TEST_F(PtracePlatformTest, AddressSpaceOutlivesPlatform) {
  LoadCode(kSyscalls);
  // The address space keeps the factory thread, the stub's parent, alive: the
  // stub gets no PR_SET_PDEATHSIG signal.
  platform_.reset();
  EXPECT_EQ(Switch().kind, StopKind::kSyscall);
  ASSERT_TRUE(as_->MapFile(GuestAddr(0x800000), 0, kPageSize, AccessType::ReadOnly()).ok());
  EXPECT_TRUE(as_->Flush().ok());
  const pid_t pid = stub_pid();
  as_.reset();
  EXPECT_FALSE(ProcessExists(pid));
}

TEST_F(PtracePlatformTest, SecondHostThreadIsRefused) {
  LoadCode(kSyscalls);
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);
  StopKind other_kind = StopKind::kSyscall;
  std::thread other([&] {
    auto ctx = platform_->NewContext();
    ASSERT_TRUE(ctx.ok());
    CpuState s;
    s.ResetForExec(kCodeAddr, kStackTop);
    other_kind = (*ctx)->Switch(*as_, s).kind;
  });
  other.join();
  EXPECT_EQ(other_kind, StopKind::kDied);
  EXPECT_EQ(Switch().kind, StopKind::kSyscall);  // the first tracer still runs it
}

TEST_F(PtracePlatformTest, StubDiesWithItsTracerThread) {
  LoadCode(kSyscalls);
  const pid_t pid = stub_pid();
  std::thread tracer([&] {
    auto ctx = platform_->NewContext();
    ASSERT_TRUE(ctx.ok());
    EXPECT_EQ((*ctx)->Switch(*as_, state_).kind, StopKind::kSyscall);
  });
  tracer.join();
  // PTRACE_O_EXITKILL: the stub got SIGKILL when its tracer exited.
  for (int i = 0; i < 1000 && ProcessState(pid) != 'Z'; ++i) usleep(1000);
  EXPECT_EQ(ProcessState(pid), 'Z');
  as_.reset();
  EXPECT_FALSE(ProcessExists(pid));
}

TEST_F(PtracePlatformTest, DestroyingThePlatformLeavesNoProcess) {
  const pid_t pid = stub_pid();
  LoadCode(kSyscalls);
  ASSERT_EQ(Switch().kind, StopKind::kSyscall);
  ctx_.reset();
  as_.reset();
  platform_.reset();
  EXPECT_FALSE(ProcessExists(pid));
  // No child of ours is left at all.
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG | __WALL), -1);
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace kekkai::platform::ptrace

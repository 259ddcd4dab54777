// Checks Load's output against real programs: a forked child loads a host
// program into its own address space through a LoadTarget over mmap(2), then
// jumps to the entry point with the built stack, and the program (static
// busybox; dynamic coreutils through the real ld.so) runs natively. glibc's
// start-up reads argv, envp and the auxv (AT_PHDR, AT_RANDOM, AT_BASE, ...), so a
// wrong layout shows up as a crash or wrong output. Nothing is sandboxed here:
// the programs run as this test.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sentry/loader/elf.h"
#include "sentry/loader/executable_source.h"
#include "sentry/loader/loader.h"

namespace kekkai::sentry::loader {
namespace {

// Low enough (16 TiB) to stay clear of this process's own mappings (PIE at
// 0x55..., libraries and stack at 0x7f...).
constexpr uint64_t kMax = uint64_t{1} << 44;

// Maps into the calling process. Only for the forked child.
class HostMemoryTarget : public LoadTarget {
 public:
  uint64_t max_user_address() override { return kMax; }
  void SetLayout(uint64_t mmap_base, uint64_t) override { mmap_base_ = mmap_base; }
  Result<GuestAddr> Map(const TargetMapping& m) override {
    const uint64_t hint = m.fixed ? m.addr : mmap_base_ - m.length;
    const int flags = MAP_PRIVATE | MAP_ANONYMOUS | (m.fixed ? MAP_FIXED_NOREPLACE : 0) |
                      (m.grows_down ? MAP_GROWSDOWN : 0);
    void* p = mmap(reinterpret_cast<void*>(hint), m.length, m.prot, flags, -1, 0);
    if (p == MAP_FAILED) return LastErrno();
    // Kernels before 4.17 take MAP_FIXED_NOREPLACE as a hint.
    if (m.fixed && reinterpret_cast<uint64_t>(p) != hint) {
      munmap(p, m.length);
      return Errno(EEXIST);
    }
    return GuestAddr(reinterpret_cast<uint64_t>(p));
  }
  Result<void> Unmap(GuestAddr addr, uint64_t length) override {
    if (munmap(reinterpret_cast<void*>(Raw(addr)), length) != 0) return LastErrno();
    return Ok();
  }
  Result<void> Protect(GuestAddr addr, uint64_t length, int prot) override {
    if (mprotect(reinterpret_cast<void*>(Raw(addr)), length, prot) != 0) return LastErrno();
    return Ok();
  }
  Result<void> CopyOut(GuestAddr dst, std::span<const std::byte> src) override {
    std::memcpy(reinterpret_cast<void*>(Raw(dst)), src.data(), src.size());
    return Ok();
  }
  void SetBrkStart(GuestAddr) override {}
  void SetExecRanges(const ExecRanges&) override {}

 private:
  uint64_t mmap_base_ = kMax;
};

[[noreturn]] void JumpToEntry(uint64_t entry, uint64_t sp) {
  // The x86-64 process entry state: rsp at argc, rdx 0 (no rtld_fini for a static
  // program's atexit), rbp 0 (outermost frame).
  asm volatile(
      "mov %0, %%rsp\n"
      "xor %%edx, %%edx\n"
      "xor %%ebp, %%ebp\n"
      "jmp *%1\n"
      :
      : "r"(sp), "r"(entry)
      : "rdx", "memory");
  __builtin_unreachable();
}

struct RunResult {
  int status = -1;
  std::string out;
};

// Loads `path` in a forked child and runs it; returns its exit status and stdout.
RunResult LoadAndRun(const std::string& path, std::vector<std::string> argv,
                     std::vector<std::string> envp) {
  int pipefd[2];
  EXPECT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
  // Exit codes 120-122: the child failed before jumping (see below).
  const pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    Result<HostFileSource> src = HostFileSource::Open(path.c_str());
    if (!src.ok()) _exit(120);
    HostMemoryTarget target;
    LoadRequest req;
    req.file = &*src;
    req.execfn = path;
    req.argv = std::move(argv);
    req.envp = std::move(envp);
    req.uid = getuid();
    req.euid = geteuid();
    req.gid = getgid();
    req.egid = getegid();
    req.open_interpreter = [](const std::string& p) -> Result<std::unique_ptr<ExecutableSource>> {
      ASSIGN_OR_RETURN(HostFileSource s, HostFileSource::Open(p.c_str()));
      return std::unique_ptr<ExecutableSource>(std::make_unique<HostFileSource>(std::move(s)));
    };
    Result<LoadResult> r = LoadInto(target, req);
    if (!r.ok()) _exit(121);
    if (dup2(pipefd[1], 1) != 1) _exit(122);
    JumpToEntry(r->entry, r->stack_pointer);
  }
  close(pipefd[1]);
  RunResult res;
  char buf[4096];
  for (ssize_t n; (n = read(pipefd[0], buf, sizeof(buf))) > 0;) res.out.append(buf, n);
  close(pipefd[0]);
  EXPECT_EQ(waitpid(pid, &res.status, 0), pid);
  return res;
}

bool IsStaticElf(const char* path, std::string* why) {
  Result<HostFileSource> src = HostFileSource::Open(path);
  if (!src.ok()) {
    *why = std::string(path) + " not present";
    return false;
  }
  Result<ElfInfo> info = ParseElf(*src);
  if (!info.ok() || info->interpreter.has_value()) {
    *why = std::string(path) + " is not a static ELF program";
    return false;
  }
  return true;
}

// ASan's shadow memory covers the range the images are loaded into.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif

class NativeExecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kAsan) GTEST_SKIP() << "ASan's shadow memory occupies the load addresses";
  }
};

TEST_F(NativeExecTest, StaticBusyboxSeesArgvAndEnvp) {
  std::string why;
  if (!IsStaticElf("/bin/busybox", &why)) GTEST_SKIP() << why << " (install busybox-static)";
  const RunResult r =
      LoadAndRun("/bin/busybox", {"busybox", "echo", "hello", "from kekkai"}, {"A=1"});
  EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << std::hex << r.status;
  EXPECT_EQ(r.out, "hello from kekkai\n");

  const RunResult env = LoadAndRun("/bin/busybox", {"env"}, {"FOO=bar", "EMPTY=", "Z=1 2"});
  EXPECT_TRUE(WIFEXITED(env.status) && WEXITSTATUS(env.status) == 0) << std::hex << env.status;
  EXPECT_EQ(env.out, "FOO=bar\nEMPTY=\nZ=1 2\n");
}

TEST_F(NativeExecTest, DynamicProgramThroughTheRealInterpreter) {
  Result<HostFileSource> src = HostFileSource::Open("/bin/echo");
  if (!src.ok()) GTEST_SKIP() << "/bin/echo not present";
  Result<ElfInfo> info = ParseElf(*src);
  ASSERT_TRUE(info.ok());
  if (!info->interpreter.has_value()) GTEST_SKIP() << "/bin/echo is static";
  const RunResult r = LoadAndRun("/bin/echo", {"echo", "-n", "dynamic", "ok"}, {"LANG=C"});
  EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << std::hex << r.status;
  EXPECT_EQ(r.out, "dynamic ok");
}

}  // namespace
}  // namespace kekkai::sentry::loader

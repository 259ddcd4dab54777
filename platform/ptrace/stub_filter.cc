#include "platform/ptrace/stub_filter.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include <cstddef>

#include "abi/linux/ptrace.h"

namespace kekkai::platform::ptrace {
namespace {

// Offsets in struct seccomp_data (little-endian halves of the 64-bit ip).
constexpr uint32_t kNrOffset = offsetof(seccomp_data, nr);
constexpr uint32_t kArchOffset = offsetof(seccomp_data, arch);
constexpr uint32_t kIpLowOffset = offsetof(seccomp_data, instruction_pointer);
constexpr uint32_t kIpHighOffset = kIpLowOffset + 4;

constexpr uint32_t kStubSyscalls[] = {SYS_mmap, SYS_munmap, SYS_getpid,
                                      SYS_kill, SYS_exit,   SYS_exit_group};
constexpr uint32_t kVsyscallSyscalls[] = {SYS_gettimeofday, SYS_time, SYS_getcpu};

sock_filter Stmt(uint16_t code, uint32_t k) { return BPF_STMT(code, k); }

// Where a conditional jump goes; resolved to a relative offset once every label's
// index is known.
enum class Target { kNext, kNotStub, kAllow, kTrap, kKill };

struct PendingJump {
  size_t at;
  Target jt;
  Target jf;
};

}  // namespace

std::vector<sock_filter> BuildStubFilter(uint64_t code_page) {
  static_assert(abi::linux::kAuditArchX86_64 == AUDIT_ARCH_X86_64);
  using enum Target;
  std::vector<sock_filter> prog;
  std::vector<PendingJump> jumps;
  // Label indices, set as their instructions are emitted.
  size_t not_stub = 0, allow = 0, trap = 0, kill = 0;
  auto jeq = [&](uint32_t k, Target jt, Target jf) {
    jumps.push_back({prog.size(), jt, jf});
    prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 0));
  };

  prog.push_back(Stmt(BPF_LD | BPF_W | BPF_ABS, kArchOffset));
  jeq(AUDIT_ARCH_X86_64, kNext, kKill);
  prog.push_back(Stmt(BPF_LD | BPF_W | BPF_ABS, kIpHighOffset));
  jeq(static_cast<uint32_t>(code_page >> 32), kNext, kNotStub);
  prog.push_back(Stmt(BPF_LD | BPF_W | BPF_ABS, kIpLowOffset));
  prog.push_back(Stmt(BPF_ALU | BPF_AND | BPF_K, 0xfffff000));
  jeq(static_cast<uint32_t>(code_page), kNext, kNotStub);
  prog.push_back(Stmt(BPF_LD | BPF_W | BPF_ABS, kNrOffset));
  for (uint32_t nr : kStubSyscalls) jeq(nr, kAllow, kNext);
  prog.push_back(Stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  not_stub = prog.size();
  prog.push_back(Stmt(BPF_LD | BPF_W | BPF_ABS, kNrOffset));
  for (uint32_t nr : kVsyscallSyscalls) jeq(nr, kTrap, kNext);
  prog.push_back(Stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
  allow = prog.size();
  prog.push_back(Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  trap = prog.size();
  prog.push_back(Stmt(BPF_RET | BPF_K, SECCOMP_RET_TRAP));
  kill = prog.size();
  prog.push_back(Stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));

  auto resolve = [&](size_t at, Target t) -> uint8_t {
    size_t dest = at + 1;
    switch (t) {
      case kNext:
        dest = at + 1;
        break;
      case kNotStub:
        dest = not_stub;
        break;
      case kAllow:
        dest = allow;
        break;
      case kTrap:
        dest = trap;
        break;
      case kKill:
        dest = kill;
        break;
    }
    // BPF jumps are forward and fit in 8 bits; this program is ~25 instructions.
    return static_cast<uint8_t>(dest - (at + 1));
  };
  for (const PendingJump& j : jumps) {
    prog[j.at].jt = resolve(j.at, j.jt);
    prog[j.at].jf = resolve(j.at, j.jf);
  }
  return prog;
}

}  // namespace kekkai::platform::ptrace

// x86-64 register layout used by ptrace (struct user_regs_struct) and the
// segment selectors and eflags of a 64-bit user task.
#ifndef KEKKAI_ABI_LINUX_PTRACE_H_
#define KEKKAI_ABI_LINUX_PTRACE_H_

#include <cstdint>

namespace kekkai::abi::linux {

struct PtraceRegs {
  uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi, orig_rax;
  uint64_t rip, cs, eflags, rsp, ss, fs_base, gs_base, ds, es, fs, gs;
};
static_assert(sizeof(PtraceRegs) == 27 * 8);

inline constexpr uint64_t kUserCs = 0x33;
inline constexpr uint64_t kUserDs = 0x2b;
// IF plus the always-one bit 1.
inline constexpr uint64_t kInitialEflags = 0x202;

// Audit arches reported by PTRACE_GET_SYSCALL_INFO and seccomp.
inline constexpr uint32_t kAuditArchX86_64 = 0xc000003e;
inline constexpr uint32_t kAuditArchI386 = 0x40000003;
// Bit set in the syscall number by x32 programs.
inline constexpr uint64_t kX32SyscallBit = 0x40000000;

// The legacy FXSAVE region's size and the XSAVE header that follows it.
inline constexpr uint64_t kFxsaveSize = 512;
inline constexpr uint64_t kXsaveHeaderSize = 64;
inline constexpr uint16_t kInitialFcw = 0x37f;
inline constexpr uint32_t kInitialMxcsr = 0x1f80;
inline constexpr uint32_t kMxcsrMask = 0xffbf;

}  // namespace kekkai::abi::linux

#endif  // KEKKAI_ABI_LINUX_PTRACE_H_

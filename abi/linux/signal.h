// Signal ABI: numbers, sigaction/siginfo/stack_t/ucontext layouts and the
// x86-64 rt_sigframe, as the kernel defines them (not glibc's).
#ifndef KEKKAI_ABI_LINUX_SIGNAL_H_
#define KEKKAI_ABI_LINUX_SIGNAL_H_

#include <cstddef>
#include <cstdint>

namespace kekkai::abi::linux {

inline constexpr int kSigHup = 1, kSigInt = 2, kSigQuit = 3, kSigIll = 4, kSigTrap = 5,
                     kSigAbrt = 6, kSigBus = 7, kSigFpe = 8, kSigKill = 9, kSigUsr1 = 10,
                     kSigSegv = 11, kSigUsr2 = 12, kSigPipe = 13, kSigAlrm = 14, kSigTerm = 15,
                     kSigStkflt = 16, kSigChld = 17, kSigCont = 18, kSigStop = 19, kSigTstp = 20,
                     kSigTtin = 21, kSigTtou = 22, kSigUrg = 23, kSigXcpu = 24, kSigXfsz = 25,
                     kSigVtalrm = 26, kSigProf = 27, kSigWinch = 28, kSigIo = 29, kSigPwr = 30,
                     kSigSys = 31;
inline constexpr int kSigRtmin = 32;
inline constexpr int kNumSignals = 64;

using SigSet = uint64_t;
// Returns the mask bit of signal `sig` (1-based).
constexpr SigSet SigMask(int sig) { return SigSet{1} << (sig - 1); }
// Signals that can never be blocked, caught or ignored.
inline constexpr SigSet kUnblockableSignals = SigMask(kSigKill) | SigMask(kSigStop);

inline constexpr uint64_t kSaNocldstop = 0x00000001;
inline constexpr uint64_t kSaNocldwait = 0x00000002;
inline constexpr uint64_t kSaSiginfo = 0x00000004;
inline constexpr uint64_t kSaRestorer = 0x04000000;
inline constexpr uint64_t kSaOnstack = 0x08000000;
inline constexpr uint64_t kSaRestart = 0x10000000;
inline constexpr uint64_t kSaNodefer = 0x40000000;
inline constexpr uint64_t kSaResethand = 0x80000000;

inline constexpr uint64_t kSigDfl = 0;
inline constexpr uint64_t kSigIgn = 1;

inline constexpr int kSigBlock = 0;
inline constexpr int kSigUnblock = 1;
inline constexpr int kSigSetmask = 2;

// struct sigaction as rt_sigaction(2) takes it.
struct SigAction {
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  SigSet mask;
};
static_assert(sizeof(SigAction) == 32);

// si_code values.
inline constexpr int32_t kSiUser = 0;
inline constexpr int32_t kSiKernel = 0x80;
inline constexpr int32_t kSiQueue = -1;
inline constexpr int32_t kSiTimer = -2;
inline constexpr int32_t kSiTkill = -6;
inline constexpr int32_t kSegvMaperr = 1;
inline constexpr int32_t kSegvAccerr = 2;
inline constexpr int32_t kBusAdrerr = 2;
inline constexpr int32_t kSiSysSeccomp = 1;  // SYS_SECCOMP

// struct siginfo (128 bytes). The union is kept as raw words with typed accessors.
struct SigInfo {
  int32_t signo;
  int32_t errno_;
  int32_t code;
  int32_t pad0;
  uint8_t fields[112];

  // kill/tkill/sigqueue and SIGCHLD: si_pid, si_uid.
  int32_t pid() const { return Get<int32_t>(0); }
  void set_pid(int32_t v) { Set(0, v); }
  uint32_t uid() const { return Get<uint32_t>(4); }
  void set_uid(uint32_t v) { Set(4, v); }
  // SIGSEGV/SIGBUS/SIGILL/SIGFPE: si_addr. SIGSYS (seccomp): si_call_addr.
  uint64_t addr() const { return Get<uint64_t>(0); }
  void set_addr(uint64_t v) { Set(0, v); }
  // SIGSYS (seccomp): si_syscall, si_arch.
  int32_t syscall() const { return Get<int32_t>(8); }
  uint32_t arch() const { return Get<uint32_t>(12); }

 private:
  template <typename T>
  T Get(size_t off) const {
    T v;
    __builtin_memcpy(&v, fields + off, sizeof(T));
    return v;
  }
  template <typename T>
  void Set(size_t off, T v) {
    __builtin_memcpy(fields + off, &v, sizeof(T));
  }
};
static_assert(sizeof(SigInfo) == 128);

inline constexpr int32_t kSsOnstack = 1;
inline constexpr int32_t kSsDisable = 2;
inline constexpr int32_t kSsAutodisarm = int32_t(1u << 31);
inline constexpr uint64_t kMinSigstksz = 2048;

// stack_t.
struct StackT {
  uint64_t sp;
  int32_t flags;
  int32_t pad;
  uint64_t size;
};
static_assert(sizeof(StackT) == 24);

// struct sigcontext (64-bit).
struct SigContext {
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
  uint64_t eflags;
  uint16_t cs, gs, fs, ss;
  uint64_t err, trapno, oldmask, cr2;
  uint64_t fpstate;
  uint64_t reserved1[8];
};
static_assert(sizeof(SigContext) == 256);

// struct ucontext as the kernel lays it out in a signal frame.
struct UContext {
  uint64_t flags;
  uint64_t link;
  StackT stack;
  SigContext mcontext;
  SigSet sigmask;
};
static_assert(sizeof(UContext) == 304);

inline constexpr uint64_t kUcFpXstate = 0x1;
inline constexpr uint64_t kUcSigcontextSs = 0x2;
inline constexpr uint64_t kUcStrictRestoreSs = 0x4;

// struct rt_sigframe; the FPU state follows at a 64-byte-aligned address below it.
struct RtSigframe {
  uint64_t pretcode;
  UContext uc;
  SigInfo info;
};
static_assert(sizeof(RtSigframe) == 440);
static_assert(offsetof(RtSigframe, info) == 312);

// Magic words of the extended FPU state in a signal frame (struct _fpx_sw_bytes).
inline constexpr uint32_t kFpXstateMagic1 = 0x46505853;
inline constexpr uint32_t kFpXstateMagic2 = 0x46505845;
inline constexpr uint64_t kFpxSwBytesOffset = 464;  // within the 512-byte FXSAVE area

struct FpxSwBytes {
  uint32_t magic1;
  uint32_t extended_size;
  uint64_t xfeatures;
  uint32_t xstate_size;
  uint32_t padding[7];
};
static_assert(sizeof(FpxSwBytes) == 48);

}  // namespace kekkai::abi::linux

#endif  // KEKKAI_ABI_LINUX_SIGNAL_H_

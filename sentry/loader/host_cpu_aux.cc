#include "sentry/loader/host_cpu_aux.h"

#include <cpuid.h>
#include <sys/auxv.h>

#include "abi/linux/auxv.h"

namespace kekkai::sentry::loader {
namespace {

namespace linux = ::kekkai::abi::linux;

// Returns the XSAVE area size for the features enabled in XCR0 (CPUID.(EAX=0DH,
// ECX=0):EBX), or 0 without XSAVE.
uint32_t HostXsaveSize() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return 0;
  if ((ecx & bit_OSXSAVE) == 0) return 0;
  if (__get_cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx) == 0) return 0;
  return ebx;
}

HostCpuAux ReadHostCpuAux() {
  HostCpuAux aux;
  aux.hwcap = getauxval(linux::kAtHwcap);
  aux.hwcap2 = getauxval(linux::kAtHwcap2);
  aux.minsigstksz = getauxval(linux::kAtMinsigstksz);
  if (aux.minsigstksz == 0) aux.minsigstksz = MinSigStackSizeForXsave(HostXsaveSize());
  return aux;
}

}  // namespace

uint64_t MinSigStackSizeForXsave(uint32_t xsave_size) {
  // arch/x86/kernel/signal.c init_sigframe_size(): the rt_sigframe (return
  // address, ucontext, siginfo: 440 bytes) with its alignment slack (15), plus the
  // FPU state (the XSAVE area and its 4-byte FP_XSTATE_MAGIC2 trailer, or the bare
  // 512-byte FXSAVE area; and the 112-byte i387 fsave header kernels with
  // IA32_EMULATION always reserve) with its 64-byte alignment slack (63), rounded
  // to 16. Only used on hosts older than 5.14, which lack AT_MINSIGSTKSZ.
  constexpr uint64_t kSigframe = 440 + 15;
  constexpr uint64_t kFsaveHeader = 112;
  constexpr uint64_t kXsavePadding = 63;
  const uint64_t fpstate = (xsave_size == 0 ? 512 : uint64_t{xsave_size} + 4) + kFsaveHeader;
  return (kSigframe + fpstate + kXsavePadding + 15) & ~uint64_t{15};
}

const HostCpuAux& GetHostCpuAux() {
  static const HostCpuAux aux = ReadHostCpuAux();
  return aux;
}

}  // namespace kekkai::sentry::loader

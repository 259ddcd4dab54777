// The auxv values a guest inherits from the host CPU: AT_HWCAP, AT_HWCAP2 and
// AT_MINSIGSTKSZ. Guest code runs on the host's CPU (every platform), so it sees
// the same features the sentry was given.
#ifndef KEKKAI_SENTRY_LOADER_HOST_CPU_AUX_H_
#define KEKKAI_SENTRY_LOADER_HOST_CPU_AUX_H_

#include <cstdint>

namespace kekkai::sentry::loader {

struct HostCpuAux {
  uint64_t hwcap = 0;
  uint64_t hwcap2 = 0;
  uint64_t minsigstksz = 0;
};

// Returns the host's values, read once from the sentry's own auxv (getauxval);
// AT_MINSIGSTKSZ is computed from the CPU's XSAVE size when the host kernel
// predates it. Thread-safe.
const HostCpuAux& GetHostCpuAux();

// Returns Linux's AT_MINSIGSTKSZ for an XSAVE area of `xsave_size` bytes (0: no
// XSAVE, the 512-byte FXSAVE area): the biggest signal frame the kernel builds.
uint64_t MinSigStackSizeForXsave(uint32_t xsave_size);

}  // namespace kekkai::sentry::loader

#endif  // KEKKAI_SENTRY_LOADER_HOST_CPU_AUX_H_

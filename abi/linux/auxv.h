// Auxiliary vector keys (AT_*).
#ifndef KEKKAI_ABI_LINUX_AUXV_H_
#define KEKKAI_ABI_LINUX_AUXV_H_

#include <cstdint>

namespace kekkai::abi::linux {

inline constexpr uint64_t kAtNull = 0;
inline constexpr uint64_t kAtIgnore = 1;
inline constexpr uint64_t kAtPhdr = 3;
inline constexpr uint64_t kAtPhent = 4;
inline constexpr uint64_t kAtPhnum = 5;
inline constexpr uint64_t kAtPagesz = 6;
inline constexpr uint64_t kAtBase = 7;
inline constexpr uint64_t kAtFlags = 8;
inline constexpr uint64_t kAtEntry = 9;
inline constexpr uint64_t kAtUid = 11;
inline constexpr uint64_t kAtEuid = 12;
inline constexpr uint64_t kAtGid = 13;
inline constexpr uint64_t kAtEgid = 14;
inline constexpr uint64_t kAtPlatform = 15;
inline constexpr uint64_t kAtHwcap = 16;
inline constexpr uint64_t kAtClktck = 17;
inline constexpr uint64_t kAtSecure = 23;
inline constexpr uint64_t kAtRandom = 25;
inline constexpr uint64_t kAtHwcap2 = 26;
inline constexpr uint64_t kAtExecfn = 31;
inline constexpr uint64_t kAtSysinfoEhdr = 33;
inline constexpr uint64_t kAtMinsigstksz = 51;

struct AuxEntry {
  uint64_t key;
  uint64_t value;
};
static_assert(sizeof(AuxEntry) == 16);

}  // namespace kekkai::abi::linux

#endif  // KEKKAI_ABI_LINUX_AUXV_H_

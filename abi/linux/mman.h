// Memory-mapping constants: PROT_*, MAP_*, MREMAP_*, MADV_*.
#ifndef KEKKAI_ABI_LINUX_MMAN_H_
#define KEKKAI_ABI_LINUX_MMAN_H_

#include <cstdint>

namespace kekkai::abi::linux {

inline constexpr int kProtNone = 0x0;
inline constexpr int kProtRead = 0x1;
inline constexpr int kProtWrite = 0x2;
inline constexpr int kProtExec = 0x4;
inline constexpr int kProtGrowsdown = 0x01000000;
inline constexpr int kProtGrowsup = 0x02000000;

inline constexpr int kMapShared = 0x01;
inline constexpr int kMapPrivate = 0x02;
inline constexpr int kMapSharedValidate = 0x03;
inline constexpr int kMapTypeMask = 0x0f;
inline constexpr int kMapFixed = 0x10;
inline constexpr int kMapAnonymous = 0x20;
inline constexpr int kMap32Bit = 0x40;
inline constexpr int kMapGrowsdown = 0x0100;
inline constexpr int kMapDenywrite = 0x0800;
inline constexpr int kMapExecutable = 0x1000;
inline constexpr int kMapLocked = 0x2000;
inline constexpr int kMapNoreserve = 0x4000;
inline constexpr int kMapPopulate = 0x8000;
inline constexpr int kMapNonblock = 0x10000;
inline constexpr int kMapStack = 0x20000;
inline constexpr int kMapHugetlb = 0x40000;
inline constexpr int kMapSync = 0x80000;
inline constexpr int kMapFixedNoreplace = 0x100000;

inline constexpr int kMremapMaymove = 1;
inline constexpr int kMremapFixed = 2;
inline constexpr int kMremapDontunmap = 4;

inline constexpr int kMadvNormal = 0;
inline constexpr int kMadvRandom = 1;
inline constexpr int kMadvSequential = 2;
inline constexpr int kMadvWillneed = 3;
inline constexpr int kMadvDontneed = 4;
inline constexpr int kMadvFree = 8;
inline constexpr int kMadvRemove = 9;
inline constexpr int kMadvDontfork = 10;
inline constexpr int kMadvDofork = 11;
inline constexpr int kMadvMergeable = 12;
inline constexpr int kMadvUnmergeable = 13;
inline constexpr int kMadvHugepage = 14;
inline constexpr int kMadvNohugepage = 15;
inline constexpr int kMadvDontdump = 16;
inline constexpr int kMadvDodump = 17;
inline constexpr int kMadvWipeonfork = 18;
inline constexpr int kMadvKeeponfork = 19;
inline constexpr int kMadvCold = 20;
inline constexpr int kMadvPageout = 21;
inline constexpr int kMadvPopulateRead = 22;
inline constexpr int kMadvPopulateWrite = 23;
inline constexpr int kMadvDontneedLocked = 24;
inline constexpr int kMadvCollapse = 25;

}  // namespace kekkai::abi::linux

#endif  // KEKKAI_ABI_LINUX_MMAN_H_

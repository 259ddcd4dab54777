#include "platform/cpu_state.h"

#include <cpuid.h>

#include <cstdlib>
#include <cstring>

namespace kekkai::platform {
namespace {

struct XsaveInfo {
  size_t size;
  uint64_t xcr0;
};

XsaveInfo ProbeXsave() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  XsaveInfo info{abi::linux::kFxsaveSize + abi::linux::kXsaveHeaderSize, 0x3};
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0 || (ecx & bit_OSXSAVE) == 0) return info;
  // CPUID.(EAX=0DH,ECX=0):EBX is the size for the features enabled in XCR0.
  __cpuid_count(0xd, 0, eax, ebx, ecx, edx);
  if (ebx > info.size) info.size = ebx;
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  info.xcr0 = (uint64_t{hi} << 32) | lo;
  return info;
}

const XsaveInfo& Xsave() {
  static const XsaveInfo info = ProbeXsave();
  return info;
}

uint32_t ProbeMxcsrMask() {
  alignas(16) uint8_t area[512] = {};
  __asm__ volatile("fxsave %0" : "=m"(area));
  uint32_t mask;
  std::memcpy(&mask, area + 28, sizeof(mask));
  return mask == 0 ? 0xffbf : mask;
}

}  // namespace

uint32_t HostMxcsrMask() {
  static const uint32_t mask = ProbeMxcsrMask();
  return mask;
}

bool ValidXsaveImage(std::span<const std::byte> image) {
  if (image.size() < abi::linux::kFxsaveSize + abi::linux::kXsaveHeaderSize) return false;
  uint32_t mxcsr;
  std::memcpy(&mxcsr, image.data() + 24, sizeof(mxcsr));
  if ((mxcsr & ~HostMxcsrMask()) != 0) return false;
  const std::byte* header = image.data() + abi::linux::kFxsaveSize;
  uint64_t xstate_bv, xcomp_bv;
  std::memcpy(&xstate_bv, header, sizeof(xstate_bv));
  std::memcpy(&xcomp_bv, header + 8, sizeof(xcomp_bv));
  if ((xstate_bv & ~HostXfeatures()) != 0 || xcomp_bv != 0) return false;
  for (size_t i = 16; i < abi::linux::kXsaveHeaderSize; ++i) {
    if (header[i] != std::byte{0}) return false;
  }
  return true;
}

size_t HostXsaveSize() { return Xsave().size; }
uint64_t HostXfeatures() { return Xsave().xcr0; }

void FpState::Free::operator()(std::byte* p) const { std::free(p); }

FpState::FpState() : size_((HostXsaveSize() + 63) & ~size_t{63}) {
  data_.reset(static_cast<std::byte*>(std::aligned_alloc(64, size_)));
  Reset();
}

FpState::FpState(const FpState& o) : FpState() { std::memcpy(data_.get(), o.data_.get(), size_); }

FpState& FpState::operator=(const FpState& o) {
  if (this != &o) std::memcpy(data_.get(), o.data_.get(), size_);
  return *this;
}

void FpState::Reset() {
  std::memset(data_.get(), 0, size_);
  uint16_t fcw = abi::linux::kInitialFcw;
  uint32_t mxcsr = abi::linux::kInitialMxcsr;
  uint32_t mxcsr_mask = abi::linux::kMxcsrMask;
  std::memcpy(data_.get() + 0, &fcw, sizeof(fcw));
  std::memcpy(data_.get() + 24, &mxcsr, sizeof(mxcsr));
  std::memcpy(data_.get() + 28, &mxcsr_mask, sizeof(mxcsr_mask));
  // XSTATE_BV: x87 and SSE state present (the rest in init state).
  uint64_t xstate_bv = 0x3;
  std::memcpy(data_.get() + abi::linux::kFxsaveSize, &xstate_bv, sizeof(xstate_bv));
}

void CpuState::ResetForExec(uint64_t entry, uint64_t sp) {
  regs = {};
  regs.rip = entry;
  regs.rsp = sp;
  regs.cs = abi::linux::kUserCs;
  regs.ss = abi::linux::kUserDs;
  regs.eflags = abi::linux::kInitialEflags;
  regs.orig_rax = ~uint64_t{0};
  fp.Reset();
  fp_dirty = true;
}

}  // namespace kekkai::platform

// CpuState: one guest thread's register state — general registers (with FS/GS
// base) and the XSAVE image of its FPU/vector state.
#ifndef KEKKAI_PLATFORM_CPU_STATE_H_
#define KEKKAI_PLATFORM_CPU_STATE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "abi/linux/ptrace.h"

namespace kekkai::platform {

// Returns the host's XSAVE area size for the enabled features (CPUID 0xD), at
// least 512 + 64 bytes. Computed once.
size_t HostXsaveSize();
// Returns the host's enabled XSAVE feature mask (XCR0).
uint64_t HostXfeatures();
// Returns the MXCSR bits the CPU accepts (FXSAVE's MXCSR_MASK, 0xffbf if it says 0).
uint32_t HostMxcsrMask();
// Returns whether `image` (an XSAVE image in standard format, HostXsaveSize() bytes)
// is one the CPU would load: no reserved MXCSR bits, XSTATE_BV within XCR0, not
// compacted, reserved header bytes zero — what the kernel checks before restoring a
// signal frame's FPU state.
bool ValidXsaveImage(std::span<const std::byte> image);

// The FPU/vector state as an XSAVE image (standard format), 64-byte aligned.
class FpState {
 public:
  FpState();
  FpState(const FpState& o);
  FpState& operator=(const FpState& o);
  std::span<std::byte> bytes() { return {data_.get(), size_}; }
  std::span<const std::byte> bytes() const { return {data_.get(), size_}; }
  size_t size() const { return size_; }
  // Resets to the state a new process starts with (x87 control word 0x37f, MXCSR
  // 0x1f80, everything else zero).
  void Reset();

 private:
  struct Free {
    void operator()(std::byte* p) const;
  };
  size_t size_;
  std::unique_ptr<std::byte, Free> data_;
};

struct CpuState {
  abi::linux::PtraceRegs regs{};
  FpState fp;
  // Set by the sentry when it changed `fp` (exec, sigreturn): the next Switch loads it.
  bool fp_dirty = true;

  // Sets up registers for a new program: entry point, stack pointer, user segments.
  void ResetForExec(uint64_t entry, uint64_t sp);
};

}  // namespace kekkai::platform

#endif  // KEKKAI_PLATFORM_CPU_STATE_H_

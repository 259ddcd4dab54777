// The platform interface: how the sentry runs guest code. A Platform makes
// AddressSpaces (guest memory layouts built from MemoryFile ranges) and Contexts
// (a host execution vehicle that runs one guest thread's registers until it traps).
// A platform knows no kernel objects: it maps host-fd ranges and switches register state.
#ifndef KEKKAI_PLATFORM_PLATFORM_H_
#define KEKKAI_PLATFORM_PLATFORM_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "abi/linux/guest_addr.h"
#include "abi/linux/ptrace.h"
#include "abi/linux/signal.h"
#include "base/result.h"
#include "platform/cpu_state.h"

namespace kekkai::platform {

// Page protections for MapFile (a subset of PROT_*).
struct AccessType {
  bool read = false;
  bool write = false;
  bool execute = false;
  bool operator==(const AccessType&) const = default;
  static constexpr AccessType ReadOnly() { return {true, false, false}; }
  static constexpr AccessType ReadWrite() { return {true, true, false}; }
  static constexpr AccessType AnyAccess() { return {true, true, true}; }
  int ToProt() const { return (read ? 1 : 0) | (write ? 2 : 0) | (execute ? 4 : 0); }
  static AccessType FromProt(int prot) { return {(prot & 1) != 0, (prot & 2) != 0, (prot & 4) != 0}; }
};

// A guest address space. Not thread-safe: the sentry serializes calls per address
// space (the MemoryManager's lock). Operations may be queued and applied before the
// next Context::Switch into this address space; the guest never observes a stale
// mapping because it only runs after the queue is applied.
class AddressSpace {
 public:
  virtual ~AddressSpace() = default;

  // Maps [offset, offset+len) of the MemoryFile at `addr` with `access`
  // (MAP_SHARED|MAP_FIXED semantics: replaces what was there). Page-aligned arguments.
  virtual Result<void> MapFile(GuestAddr addr, uint64_t offset, uint64_t len,
                               AccessType access) = 0;
  // Removes all mappings in [addr, addr+len). Page-aligned arguments.
  virtual Result<void> Unmap(GuestAddr addr, uint64_t len) = 0;
  // Applies queued operations now (a no-op for platforms that apply eagerly).
  virtual Result<void> Flush() = 0;
  // Returns the highest guest address (exclusive) the guest may use; above it the
  // platform keeps its own pages (the ptrace stub).
  virtual uint64_t max_user_address() const = 0;
};

// Why Switch returned.
enum class StopKind {
  kSyscall,      // The guest made a syscall; regs.orig_rax holds the number.
  kFault,        // A memory fault the sentry may resolve (fault_addr, fault_access).
  kSignal,       // A synchronous signal the guest raised (SIGILL, SIGFPE, SIGTRAP, ...).
  kInterrupted,  // Interrupt() was called, or the platform preempted the guest.
  kVsyscall,     // A call into the vsyscall page; regs already hold the post-call state.
  kDied,         // The host vehicle is gone (killed from outside); the task cannot go on.
};

struct SwitchResult {
  StopKind kind = StopKind::kInterrupted;
  // kFault: the faulting address and the access that faulted, as far as the platform
  // knows (see Context::Switch).
  uint64_t fault_addr = 0;
  AccessType fault_access;
  // kSignal: the signal and its siginfo, as the host raised it. kVsyscall: the syscall
  // number in `vsyscall_nr`.
  abi::linux::SigInfo siginfo{};
  int vsyscall_nr = -1;
  // kSyscall: the audit arch of the syscall instruction. Only kAuditArchX86_64 is
  // serviced; `int $0x80` from 64-bit code arrives as kAuditArchI386.
  uint32_t syscall_arch = abi::linux::kAuditArchX86_64;
};

// Runs one guest thread at a time. Bound to the host thread that created it: every
// call except Interrupt() must come from that thread.
class Context {
 public:
  virtual ~Context() = default;

  // Loads `state` into the guest vehicle of `as`, runs guest code until it traps, and
  // stores the registers back into `state`. FPU state stays in the vehicle between
  // switches (see CpuState) unless the state changes owner or is marked dirty.
  // Faults: kFault carries the address; the access is a write for a protection fault
  // (the sentry maps pages read-only until written), an execute when the faulting
  // address is the instruction pointer, and a read otherwise.
  virtual SwitchResult Switch(AddressSpace& as, CpuState& state) = 0;

  // Makes the current or next Switch return kInterrupted soon. Thread-safe and
  // callable from any thread.
  virtual void Interrupt() = 0;

  // Copies the FPU state that lives in the vehicle into `state.fp` so the sentry can
  // read it (signal frames). After this `state.fp` is current until the next Switch.
  virtual Result<void> PullFpState(CpuState& state) = 0;

  // Returns the CPU time, in nanoseconds, the vehicle that last ran this context has
  // used since it was created (guest code plus the host's work trapping it); 0
  // before the first Switch.
  virtual uint64_t VehicleCpuTimeNs() { return 0; }
};

// A way to run guests: ptrace, systrap, kvm.
class Platform {
 public:
  virtual ~Platform() = default;
  virtual std::string_view name() const = 0;
  // Returns a fresh, empty address space.
  virtual Result<std::unique_ptr<AddressSpace>> NewAddressSpace() = 0;
  // Returns a context bound to the calling host thread.
  virtual Result<std::unique_ptr<Context>> NewContext() = 0;
  // Returns whether the sentry should handle blocking by parking the host thread
  // (ptrace: one host thread traces each running guest thread).
  virtual bool ContextOwnsThread() const { return true; }
};

}  // namespace kekkai::platform

#endif  // KEKKAI_PLATFORM_PLATFORM_H_

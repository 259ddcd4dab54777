// LoadTarget: the operations the loader needs from the address space it fills.
// It is a narrow seam over mm::MemoryManager (see mm_load_target.h), so the whole
// of Load can be tested against a fake without the memory manager.
#ifndef KEKKAI_SENTRY_LOADER_LOAD_TARGET_H_
#define KEKKAI_SENTRY_LOADER_LOAD_TARGET_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "abi/linux/guest_addr.h"
#include "base/result.h"

namespace kekkai::sentry::loader {

// One private anonymous mapping request (the subset of mmap(2) the loader uses).
struct TargetMapping {
  uint64_t addr = 0;        // The exact address when `fixed`, else a hint (0: none).
  uint64_t length = 0;      // Bytes, page-aligned.
  int prot = 0;             // PROT_*.
  bool fixed = false;       // MAP_FIXED_NOREPLACE when set: never replaces a mapping.
  bool grows_down = false;  // MAP_GROWSDOWN (the stack).
  std::string name;         // For /proc/PID/maps: a path, "[stack]", or "" (anonymous).
};

// The initial stack's ranges, as mm::MemoryManager::ExecInfo records them.
struct ExecRanges {
  uint64_t argv_start = 0, argv_end = 0, envp_start = 0, envp_end = 0;
  uint64_t auxv_start = 0, auxv_end = 0;
  uint64_t stack_top = 0;
};

// An address space being loaded. Used from one thread during exec.
class LoadTarget {
 public:
  virtual ~LoadTarget() = default;
  // Returns the highest address (exclusive) the guest may use.
  virtual uint64_t max_user_address() = 0;
  // Sets the top-down mmap base and the highest usable address.
  virtual void SetLayout(uint64_t mmap_base, uint64_t max_address) = 0;
  // Maps private anonymous (zeroed) memory; returns its address. EEXIST when a
  // fixed mapping would replace another, ENOMEM when there is no room.
  virtual Result<GuestAddr> Map(const TargetMapping& m) = 0;
  // munmap(2).
  virtual Result<void> Unmap(GuestAddr addr, uint64_t length) = 0;
  // mprotect(2).
  virtual Result<void> Protect(GuestAddr addr, uint64_t length, int prot) = 0;
  // Copies all of `src` to `dst` (with the guest's rights: the pages must be
  // writable) or fails with EFAULT.
  virtual Result<void> CopyOut(GuestAddr dst, std::span<const std::byte> src) = 0;
  // Sets the start of the heap.
  virtual void SetBrkStart(GuestAddr start) = 0;
  // Records the initial stack's ranges.
  virtual void SetExecRanges(const ExecRanges& r) = 0;
};

}  // namespace kekkai::sentry::loader

#endif  // KEKKAI_SENTRY_LOADER_LOAD_TARGET_H_

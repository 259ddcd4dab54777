// MemoryManager: one guest address space with Linux semantics. It keeps the VMAs
// (what the guest asked for) apart from the PMAs (the MemoryFile ranges that back
// them, reference-counted so fork can share them copy-on-write) and tells the
// platform AddressSpace which ranges to map. Faults are resolved lazily with
// fault-around; CopyIn/CopyOut reach guest memory through the sentry's own mapping
// of the MemoryFile.
#ifndef KEKKAI_SENTRY_MM_MEMORY_MANAGER_H_
#define KEKKAI_SENTRY_MM_MEMORY_MANAGER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "abi/linux/guest_addr.h"
#include "base/result.h"
#include "platform/platform.h"
#include "sentry/mm/memory_file.h"
#include "sentry/mm/pma_set.h"
#include "sentry/mm/vma_set.h"
#include "sentry/usermem/guest_memory.h"

namespace kekkai::sentry::mm {

// Arguments of MMap, decoded from mmap(2)'s flags by the syscall layer.
struct MMapOpts {
  uint64_t addr = 0;     // Hint, or the exact address when `fixed`.
  uint64_t length = 0;   // Bytes; rounded up to pages.
  int prot = 0;          // PROT_* (PROT_READ|PROT_WRITE|PROT_EXEC).
  bool shared = false;   // MAP_SHARED (anonymous shared memory) vs MAP_PRIVATE.
  bool fixed = false;    // MAP_FIXED: replace whatever is at addr.
  bool noreplace = false;  // MAP_FIXED_NOREPLACE: EEXIST if anything is at addr.
  bool grows_down = false;  // MAP_GROWSDOWN.
  bool populate = false;    // MAP_POPULATE: fault in now.
  std::string name;         // For /proc/PID/maps ("[stack]", a file path, "").
};

class MemoryManager final : public usermem::GuestMemory {
 public:
  // Lowest address mmap hands out without MAP_FIXED (vm.mmap_min_addr).
  static constexpr uint64_t kMinUserAddress = 0x10000;
  // Pages mapped around a faulting page, in bytes.
  static constexpr uint64_t kFaultAroundBytes = 16 * kPageSize;

  MemoryManager(MemoryFile& mf, std::unique_ptr<platform::AddressSpace> as);
  ~MemoryManager() override;
  MemoryManager(const MemoryManager&) = delete;
  MemoryManager& operator=(const MemoryManager&) = delete;

  platform::AddressSpace& address_space() { return *as_; }
  MemoryFile& memory_file() { return mf_; }

  // Sets the top-down mmap base and the highest usable address; the loader calls
  // this once per exec.
  void SetLayout(uint64_t mmap_base, uint64_t max_address);
  uint64_t max_address() const { return max_address_; }

  // mmap(2) for anonymous memory. Returns the address of the new mapping.
  Result<GuestAddr> MMap(const MMapOpts& opts);
  // munmap(2).
  Result<void> MUnmap(GuestAddr addr, uint64_t length);
  // mprotect(2).
  Result<void> MProtect(GuestAddr addr, uint64_t length, int prot);
  // mremap(2); `flags` are MREMAP_*; `new_addr` is used with MREMAP_FIXED.
  Result<GuestAddr> MRemap(GuestAddr old_addr, uint64_t old_size, uint64_t new_size, int flags,
                           GuestAddr new_addr);
  // madvise(2). MADV_DONTNEED drops private pages (they read as zero afterwards).
  Result<void> MAdvise(GuestAddr addr, uint64_t length, int advice);

  // Sets the start of the heap (the end of the loaded program); resets brk to it.
  void SetBrkStart(GuestAddr start);
  // brk(2): returns the new break, or the current one when `addr` can't be used.
  GuestAddr Brk(GuestAddr addr);

  // Resolves a guest fault at `addr` for `access`: allocates or copies backing pages
  // and maps them (fault-around included). EFAULT when the access is not allowed
  // (deliver SIGSEGV, SEGV_ACCERR) and ENOENT... see FaultError.
  enum class FaultError { kNone, kMapErr, kAccErr, kNoMem };
  FaultError HandleFault(uint64_t addr, platform::AccessType access);

  // Maps and backs all of [addr, addr+len) now (MAP_POPULATE, the initial stack).
  Result<void> Populate(GuestAddr addr, uint64_t length);

  // GuestMemory.
  Result<size_t> CopyOut(GuestAddr dst, std::span<const std::byte> src) override;
  Result<size_t> CopyIn(GuestAddr src, std::span<std::byte> dst) override;

  // Returns the text of /proc/PID/maps for this address space.
  std::string MapsText() const;

  // Exec-time ranges of the initial stack (for /proc/PID/{cmdline,environ,auxv}).
  struct ExecInfo {
    uint64_t argv_start = 0, argv_end = 0, envp_start = 0, envp_end = 0;
    uint64_t auxv_start = 0, auxv_end = 0;
    uint64_t stack_top = 0;
  };
  void set_exec_info(const ExecInfo& e) { exec_info_ = e; }
  const ExecInfo& exec_info() const { return exec_info_; }

  // Returns the number of VMAs (for tests and limits).
  size_t vma_count() const;

 private:
  // All below require mu_.
  Result<uint64_t> FindUnmappedLocked(uint64_t length, uint64_t hint) const;
  void UnmapLocked(uint64_t start, uint64_t end);
  FaultError FaultLocked(uint64_t addr, platform::AccessType access, bool for_copy);
  template <typename Fn>
  Result<size_t> CopyLocked(uint64_t addr, size_t len, bool write, Fn&& fn);

  MemoryFile& mf_;
  std::unique_ptr<platform::AddressSpace> as_;
  mutable std::mutex mu_;
  VmaSet vmas_;
  PmaSet pmas_;
  uint64_t mmap_base_ = 0;
  uint64_t max_address_ = 0;
  uint64_t brk_start_ = 0;
  uint64_t brk_ = 0;
  ExecInfo exec_info_;
};

}  // namespace kekkai::sentry::mm

#endif  // KEKKAI_SENTRY_MM_MEMORY_MANAGER_H_

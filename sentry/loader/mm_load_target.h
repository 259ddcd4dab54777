// MemoryManagerTarget: the LoadTarget over a real mm::MemoryManager.
#ifndef KEKKAI_SENTRY_LOADER_MM_LOAD_TARGET_H_
#define KEKKAI_SENTRY_LOADER_MM_LOAD_TARGET_H_

#include "sentry/loader/load_target.h"
#include "sentry/mm/memory_manager.h"

namespace kekkai::sentry::loader {

// Forwards each LoadTarget call to `mm` (borrowed; must outlive this).
class MemoryManagerTarget final : public LoadTarget {
 public:
  explicit MemoryManagerTarget(mm::MemoryManager& mm) : mm_(mm) {}

  uint64_t max_user_address() override;
  void SetLayout(uint64_t mmap_base, uint64_t max_address) override;
  Result<GuestAddr> Map(const TargetMapping& m) override;
  Result<void> Unmap(GuestAddr addr, uint64_t length) override;
  Result<void> Protect(GuestAddr addr, uint64_t length, int prot) override;
  Result<void> CopyOut(GuestAddr dst, std::span<const std::byte> src) override;
  void SetBrkStart(GuestAddr start) override;
  void SetExecRanges(const ExecRanges& r) override;

 private:
  mm::MemoryManager& mm_;
};

}  // namespace kekkai::sentry::loader

#endif  // KEKKAI_SENTRY_LOADER_MM_LOAD_TARGET_H_

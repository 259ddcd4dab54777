#include "sentry/loader/mm_load_target.h"

#include "sentry/loader/loader.h"

namespace kekkai::sentry::loader {

static_assert(kMinUserAddress == mm::MemoryManager::kMinUserAddress);

uint64_t MemoryManagerTarget::max_user_address() { return mm_.address_space().max_user_address(); }

void MemoryManagerTarget::SetLayout(uint64_t mmap_base, uint64_t max_address) {
  mm_.SetLayout(mmap_base, max_address);
}

Result<GuestAddr> MemoryManagerTarget::Map(const TargetMapping& m) {
  mm::MMapOpts opts;
  opts.addr = m.addr;
  opts.length = m.length;
  opts.prot = m.prot;
  opts.shared = false;
  opts.fixed = m.fixed;
  opts.noreplace = m.fixed;
  opts.grows_down = m.grows_down;
  opts.name = m.name;
  return mm_.MMap(opts);
}

Result<void> MemoryManagerTarget::Unmap(GuestAddr addr, uint64_t length) {
  return mm_.MUnmap(addr, length);
}

Result<void> MemoryManagerTarget::Protect(GuestAddr addr, uint64_t length, int prot) {
  return mm_.MProtect(addr, length, prot);
}

Result<void> MemoryManagerTarget::CopyOut(GuestAddr dst, std::span<const std::byte> src) {
  return mm_.CopyOutFull(dst, src);
}

void MemoryManagerTarget::SetBrkStart(GuestAddr start) { mm_.SetBrkStart(start); }

void MemoryManagerTarget::SetExecRanges(const ExecRanges& r) {
  mm::MemoryManager::ExecInfo e;
  e.argv_start = r.argv_start;
  e.argv_end = r.argv_end;
  e.envp_start = r.envp_start;
  e.envp_end = r.envp_end;
  e.auxv_start = r.auxv_start;
  e.auxv_end = r.auxv_end;
  e.stack_top = r.stack_top;
  mm_.set_exec_info(e);
}

Result<LoadResult> Load(mm::MemoryManager& mm, const LoadRequest& req) {
  // The stack mapping already spans the rlimit (clamped); this bounds any growth.
  mm.SetStackLimit(req.stack_rlimit);
  MemoryManagerTarget target(mm);
  return LoadInto(target, req);
}

}  // namespace kekkai::sentry::loader

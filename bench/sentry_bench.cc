// Google Benchmark programs for sentry-internal paths that every guest syscall or
// fault goes through: table dispatch, guest-memory copies, page faults and
// MemoryFile allocation. Run: build/bench/sentry_bench
#include <benchmark/benchmark.h>

#include <vector>

#include "abi/linux/mman.h"
#include "sentry/kernel/syscall_table.h"
#include "sentry/mm/memory_file.h"
#include "sentry/mm/memory_manager.h"
#include "syscalls/syscalls.h"

namespace kekkai {
namespace {

// An address space that accepts every mapping and remembers nothing.
class NullAddressSpace : public platform::AddressSpace {
 public:
  Result<void> MapFile(GuestAddr, uint64_t, uint64_t, platform::AccessType) override {
    return Ok();
  }
  Result<void> Unmap(GuestAddr, uint64_t) override { return Ok(); }
  Result<void> Flush() override { return Ok(); }
  uint64_t max_user_address() const override { return 0x7fffffff9000; }
};

struct Env {
  std::unique_ptr<sentry::mm::MemoryFile> mf = std::move(sentry::mm::MemoryFile::Create()).value();
  sentry::mm::MemoryManager mm{*mf, std::make_unique<NullAddressSpace>()};
  Env() { mm.SetLayout(0x7f0000000000, 0x7fffffff9000); }
  GuestAddr Map(uint64_t len) {
    sentry::mm::MMapOpts o;
    o.length = len;
    o.prot = abi::linux::kProtRead | abi::linux::kProtWrite;
    return *mm.MMap(o);
  }
};

void BM_SyscallTableLookup(benchmark::State& state) {
  const sentry::kernel::SyscallTable table(syscalls::X86_64Table());
  uint64_t nr = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.Lookup(nr));
    nr = (nr + 37) & 511;
  }
}
BENCHMARK(BM_SyscallTableLookup);

void BM_CopyOut(benchmark::State& state) {
  Env env;
  const uint64_t len = static_cast<uint64_t>(state.range(0));
  const GuestAddr a = env.Map(len);
  std::vector<std::byte> src(len, std::byte{1});
  for (auto _ : state) benchmark::DoNotOptimize(env.mm.CopyOut(a, src));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * len));
}
BENCHMARK(BM_CopyOut)->Arg(8)->Arg(4096)->Arg(1 << 20);

void BM_FaultAroundFirstTouch(benchmark::State& state) {
  Env env;
  constexpr uint64_t kLen = 64 << 20;
  GuestAddr a = env.Map(kLen);
  uint64_t off = 0;
  for (auto _ : state) {
    if (off >= kLen) {
      state.PauseTiming();
      (void)env.mm.MUnmap(a, kLen);
      a = env.Map(kLen);
      off = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(env.mm.HandleFault(Raw(a) + off, platform::AccessType::ReadWrite()));
    off += sentry::mm::MemoryManager::kFaultAroundBytes;
  }
}
BENCHMARK(BM_FaultAroundFirstTouch);

void BM_MemoryFileAllocateRelease(benchmark::State& state) {
  auto mf = std::move(sentry::mm::MemoryFile::Create()).value();
  for (auto _ : state) {
    auto r = mf->Allocate(static_cast<uint64_t>(state.range(0)));
    mf->DecRef(*r);
  }
}
BENCHMARK(BM_MemoryFileAllocateRelease)->Arg(4096)->Arg(64 << 10);

}  // namespace
}  // namespace kekkai

BENCHMARK_MAIN();

#include "sentry/loader/loader.h"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "abi/linux/elf.h"
#include "abi/linux/guest_addr.h"
#include "abi/linux/mman.h"
#include "base/logging.h"
#include "sentry/loader/elf.h"
#include "sentry/loader/host_cpu_aux.h"
#include "sentry/loader/stack.h"

namespace kekkai::sentry::loader {
namespace {

namespace linux = ::kekkai::abi::linux;

// Layout constants, as x86-64 Linux (arch/x86/mm/mmap.c, fs/binfmt_elf.c).
// The stack top moves down by up to 16 GiB (STACK_RND_MASK: 22 bits of pages).
constexpr uint64_t kStackRandomMax = uint64_t{1} << 34;
// The mmap base (and a PIE's bias) moves by up to 1 TiB (mmap_rnd_bits = 28).
constexpr uint64_t kMmapRandomMax = uint64_t{1} << 40;
// The heap start moves by up to 32 MiB (arch_randomize_brk).
constexpr uint64_t kBrkRandomMax = uint64_t{32} << 20;
// The least gap between the stack top and the mmap base.
constexpr uint64_t kMinMmapGap = uint64_t{128} << 20;
// The guard gap Linux keeps below a grows-down stack (stack_guard_gap: 256 pages).
constexpr uint64_t kStackGuardGap = 256 * kPageSize;
// An address space smaller than this cannot hold the layout below.
constexpr uint64_t kMinAddressSpace = uint64_t{1} << 32;
// Segment bytes are copied through a bounce buffer of this size.
constexpr size_t kCopyChunk = 64 * 1024;

// Fills `dst` from getrandom(2).
Result<void> GetRandom(std::span<std::byte> dst) {
  size_t done = 0;
  while (done < dst.size()) {
    const ssize_t n = getrandom(dst.data() + done, dst.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      const Errno e = LastErrno();
      PLOG(ERROR) << "getrandom(" << dst.size() - done << ")";
      return e;
    }
    done += static_cast<size_t>(n);
  }
  return Ok();
}

// Returns a random page-aligned offset in [0, max) (0 if max < a page), or 0
// when not randomizing.
Result<uint64_t> RandomPageOffset(bool randomize, uint64_t max) {
  const uint64_t pages = max / kPageSize;
  if (!randomize || pages == 0) return uint64_t{0};
  uint64_t r = 0;
  RETURN_IF_ERROR(GetRandom(std::as_writable_bytes(std::span(&r, 1))));
  return (r % pages) * kPageSize;
}

int SegmentProt(uint32_t p_flags) {
  return ((p_flags & linux::kPfR) != 0 ? linux::kProtRead : 0) |
         ((p_flags & linux::kPfW) != 0 ? linux::kProtWrite : 0) |
         ((p_flags & linux::kPfX) != 0 ? linux::kProtExec : 0);
}

// A page range of a loaded image with its final protection and VMA name.
struct Piece {
  uint64_t start, end;
  int prot;
  std::string name;
};

// Appends [start, end) to `pieces`. Only the first page may overlap the last
// piece (two segments that share a page, as `ld -N` makes): that page then gets
// both protections.
void AddPiece(std::vector<Piece>& pieces, uint64_t start, uint64_t end, int prot,
              const std::string& name) {
  if (start >= end) return;
  if (!pieces.empty() && start < pieces.back().end) {
    Piece& last = pieces.back();  // start == last.end - kPageSize (segments are sorted).
    if (last.end - last.start == kPageSize) {
      last.prot |= prot;
      if (last.name.empty()) last.name = name;
    } else {
      last.end -= kPageSize;
      pieces.push_back(
          {start, start + kPageSize, last.prot | prot, last.name.empty() ? name : last.name});
    }
    start += kPageSize;
    if (start >= end) return;
  }
  pieces.push_back({start, end, prot, name});
}

// Copies [offset, offset+len) of `src` to guest `dst` through a bounded buffer.
Result<void> CopySegment(LoadTarget& t, ExecutableSource& src, uint64_t offset, uint64_t len,
                         uint64_t dst) {
  std::vector<std::byte> buf(std::min<uint64_t>(len, kCopyChunk));
  while (len > 0) {
    const size_t n = std::min<uint64_t>(len, buf.size());
    const std::span<std::byte> chunk(buf.data(), n);
    RETURN_IF_ERROR(ReadFullAt(src, chunk, offset));
    RETURN_IF_ERROR(t.CopyOut(GuestAddr(dst), chunk));
    offset += n;
    dst += n;
    len -= n;
  }
  return Ok();
}

// Maps the PT_LOAD segments of `info` at `bias`, copies their file bytes, and
// applies their protections. The caller has checked that [image_start + bias,
// image_end + bias) is inside the address space.
Result<void> MapSegments(LoadTarget& t, ExecutableSource& src, const ElfInfo& info, uint64_t bias,
                         const std::string& name) {
  std::vector<Piece> pieces;
  for (const linux::Elf64Phdr& ph : info.loads) {
    if (ph.p_memsz == 0) continue;
    const uint64_t start = ph.p_vaddr + bias;
    const uint64_t a = PageRoundDown(start);
    const uint64_t b = *PageRoundUp(start + ph.p_memsz);
    // Pages holding file bytes are named after the file, the rest (bss) are
    // anonymous, as in Linux's /proc/PID/maps.
    const uint64_t f = ph.p_filesz == 0 ? a : std::min(*PageRoundUp(start + ph.p_filesz), b);
    const int prot = SegmentProt(ph.p_flags);
    AddPiece(pieces, a, f, prot, name);
    AddPiece(pieces, f, b, prot, "");
  }
  // Writable while the bytes go in; the final protections come after.
  for (const Piece& p : pieces) {
    RETURN_IF_ERROR(t.Map({.addr = p.start,
                           .length = p.end - p.start,
                           .prot = linux::kProtRead | linux::kProtWrite,
                           .fixed = true,
                           .name = p.name}));
  }
  static constexpr std::array<std::byte, kPageSize> kZeros{};
  for (const linux::Elf64Phdr& ph : info.loads) {
    if (ph.p_memsz == 0) continue;
    const uint64_t start = ph.p_vaddr + bias;
    RETURN_IF_ERROR(CopySegment(t, src, ph.p_offset, ph.p_filesz, start));
    // The rest of the page after the file bytes must read as zero (bss). The
    // pages are fresh, so this only matters if a target reuses memory; it is
    // cheap insurance for a guarantee programs rely on.
    const uint64_t file_end = start + ph.p_filesz;
    const uint64_t tail = *PageRoundUp(file_end) - file_end;
    if (tail != 0) {
      RETURN_IF_ERROR(t.CopyOut(GuestAddr(file_end), std::span(kZeros.data(), tail)));
    }
  }
  for (const Piece& p : pieces) {
    RETURN_IF_ERROR(t.Protect(GuestAddr(p.start), p.end - p.start, p.prot));
  }
  return Ok();
}

struct Layout {
  uint64_t max = 0;
  uint64_t stack_top = 0;
  uint64_t stack_size = 0;
  uint64_t mmap_base = 0;
};

Result<Layout> ChooseLayout(uint64_t max, uint64_t stack_rlimit, bool randomize) {
  if (!IsPageAligned(max) || max < kMinAddressSpace) {
    LOG(ERROR) << "address space too small for a process: max_user_address=" << max;
    return Errno(ENOMEM);
  }
  Layout l;
  l.max = max;
  const uint64_t rlimit = std::min(stack_rlimit, kMaxStackMapping);
  l.stack_size = std::max(PageRoundDown(rlimit), kMinStackMapping);
  // Random ranges shrink with a small address space so the layout always fits:
  // the stack drops at most max/16, the gap is at most max/2 and the mmap base
  // drops at most max/8 more.
  ASSIGN_OR_RETURN(const uint64_t stack_rnd,
                   RandomPageOffset(randomize, std::min(kStackRandomMax, max / 16)));
  l.stack_top = max - stack_rnd;
  const uint64_t gap = std::clamp(PageRoundDown(rlimit) + kStackGuardGap, kMinMmapGap, max / 2);
  ASSIGN_OR_RETURN(const uint64_t mmap_rnd,
                   RandomPageOffset(randomize, std::min(kMmapRandomMax, max / 8)));
  l.mmap_base = PageRoundDown(l.stack_top - gap - mmap_rnd);
  return l;
}

// A program or interpreter mapped into the target.
struct Loaded {
  ElfInfo info;
  uint64_t bias = 0;
};

// Returns the start of a free range of `len` bytes that the target's mmap
// allocator picks (top-down from the mmap base), by reserving and releasing it.
Result<uint64_t> PickFreeRange(LoadTarget& t, uint64_t len) {
  ASSIGN_OR_RETURN(const GuestAddr r, t.Map({.length = len, .prot = linux::kProtNone, .name = ""}));
  RETURN_IF_ERROR(t.Unmap(r, len));
  return Raw(r);
}

// Maps `info` (read from `src`). ET_EXEC goes at its own addresses; an ET_DYN
// main program near `dyn_base` when it fits below the mmap base, else (and an
// ET_DYN interpreter always) where the mmap allocator puts it. An ET_DYN bias is
// a multiple of the largest p_align, so segments keep their alignment. Biases are
// computed modulo 2^64: one may be "negative" for an image linked high.
Result<Loaded> LoadImage(LoadTarget& t, const Layout& l, ExecutableSource& src, ElfInfo info,
                         std::optional<uint64_t> dyn_base, const std::string& name) {
  Loaded out;
  const uint64_t span = info.image_end - info.image_start;
  if (info.type == linux::kEtExec) {
    // mmap_min_addr, as Linux's mmap of the segment would refuse it.
    if (info.image_start < kMinUserAddress) return Errno(EPERM);
    if (info.image_end > l.max) return Errno(ENOMEM);
    out.bias = 0;
  } else {
    const uint64_t align_mask = ~(info.max_align - 1);
    std::optional<uint64_t> bias;
    if (dyn_base.has_value()) {
      const uint64_t b = (*dyn_base - info.image_start) & align_mask;
      const uint64_t start = info.image_start + b;
      if (start >= kMinUserAddress && span <= l.mmap_base && start <= l.mmap_base - span) {
        bias = b;
      }
    }
    if (!bias.has_value()) {
      const uint64_t slack = info.max_align - kPageSize;
      if (slack >= l.max || span + slack > l.max - kMinUserAddress) return Errno(ENOMEM);
      ASSIGN_OR_RETURN(const uint64_t r, PickFreeRange(t, span + slack));
      bias = (r - info.image_start + slack) & align_mask;
    }
    out.bias = *bias;
  }
  if (out.bias + info.entry >= l.max) return Errno(ENOEXEC);
  RETURN_IF_ERROR(MapSegments(t, src, info, out.bias, name));
  out.info = std::move(info);
  return out;
}

std::vector<linux::AuxEntry> BuildAuxv(const LoadRequest& req, const Loaded& prog,
                                       uint64_t interp_base) {
  const HostCpuAux& cpu = GetHostCpuAux();
  // Linux's order (create_elf_tables), minus AT_SYSINFO_EHDR (no vDSO yet);
  // BuildStack appends AT_RANDOM, AT_PLATFORM, AT_EXECFN and AT_NULL.
  return {
      {linux::kAtMinsigstksz, cpu.minsigstksz},
      {linux::kAtHwcap, cpu.hwcap},
      {linux::kAtPagesz, kPageSize},
      {linux::kAtClktck, 100},
      {linux::kAtPhdr, prog.info.phdr_vaddr + prog.bias},
      {linux::kAtPhent, sizeof(linux::Elf64Phdr)},
      {linux::kAtPhnum, prog.info.phdrs.size()},
      {linux::kAtBase, interp_base},
      {linux::kAtFlags, 0},
      {linux::kAtEntry, prog.info.entry + prog.bias},
      {linux::kAtUid, req.uid},
      {linux::kAtEuid, req.euid},
      {linux::kAtGid, req.gid},
      {linux::kAtEgid, req.egid},
      {linux::kAtSecure, 0},
      {linux::kAtHwcap2, cpu.hwcap2},
  };
}

}  // namespace

Result<LoadResult> LoadInto(LoadTarget& t, const LoadRequest& req) {
  if (req.file == nullptr) return Errno(EINVAL);
  // As Linux since 5.18: an empty argv gets an empty argv[0], so argv[1] is never
  // envp[0] for programs that assume argc >= 1.
  std::vector<std::string> argv_storage;
  std::span<const std::string> argv = req.argv;
  if (argv.empty()) {
    argv_storage.emplace_back();
    argv = argv_storage;
  }
  // Everything that can fail on the request alone fails before anything is mapped.
  RETURN_IF_ERROR(CheckArgLimits(argv, req.envp, req.execfn, req.stack_rlimit));
  ASSIGN_OR_RETURN(ElfInfo prog_info, ParseElf(*req.file));
  std::unique_ptr<ExecutableSource> interp_file;
  std::optional<ElfInfo> interp_info;
  if (prog_info.interpreter.has_value()) {
    if (!req.open_interpreter) return Errno(ENOENT);
    ASSIGN_OR_RETURN(interp_file, req.open_interpreter(*prog_info.interpreter));
    if (interp_file == nullptr) return Errno(ENOENT);
    ASSIGN_OR_RETURN(interp_info, ParseElf(*interp_file));
  }

  ASSIGN_OR_RETURN(const Layout l,
                   ChooseLayout(t.max_user_address(), req.stack_rlimit, req.randomize));
  t.SetLayout(l.mmap_base, l.max);

  const bool exec_stack = prog_info.exec_stack;
  RETURN_IF_ERROR(
      t.Map({.addr = l.stack_top - l.stack_size,
             .length = l.stack_size,
             .prot = linux::kProtRead | linux::kProtWrite | (exec_stack ? linux::kProtExec : 0),
             .fixed = true,
             .grows_down = true,
             .name = "[stack]"}));

  // ELF_ET_DYN_BASE: 2/3 of the address space (0x555555554000 with 47 bits).
  const uint64_t dyn_base = PageRoundDown(l.max / 3 * 2);
  ASSIGN_OR_RETURN(const uint64_t pie_rnd,
                   RandomPageOffset(req.randomize, std::min(kMmapRandomMax, l.max / 16)));
  const std::string& exe_name = req.exe_path.empty() ? req.execfn : req.exe_path;
  ASSIGN_OR_RETURN(Loaded prog,
                   LoadImage(t, l, *req.file, std::move(prog_info), dyn_base + pie_rnd, exe_name));

  LoadResult res;
  res.program_entry = prog.info.entry + prog.bias;
  res.entry = res.program_entry;
  res.load_bias = prog.bias;
  res.phdr = prog.info.phdr_vaddr + prog.bias;
  if (interp_info.has_value()) {
    res.interp = *prog.info.interpreter;
    ASSIGN_OR_RETURN(Loaded interp, LoadImage(t, l, *interp_file, std::move(*interp_info),
                                              /*dyn_base=*/std::nullopt, res.interp));
    res.interp_base = interp.bias;
    res.entry = interp.info.entry + interp.bias;
  }

  ASSIGN_OR_RETURN(const uint64_t brk_rnd, RandomPageOffset(req.randomize, kBrkRandomMax));
  res.brk_start = prog.info.image_end + prog.bias + brk_rnd;
  t.SetBrkStart(GuestAddr(res.brk_start));

  const std::vector<linux::AuxEntry> auxv = BuildAuxv(req, prog, res.interp_base);
  StackRequest sreq{
      .stack_top = l.stack_top,
      .argv = argv,
      .envp = req.envp,
      .execfn = req.execfn,
      .auxv = auxv,
      .stack_rlimit = req.stack_rlimit,
      .max_size = l.stack_size,
  };
  RETURN_IF_ERROR(GetRandom(sreq.random));
  ASSIGN_OR_RETURN(StackImage img, BuildStack(sreq));
  RETURN_IF_ERROR(t.CopyOut(GuestAddr(img.stack_pointer), img.bytes));

  res.ranges = {.argv_start = img.argv_start,
                .argv_end = img.argv_end,
                .envp_start = img.envp_start,
                .envp_end = img.envp_end,
                .auxv_start = img.auxv_start,
                .auxv_end = img.auxv_end,
                .stack_top = img.stack_top};
  t.SetExecRanges(res.ranges);
  res.stack_pointer = img.stack_pointer;
  res.mmap_base = l.mmap_base;
  res.stack_top = l.stack_top;
  res.stack_size = l.stack_size;
  res.exec_stack = exec_stack;
  res.auxv = std::move(img.auxv);
  return res;
}

}  // namespace kekkai::sentry::loader

#include "sentry/loader/elf.h"

#include <bit>
#include <cstring>
#include <limits>
#include <span>

#include "abi/linux/guest_addr.h"

namespace kekkai::sentry::loader {
namespace {

namespace linux = ::kekkai::abi::linux;

constexpr Errno kNoExec = Errno(ENOEXEC);

// Returns whether [offset, offset+len) lies inside a file of `size` bytes.
bool InFile(uint64_t offset, uint64_t len, uint64_t size) {
  return offset <= size && len <= size - offset;
}

Result<void> CheckHeader(const linux::Elf64Ehdr& eh, uint64_t file_size) {
  if (std::memcmp(eh.e_ident, linux::kElfMag, sizeof(linux::kElfMag)) != 0) return kNoExec;
  if (eh.e_ident[linux::kEiClass] != linux::kElfClass64) return kNoExec;
  if (eh.e_ident[linux::kEiData] != linux::kElfData2Lsb) return kNoExec;
  if (eh.e_ident[linux::kEiVersion] != linux::kEvCurrent) return kNoExec;
  if (eh.e_version != linux::kEvCurrent) return kNoExec;
  if (eh.e_machine != linux::kEmX86_64) return kNoExec;
  if (eh.e_type != linux::kEtExec && eh.e_type != linux::kEtDyn) return kNoExec;
  if (eh.e_phentsize != sizeof(linux::Elf64Phdr)) return kNoExec;
  if (eh.e_phnum == 0 || eh.e_phnum > kMaxPhnum) return kNoExec;
  if (!InFile(eh.e_phoff, uint64_t{eh.e_phnum} * sizeof(linux::Elf64Phdr), file_size)) {
    return kNoExec;
  }
  if (eh.e_entry >= kMaxUserAddress) return kNoExec;
  return Ok();
}

// Checks one PT_LOAD on its own and against the previous one (`prev_end` is the
// end of the previous segment's memory, 0 for the first).
Result<void> CheckLoad(const linux::Elf64Phdr& ph, uint64_t file_size, uint64_t prev_end) {
  if (ph.p_filesz > ph.p_memsz) return kNoExec;
  if (ph.p_filesz != 0 && !InFile(ph.p_offset, ph.p_filesz, file_size)) return kNoExec;
  if (ph.p_vaddr > kMaxUserAddress || ph.p_memsz > kMaxUserAddress - ph.p_vaddr) {
    return kNoExec;
  }
  // The loader copies rather than maps file pages, so it could cope without this;
  // Linux (mmap) and every linker insist on it, and a file that breaks it is broken.
  if (ph.p_align >= kPageSize && ((ph.p_offset - ph.p_vaddr) & kPageMask) != 0) {
    return kNoExec;
  }
  // The ELF spec sorts PT_LOADs by p_vaddr; overlapping memory has no meaning.
  if (ph.p_vaddr < prev_end) return kNoExec;
  return Ok();
}

Result<std::string> ReadInterp(ExecutableSource& src, const linux::Elf64Phdr& ph,
                               uint64_t file_size) {
  // As Linux: at least one byte and the NUL, at most PATH_MAX.
  if (ph.p_filesz < 2 || ph.p_filesz > kMaxInterpLen) return kNoExec;
  if (!InFile(ph.p_offset, ph.p_filesz, file_size)) return kNoExec;
  std::string path(ph.p_filesz, '\0');
  RETURN_IF_ERROR(
      ReadFullAt(src, std::as_writable_bytes(std::span(path.data(), path.size())), ph.p_offset));
  if (path.back() != '\0') return kNoExec;
  path.resize(std::strlen(path.c_str()));
  if (path.empty()) return kNoExec;
  return path;
}

}  // namespace

Result<ElfInfo> ParseElf(ExecutableSource& src) {
  ASSIGN_OR_RETURN(const uint64_t file_size, src.Size());
  linux::Elf64Ehdr eh;
  if (file_size < sizeof(eh)) return kNoExec;
  RETURN_IF_ERROR(ReadFullAt(src, std::as_writable_bytes(std::span(&eh, 1)), 0));
  RETURN_IF_ERROR(CheckHeader(eh, file_size));

  ElfInfo info;
  info.type = eh.e_type;
  info.entry = eh.e_entry;
  info.phdrs.resize(eh.e_phnum);  // Bounded by kMaxPhnum.
  RETURN_IF_ERROR(ReadFullAt(src, std::as_writable_bytes(std::span(info.phdrs)), eh.e_phoff));

  std::optional<uint64_t> pt_phdr;
  uint64_t prev_end = 0;
  info.max_align = kPageSize;
  for (const linux::Elf64Phdr& ph : info.phdrs) {
    switch (ph.p_type) {
      case linux::kPtLoad:
        RETURN_IF_ERROR(CheckLoad(ph, file_size, prev_end));
        prev_end = ph.p_vaddr + ph.p_memsz;
        if (std::has_single_bit(ph.p_align) && ph.p_align > info.max_align) {
          info.max_align = ph.p_align;
        }
        info.loads.push_back(ph);
        break;
      case linux::kPtInterp: {
        if (info.interpreter.has_value()) return kNoExec;
        ASSIGN_OR_RETURN(std::string path, ReadInterp(src, ph, file_size));
        info.interpreter = std::move(path);
        break;
      }
      case linux::kPtPhdr:
        if (pt_phdr.has_value()) return kNoExec;
        pt_phdr = ph.p_vaddr;
        break;
      case linux::kPtGnuStack:
        info.exec_stack = (ph.p_flags & linux::kPfX) != 0;
        break;
      default:
        break;
    }
  }
  if (info.loads.empty()) return kNoExec;

  info.image_start = PageRoundDown(info.loads.front().p_vaddr);
  // Cannot overflow: every segment ends at or below kMaxUserAddress, page-aligned.
  info.image_end = *PageRoundUp(prev_end);
  // An alignment bigger than the address space is nonsense; Linux caps it likewise.
  if (info.max_align > kMaxUserAddress / 4) return kNoExec;

  if (pt_phdr.has_value()) {
    info.phdr_vaddr = *pt_phdr;
  } else {
    for (const linux::Elf64Phdr& ph : info.loads) {
      if (ph.p_offset <= eh.e_phoff && eh.e_phoff - ph.p_offset < ph.p_filesz) {
        info.phdr_vaddr = eh.e_phoff - ph.p_offset + ph.p_vaddr;
        break;
      }
    }
  }
  return info;
}

}  // namespace kekkai::sentry::loader

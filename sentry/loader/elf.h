// ELF64 x86-64 executable parsing and validation: reads the ELF header and
// program headers through an ExecutableSource and returns what the loader needs.
#ifndef KEKKAI_SENTRY_LOADER_ELF_H_
#define KEKKAI_SENTRY_LOADER_ELF_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "abi/linux/elf.h"
#include "base/result.h"
#include "sentry/loader/executable_source.h"

namespace kekkai::sentry::loader {

// The most program headers an executable may have (the table is read whole).
inline constexpr uint16_t kMaxPhnum = 1024;
// The longest PT_INTERP path, NUL included (PATH_MAX, as Linux).
inline constexpr uint64_t kMaxInterpLen = 4096;
// The highest address (exclusive) any ELF image may reach: the x86-64 user
// address limit with 4-level paging (TASK_SIZE_MAX). The loader also checks the
// address space's own, possibly lower, limit once it knows the load bias.
inline constexpr uint64_t kMaxUserAddress = 0x7ffffffff000;

// What the loader needs from a validated executable. Addresses are as in the
// file: for ET_DYN they are offsets from the load bias the loader picks.
struct ElfInfo {
  uint16_t type = 0;   // kEtExec or kEtDyn.
  uint64_t entry = 0;  // e_entry.
  // Every program header, in file order.
  std::vector<abi::linux::Elf64Phdr> phdrs;
  // The PT_LOAD headers, in file order (= ascending p_vaddr, which is checked).
  std::vector<abi::linux::Elf64Phdr> loads;
  // The PT_INTERP path up to its first NUL, if the program has one.
  std::optional<std::string> interpreter;
  // Where the program headers are in memory (AT_PHDR before the bias): PT_PHDR's
  // p_vaddr, else computed from the PT_LOAD whose file bytes cover e_phoff; 0 if
  // neither (Linux then passes the bare load bias).
  uint64_t phdr_vaddr = 0;
  // Whether PT_GNU_STACK asks for an executable stack (absent: no, as x86-64 Linux).
  bool exec_stack = false;
  // The page-aligned span of all PT_LOAD segments: [image_start, image_end).
  uint64_t image_start = 0;
  uint64_t image_end = 0;
  // The largest power-of-two p_align of a PT_LOAD that is at least a page (else a
  // page); the loader aligns an ET_DYN load bias to it.
  uint64_t max_align = 0;
};

// Reads and validates the ELF headers of `src`. Returns ENOEXEC for anything that
// is not a well-formed ELF64 little-endian x86-64 ET_EXEC/ET_DYN executable (bad
// magic, class, version, machine, type, header sizes, a program header table
// outside the file, PT_LOAD segments that are unsorted, overlapping, outside the
// file or the user address range, misaligned, or with p_filesz > p_memsz, a bad
// PT_INTERP), and the source's own errors (EIO, ...) as they are.
Result<ElfInfo> ParseElf(ExecutableSource& src);

}  // namespace kekkai::sentry::loader

#endif  // KEKKAI_SENTRY_LOADER_ELF_H_

// TestElfBuilder: builds small synthetic ELF64 x86-64 images for the loader's
// unit tests, and helpers that patch their headers to make them malformed.
// Test-only.
#ifndef KEKKAI_SENTRY_LOADER_TEST_ELF_BUILDER_H_
#define KEKKAI_SENTRY_LOADER_TEST_ELF_BUILDER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "abi/linux/elf.h"
#include "abi/linux/guest_addr.h"

namespace kekkai::sentry::loader::testing {

namespace elf = ::kekkai::abi::linux;

// Lays out an image: the ELF header, the program headers right after it, the
// PT_INTERP string after them; the first PT_LOAD starts at file offset 0 (so it
// holds the headers, as linkers do); each later PT_LOAD starts on a fresh file
// page at an offset congruent to its p_vaddr. Segment bytes are a pattern that
// differs per segment. Program headers are emitted in the order they are added.
class TestElfBuilder {
 public:
  explicit TestElfBuilder(uint16_t type = elf::kEtExec) : type_(type) {}

  TestElfBuilder& Entry(uint64_t entry) {
    entry_ = entry;
    return *this;
  }
  // Adds a PT_PHDR (its address follows from the first PT_LOAD).
  TestElfBuilder& Phdr() {
    items_.push_back({elf::kPtPhdr, elf::kPfR, 0, 0, 0, 8});
    return *this;
  }
  TestElfBuilder& Interp(std::string path) {
    interp_ = std::move(path);
    items_.push_back({elf::kPtInterp, elf::kPfR, 0, 0, 0, 1});
    return *this;
  }
  TestElfBuilder& Load(uint32_t flags, uint64_t vaddr, uint64_t filesz, uint64_t memsz,
                       uint64_t align = kPageSize) {
    items_.push_back({elf::kPtLoad, flags, vaddr, filesz, memsz, align});
    return *this;
  }
  TestElfBuilder& GnuStack(uint32_t flags) {
    items_.push_back({elf::kPtGnuStack, flags, 0, 0, 0, 16});
    return *this;
  }

  std::vector<std::byte> Build() const {
    const uint64_t phoff = sizeof(elf::Elf64Ehdr);
    const uint64_t interp_off = phoff + items_.size() * sizeof(elf::Elf64Phdr);
    const uint64_t headers_end = interp_off + (interp_.empty() ? 0 : interp_.size() + 1);
    std::vector<elf::Elf64Phdr> phdrs;
    uint64_t file_end = 0;
    bool first_load = true;
    uint64_t first_load_vaddr = 0;
    for (const Item& it : items_) {
      if (it.type == elf::kPtLoad && first_load) {
        first_load_vaddr = it.vaddr;
        first_load = false;
      }
    }
    first_load = true;
    std::vector<std::pair<uint64_t, uint64_t>> fills;  // (offset, len) of pattern bytes.
    for (const Item& it : items_) {
      elf::Elf64Phdr ph{};
      ph.p_type = it.type;
      ph.p_flags = it.flags;
      ph.p_align = it.align;
      if (it.type == elf::kPtLoad) {
        if (first_load) {
          ph.p_offset = 0;
          first_load = false;
          fills.push_back({headers_end, it.filesz > headers_end ? it.filesz - headers_end : 0});
        } else {
          ph.p_offset = ((file_end + kPageMask) & ~kPageMask) + (it.vaddr & kPageMask);
          fills.push_back({ph.p_offset, it.filesz});
        }
        ph.p_vaddr = ph.p_paddr = it.vaddr;
        ph.p_filesz = it.filesz;
        ph.p_memsz = it.memsz;
        file_end = std::max(file_end, ph.p_offset + ph.p_filesz);
      } else if (it.type == elf::kPtPhdr) {
        ph.p_offset = phoff;
        ph.p_vaddr = ph.p_paddr = first_load_vaddr + phoff;
        ph.p_filesz = ph.p_memsz = items_.size() * sizeof(elf::Elf64Phdr);
      } else if (it.type == elf::kPtInterp) {
        ph.p_offset = interp_off;
        ph.p_vaddr = ph.p_paddr = first_load_vaddr + interp_off;
        ph.p_filesz = ph.p_memsz = interp_.size() + 1;
      }
      phdrs.push_back(ph);
    }
    file_end = std::max(file_end, headers_end);
    std::vector<std::byte> out(file_end);
    for (size_t i = 0; i < fills.size(); ++i) {
      for (uint64_t j = 0; j < fills[i].second; ++j) {
        out[fills[i].first + j] = static_cast<std::byte>((j * 7 + i * 31 + 1) & 0xff);
      }
    }
    elf::Elf64Ehdr eh{};
    std::memcpy(eh.e_ident, elf::kElfMag, 4);
    eh.e_ident[elf::kEiClass] = elf::kElfClass64;
    eh.e_ident[elf::kEiData] = elf::kElfData2Lsb;
    eh.e_ident[elf::kEiVersion] = elf::kEvCurrent;
    eh.e_type = type_;
    eh.e_machine = elf::kEmX86_64;
    eh.e_version = elf::kEvCurrent;
    eh.e_entry = entry_;
    eh.e_phoff = phoff;
    eh.e_ehsize = sizeof(eh);
    eh.e_phentsize = sizeof(elf::Elf64Phdr);
    eh.e_phnum = static_cast<uint16_t>(phdrs.size());
    std::memcpy(out.data(), &eh, sizeof(eh));
    std::memcpy(out.data() + phoff, phdrs.data(), phdrs.size() * sizeof(elf::Elf64Phdr));
    if (!interp_.empty()) std::memcpy(out.data() + interp_off, interp_.c_str(), interp_.size() + 1);
    return out;
  }

 private:
  struct Item {
    uint32_t type, flags;
    uint64_t vaddr, filesz, memsz, align;
  };
  uint16_t type_;
  uint64_t entry_ = 0;
  std::string interp_;
  std::vector<Item> items_;
};

// Applies `f` to the ELF header of `image`.
template <typename F>
void PatchEhdr(std::vector<std::byte>& image, F f) {
  elf::Elf64Ehdr eh;
  std::memcpy(&eh, image.data(), sizeof(eh));
  f(eh);
  std::memcpy(image.data(), &eh, sizeof(eh));
}

// Applies `f` to program header `i` of `image` (at its e_phoff).
template <typename F>
void PatchPhdr(std::vector<std::byte>& image, size_t i, F f) {
  elf::Elf64Ehdr eh;
  std::memcpy(&eh, image.data(), sizeof(eh));
  elf::Elf64Phdr ph;
  const size_t off = eh.e_phoff + i * sizeof(ph);
  std::memcpy(&ph, image.data() + off, sizeof(ph));
  f(ph);
  std::memcpy(image.data() + off, &ph, sizeof(ph));
}

// Returns a well-formed static executable image: program headers 0 PT_PHDR,
// 1-3 PT_LOAD (r, r-x, rw with bss), 4 PT_GNU_STACK; entry 0x401000.
inline std::vector<std::byte> GoodStaticImage() {
  constexpr uint32_t r = elf::kPfR, w = elf::kPfW, x = elf::kPfX;
  return TestElfBuilder(elf::kEtExec)
      .Entry(0x401000)
      .Phdr()
      .Load(r, 0x400000, 0x800, 0x800)
      .Load(r | x, 0x401000, 0x1234, 0x1234)
      .Load(r | w, 0x403010, 0x100, 0x3000)
      .GnuStack(r | w)
      .Build();
}

}  // namespace kekkai::sentry::loader::testing

#endif  // KEKKAI_SENTRY_LOADER_TEST_ELF_BUILDER_H_

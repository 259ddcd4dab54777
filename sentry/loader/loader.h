// Load: execve(2)'s work on a fresh address space: maps an ELF program (and its
// PT_INTERP interpreter), picks the randomized layout (stack, mmap base, PIE
// bias, brk), and builds the initial stack with argv, envp and the auxv.
#ifndef KEKKAI_SENTRY_LOADER_LOADER_H_
#define KEKKAI_SENTRY_LOADER_LOADER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "abi/linux/auxv.h"
#include "base/result.h"
#include "sentry/loader/executable_source.h"
#include "sentry/loader/load_target.h"

namespace kekkai::sentry::mm {
class MemoryManager;
}  // namespace kekkai::sentry::mm

namespace kekkai::sentry::loader {

// vm.mmap_min_addr: the loader maps nothing below it.
inline constexpr uint64_t kMinUserAddress = 0x10000;

// The largest stack mapping made at exec whatever the rlimit (RLIM_INFINITY
// included); and the smallest.
inline constexpr uint64_t kMaxStackMapping = uint64_t{1} << 30;
inline constexpr uint64_t kMinStackMapping = 128 * 1024;

struct LoadRequest {
  ExecutableSource* file = nullptr;  // The program (borrowed).
  std::string execfn;                // AT_EXECFN: the path as given to exec.
  // The program's path for /proc/PID/maps; execfn when empty. (Linux shows the
  // resolved path; the VFS knows it, the loader doesn't.)
  std::string exe_path;
  std::vector<std::string> argv, envp;
  uint32_t uid = 0, euid = 0, gid = 0, egid = 0;
  // Opens the PT_INTERP program (dynamic executables); may return ENOENT/ENOEXEC.
  std::function<Result<std::unique_ptr<ExecutableSource>>(const std::string& path)>
      open_interpreter;
  uint64_t stack_rlimit = uint64_t{8} << 20;
  // False for the ADDR_NO_RANDOMIZE personality: no ASLR (AT_RANDOM stays random).
  bool randomize = true;
};

struct LoadResult {
  uint64_t entry = 0;          // Where the guest starts: the interpreter's entry if any.
  uint64_t stack_pointer = 0;  // rsp at entry (argc), 16-byte aligned.
  uint64_t interp_base = 0;    // AT_BASE: the interpreter's load bias; 0 without one.
  std::string interp;          // The PT_INTERP path; empty without one.
  uint64_t program_entry = 0;  // AT_ENTRY: the program's own entry.
  uint64_t load_bias = 0;      // The program's load bias (0 for ET_EXEC).
  uint64_t phdr = 0;           // AT_PHDR.
  uint64_t brk_start = 0;
  uint64_t mmap_base = 0;
  uint64_t stack_top = 0;   // The stack mapping's end.
  uint64_t stack_size = 0;  // The stack mapping's size.
  bool exec_stack = false;
  ExecRanges ranges;
  std::vector<abi::linux::AuxEntry> auxv;  // As written, AT_NULL included.
};

// Loads the program of `req` into `target`, which must be empty (a fresh address
// space: on failure the caller discards it, so a failed exec leaves the old one
// untouched). Errors: ENOEXEC for a malformed program or interpreter, E2BIG for
// arguments that are too big, ENOENT (or what open_interpreter returns) for a
// missing interpreter, EPERM for an ET_EXEC below mmap_min_addr, EEXIST for one
// that collides with the stack, ENOMEM when memory runs out, EINVAL for a bad
// request (no file).
Result<LoadResult> LoadInto(LoadTarget& target, const LoadRequest& req);

// Loads into a MemoryManager (LoadInto through an mm adapter). Defined in
// mm_load_target.cc, which is built once sentry/mm builds.
Result<LoadResult> Load(mm::MemoryManager& mm, const LoadRequest& req);

}  // namespace kekkai::sentry::loader

#endif  // KEKKAI_SENTRY_LOADER_LOADER_H_

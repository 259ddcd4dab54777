// Exec: what execve(2) does before its point of no return. Resolves the program
// through the guest's file view, follows `#!` interpreter lines (Linux's
// binfmt_script rules, at most 4 deep), and loads the ELF program with its
// PT_INTERP interpreter into a fresh address space. The caller installs the result.
#ifndef KEKKAI_SENTRY_LOADER_EXEC_H_
#define KEKKAI_SENTRY_LOADER_EXEC_H_

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "fs/vfs/vfs.h"
#include "sentry/loader/executable_source.h"
#include "sentry/loader/loader.h"

namespace kekkai::sentry::mm {
class MemoryManager;
}  // namespace kekkai::sentry::mm

namespace kekkai::sentry::loader {

// The bytes of a `#!` line the kernel looks at (BINPRM_BUF_SIZE).
inline constexpr size_t kShebangMax = 256;
// How many interpreters may chain (binfmt_script recursion limit).
inline constexpr int kMaxInterpreterDepth = 4;

struct Shebang {
  std::string interpreter;
  std::optional<std::string> arg;  // The one optional argument, spaces kept inside.
};

// Parses the start of a file. Returns nullopt when it doesn't start with "#!",
// ENOEXEC for a line with no interpreter or one truncated by the buffer's end.
Result<std::optional<Shebang>> ParseShebang(std::span<const std::byte> head);

struct ExecRequest {
  fs::vfs::Vfs* vfs = nullptr;
  // Who runs it, and where relative paths (the program's, an interpreter's) start.
  fs::vfs::PathContext ctx;
  std::string filename;  // The path as given to execve (AT_EXECFN, a script's argv).
  // execveat(fd, "", AT_EMPTY_PATH): the program is this place, not `filename`.
  fs::vfs::VirtualDentry program;
  bool nofollow = false;  // AT_SYMLINK_NOFOLLOW: a final symlink is ELOOP.
  std::vector<std::string> argv, envp;
  uint64_t stack_rlimit = uint64_t{8} << 20;
  // Returns a fresh, empty address space.
  std::function<Result<std::shared_ptr<mm::MemoryManager>>()> new_mm;
};

struct ExecImage {
  std::shared_ptr<mm::MemoryManager> mm;
  LoadResult load;
  std::string exe;  // The ELF program's canonical path (/proc/self/exe).
};

// Loads the program. Errors as execve(2): ENOENT, EACCES (not a regular file or no
// x bit), ENOEXEC, ELOOP (interpreters nested too deep, or symlinks), E2BIG, ENOMEM.
Result<ExecImage> Exec(const ExecRequest& req);

// Reads an opened guest file as an executable.
class FileSource : public ExecutableSource {
 public:
  explicit FileSource(fs::vfs::FileRef file) : file_(std::move(file)) {}
  Result<size_t> ReadAt(std::span<std::byte> dst, uint64_t offset) override;
  Result<uint64_t> Size() override;

 private:
  fs::vfs::FileRef file_;
};

}  // namespace kekkai::sentry::loader

#endif  // KEKKAI_SENTRY_LOADER_EXEC_H_

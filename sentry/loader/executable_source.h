// ExecutableSource: what the loader reads a program from (a host fd, a VFS file,
// an embedded image), and the two implementations the sentry has today.
#ifndef KEKKAI_SENTRY_LOADER_EXECUTABLE_SOURCE_H_
#define KEKKAI_SENTRY_LOADER_EXECUTABLE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/file_descriptor.h"
#include "base/result.h"

namespace kekkai::sentry::loader {

// A random-access, read-only byte source. Not thread-safe unless an
// implementation says so; the loader uses one from a single thread.
class ExecutableSource {
 public:
  virtual ~ExecutableSource() = default;
  // Reads up to dst.size() bytes at `offset`. Returns the bytes read: fewer than
  // asked only at end of file (0 at or past it).
  virtual Result<size_t> ReadAt(std::span<std::byte> dst, uint64_t offset) = 0;
  // Returns the size of the source in bytes.
  virtual Result<uint64_t> Size() = 0;
};

// Reads all of `dst` at `offset`; ENOEXEC if the source ends first (the loader's
// callers treat a truncated program as malformed), other errors as ReadAt's.
Result<void> ReadFullAt(ExecutableSource& src, std::span<std::byte> dst, uint64_t offset);

// Reads a host file through pread(2). Owns the fd.
class HostFileSource final : public ExecutableSource {
 public:
  explicit HostFileSource(FileDescriptor fd) : fd_(std::move(fd)) {}
  // Opens `path` read-only on the host. For tests and tools only: the sentry
  // itself gets program files from the gofer.
  static Result<HostFileSource> Open(const char* path);

  Result<size_t> ReadAt(std::span<std::byte> dst, uint64_t offset) override;
  Result<uint64_t> Size() override;

  int fd() const { return fd_.get(); }

 private:
  FileDescriptor fd_;
};

// Reads from bytes in memory that it borrows (an embedded image, a test's
// synthetic ELF); the bytes must outlive the source.
class ByteSource final : public ExecutableSource {
 public:
  explicit ByteSource(std::span<const std::byte> bytes) : bytes_(bytes) {}

  Result<size_t> ReadAt(std::span<std::byte> dst, uint64_t offset) override;
  Result<uint64_t> Size() override { return static_cast<uint64_t>(bytes_.size()); }

 private:
  std::span<const std::byte> bytes_;
};

}  // namespace kekkai::sentry::loader

#endif  // KEKKAI_SENTRY_LOADER_EXECUTABLE_SOURCE_H_

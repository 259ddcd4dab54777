// Errno: a Linux error number carried as a value, never as a negative int.
#ifndef KEKKAI_BASE_ERRNO_H_
#define KEKKAI_BASE_ERRNO_H_

#include <cerrno>
#include <cstdint>
#include <iosfwd>

namespace kekkai {

// Errno values the kernel uses internally for syscall restart; they never reach a guest.
inline constexpr int kERESTARTSYS = 512;
inline constexpr int kERESTARTNOINTR = 513;
inline constexpr int kERESTARTNOHAND = 514;
inline constexpr int kERESTART_RESTARTBLOCK = 516;

// Holds one Linux errno value (positive).
class Errno {
 public:
  constexpr explicit Errno(int v) : value_(v) {}
  // Returns the positive errno number.
  constexpr int value() const { return value_; }
  // Returns true for the kernel-internal restart codes.
  constexpr bool IsRestart() const { return value_ >= kERESTARTSYS && value_ <= kERESTART_RESTARTBLOCK; }
  constexpr bool operator==(const Errno& o) const = default;

 private:
  int value_;
};

// Returns the calling thread's errno as an Errno.
inline Errno LastErrno() { return Errno(errno); }

// Returns the symbolic name of an errno ("ENOENT"), or nullptr if unknown.
const char* ErrnoName(int v);

// Prints an Errno by name ("ENOENT"), or its number if it has none (gtest uses it).
void PrintTo(const Errno& e, std::ostream* os);

}  // namespace kekkai

#endif  // KEKKAI_BASE_ERRNO_H_

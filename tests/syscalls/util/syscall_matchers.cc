#include "tests/syscalls/util/syscall_matchers.h"

#include <string.h>

namespace kekkai::syscall_test {

std::string ErrnoName(int e) {
  const char* name = strerrorname_np(e);
  if (name == nullptr) return "errno " + std::to_string(e);
  return std::string(name) + " (" + strerrordesc_np(e) + ")";
}

}  // namespace kekkai::syscall_test

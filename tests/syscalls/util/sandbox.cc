#include "tests/syscalls/util/sandbox.h"

#include <string.h>
#include <sys/utsname.h>

namespace kekkai::syscall_test {

bool RunningInKekkai() {
  static const bool kekkai = [] {
    struct utsname u;
    return uname(&u) == 0 && strstr(u.version, "kekkai") != nullptr;
  }();
  return kekkai;
}

}  // namespace kekkai::syscall_test

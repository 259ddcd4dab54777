// Touches memory that may fault and reports what happened instead of dying: a
// SIGSEGV/SIGBUS handler records the signal and siglongjmps back. Single-threaded
// use only (the handler's state is process-wide); the previous handlers are put
// back afterwards.
#ifndef KEKKAI_TESTS_SYSCALLS_UTIL_FAULT_PROBE_H_
#define KEKKAI_TESTS_SYSCALLS_UTIL_FAULT_PROBE_H_

#include <stdint.h>

#include <ostream>

namespace kekkai::syscall_test {

struct Fault {
  bool faulted = false;
  int signo = 0;       // SIGSEGV or SIGBUS
  int code = 0;        // si_code: SEGV_MAPERR, SEGV_ACCERR, ...
  uintptr_t addr = 0;  // si_addr
};

std::ostream& operator<<(std::ostream& os, const Fault& f);

// Reads the byte at `addr`; returns whether and how the read faulted. On success
// `*value` (if given) receives the byte.
Fault ProbeRead(const void* addr, char* value = nullptr);

// Writes `value` to the byte at `addr`; returns whether and how it faulted.
Fault ProbeWrite(void* addr, char value);

}  // namespace kekkai::syscall_test

#endif  // KEKKAI_TESTS_SYSCALLS_UTIL_FAULT_PROBE_H_

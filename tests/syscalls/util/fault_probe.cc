#include "tests/syscalls/util/fault_probe.h"

#include <setjmp.h>
#include <signal.h>
#include <string.h>

namespace kekkai::syscall_test {

namespace {

sigjmp_buf g_jump;
volatile sig_atomic_t g_armed = 0;
Fault g_fault;

// Async-signal-safe: records the fault and jumps back into the probe.
void OnFault(int sig, siginfo_t* info, void*) {
  if (!g_armed) {
    // A fault outside a probe: die of it, as without this handler.
    signal(sig, SIG_DFL);
    return;  // the faulting instruction runs again, now fatally
  }
  g_armed = 0;
  g_fault.faulted = true;
  g_fault.signo = sig;
  g_fault.code = info->si_code;
  g_fault.addr = reinterpret_cast<uintptr_t>(info->si_addr);
  siglongjmp(g_jump, 1);
}

template <typename Access>
Fault Probe(Access access) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = OnFault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  struct sigaction old_segv, old_bus;
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);
  g_fault = Fault{};
  if (sigsetjmp(g_jump, /*savemask=*/1) == 0) {
    g_armed = 1;
    access();
    g_armed = 0;
  }
  sigaction(SIGSEGV, &old_segv, nullptr);
  sigaction(SIGBUS, &old_bus, nullptr);
  return g_fault;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Fault& f) {
  if (!f.faulted) return os << "no fault";
  return os << "signal " << f.signo << " code " << f.code << " at 0x" << std::hex << f.addr
            << std::dec;
}

Fault ProbeRead(const void* addr, char* value) {
  volatile char v = 0;
  Fault f = Probe([&] { v = *static_cast<const volatile char*>(addr); });
  if (!f.faulted && value != nullptr) *value = v;
  return f;
}

Fault ProbeWrite(void* addr, char value) {
  return Probe([&] { *static_cast<volatile char*>(addr) = value; });
}

}  // namespace kekkai::syscall_test

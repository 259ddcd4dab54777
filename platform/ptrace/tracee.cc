#include "platform/ptrace/tracee.h"

#include <elf.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/logging.h"

namespace kekkai::platform::ptrace {
namespace {

// The head of struct ptrace_syscall_info (linux/ptrace.h); we only need the arch.
struct SyscallInfoHead {
  uint8_t op;
  uint8_t pad[3];
  uint32_t arch;
  uint64_t instruction_pointer;
  uint64_t stack_pointer;
  uint64_t nr;
  uint64_t args[6];
  uint32_t ret_data;
  uint32_t pad2;
};

}  // namespace

pid_t CurrentTid() {
  thread_local const pid_t tid = gettid();
  return tid;
}

Result<void> Seize(pid_t tid) {
  if (::ptrace(PTRACE_SEIZE, tid, nullptr, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD) != 0) {
    PLOG(ERROR) << "ptrace(PTRACE_SEIZE, pid=" << tid << ")";
    return LastErrno();
  }
  return Ok();
}

Result<void> Resume(int request, pid_t tid) {
  if (::ptrace(static_cast<__ptrace_request>(request), tid, nullptr, nullptr) != 0) {
    PLOG(ERROR) << "ptrace(" << (request == PTRACE_SYSEMU ? "PTRACE_SYSEMU" : "PTRACE_CONT")
                << ", pid=" << tid << ")";
    return LastErrno();
  }
  return Ok();
}

Result<void> GetRegs(pid_t tid, abi::linux::PtraceRegs& regs) {
  if (::ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0) {
    PLOG(ERROR) << "ptrace(PTRACE_GETREGS, pid=" << tid << ")";
    return LastErrno();
  }
  return Ok();
}

Result<void> SetRegs(pid_t tid, const abi::linux::PtraceRegs& regs) {
  if (::ptrace(PTRACE_SETREGS, tid, nullptr, &regs) != 0) {
    PLOG(ERROR) << "ptrace(PTRACE_SETREGS, pid=" << tid << ", rip=0x" << std::hex << regs.rip
                << ", fs_base=0x" << regs.fs_base << ")";
    return LastErrno();
  }
  return Ok();
}

Result<void> GetSigInfo(pid_t tid, abi::linux::SigInfo& info) {
  if (::ptrace(PTRACE_GETSIGINFO, tid, nullptr, &info) != 0) {
    PLOG(ERROR) << "ptrace(PTRACE_GETSIGINFO, pid=" << tid << ")";
    return LastErrno();
  }
  return Ok();
}

Result<size_t> GetXstate(pid_t tid, std::span<std::byte> buf) {
  iovec iov{buf.data(), buf.size()};
  if (::ptrace(PTRACE_GETREGSET, tid, reinterpret_cast<void*>(NT_X86_XSTATE), &iov) != 0) {
    PLOG(ERROR) << "ptrace(PTRACE_GETREGSET, pid=" << tid << ", NT_X86_XSTATE, len=" << buf.size()
                << ")";
    return LastErrno();
  }
  return iov.iov_len;
}

Result<void> SetXstate(pid_t tid, std::span<const std::byte> buf) {
  iovec iov{const_cast<std::byte*>(buf.data()), buf.size()};
  if (::ptrace(PTRACE_SETREGSET, tid, reinterpret_cast<void*>(NT_X86_XSTATE), &iov) != 0) {
    PLOG(ERROR) << "ptrace(PTRACE_SETREGSET, pid=" << tid << ", NT_X86_XSTATE, len=" << buf.size()
                << ")";
    return LastErrno();
  }
  return Ok();
}

Result<uint32_t> GetSyscallArch(pid_t tid) {
  SyscallInfoHead info{};
  if (::ptrace(PTRACE_GET_SYSCALL_INFO, tid, reinterpret_cast<void*>(sizeof(info)), &info) <= 0) {
    PLOG(ERROR) << "ptrace(PTRACE_GET_SYSCALL_INFO, pid=" << tid << ")";
    return LastErrno();
  }
  return info.arch;
}

Result<int> WaitFor(pid_t tid) {
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(tid, &status, __WALL);
    if (r == tid) return status;
    if (r < 0 && errno == EINTR) continue;
    PLOG(ERROR) << "waitpid(pid=" << tid << ", __WALL)";
    return r < 0 ? LastErrno() : Errno(ECHILD);
  }
}

}  // namespace kekkai::platform::ptrace

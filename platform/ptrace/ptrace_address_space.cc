#include "platform/ptrace/ptrace_address_space.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <string>

#include "base/file_descriptor.h"
#include "base/logging.h"
#include "platform/ptrace/stub_blob.h"
#include "platform/ptrace/tracee.h"

namespace kekkai::platform::ptrace {
namespace {

bool IsMmap(const StubOp& op) { return op.nr == SYS_mmap; }
bool IsMunmap(const StubOp& op) { return op.nr == SYS_munmap; }

// Returns the op as a call, for log lines.
std::string Describe(const StubOp& op) {
  std::ostringstream os;
  os << std::hex << (IsMmap(op) ? "mmap(0x" : "munmap(0x") << op.args[0] << ", 0x" << op.args[1];
  if (IsMmap(op)) os << ", prot=" << op.args[2] << ", offset=0x" << op.args[5];
  os << ")";
  return os.str();
}

std::string DescribeResult(uint64_t result) {
  const int64_t r = static_cast<int64_t>(result);
  if (r < 0 && r >= -4095) {
    const char* name = ErrnoName(static_cast<int>(-r));
    return std::string("failed: ") + (name != nullptr ? name : std::to_string(-r));
  }
  std::ostringstream os;
  os << "returned 0x" << std::hex << result;
  return os.str();
}

}  // namespace

Result<std::unique_ptr<PtraceAddressSpace>> PtraceAddressSpace::Create(
    std::shared_ptr<PtraceShared> shared) {
  ASSIGN_OR_RETURN(FileDescriptor data_fd, CreateMemFd("kekkai-stub-data"));
  if (ftruncate(data_fd.get(), kStubDataSize) != 0) {
    PLOG(ERROR) << "ftruncate(stub data memfd, " << kStubDataSize << ")";
    return LastErrno();
  }
  void* data = mmap(nullptr, kStubDataSize, PROT_READ | PROT_WRITE, MAP_SHARED, data_fd.get(), 0);
  if (data == MAP_FAILED) {
    PLOG(ERROR) << "mmap(stub data memfd)";
    return LastErrno();
  }
  Result<pid_t> pid = shared->factory->CreateStub(data_fd.get());
  if (!pid.ok()) {
    munmap(data, kStubDataSize);
    return pid.error();
  }
  return std::unique_ptr<PtraceAddressSpace>(
      new PtraceAddressSpace(std::move(shared), static_cast<StubOp*>(data), *pid));
}

PtraceAddressSpace::PtraceAddressSpace(std::shared_ptr<PtraceShared> shared, StubOp* data,
                                       pid_t pid)
    : shared_(std::move(shared)), data_(data), pid_(pid) {}

PtraceAddressSpace::~PtraceAddressSpace() {
  // The stub is a child of the factory thread and, once seized, a tracee of some
  // host thread of this process; both kinds are waitable from any thread of the
  // process, so this reaps it wherever we run. SIGKILL ends every stub thread.
  if (!leader_reaped_.load()) {
    if (kill(pid_, SIGKILL) != 0) PLOG(ERROR) << "kill(stub pid=" << pid_ << ", SIGKILL)";
    for (;;) {
      Result<int> status = WaitFor(pid_);
      if (!status.ok() || WIFEXITED(*status) || WIFSIGNALED(*status)) break;
    }
    leader_reaped_ = true;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& t : threads_) t->reaped = true;
  munmap(data_, kStubDataSize);
}

Result<void> PtraceAddressSpace::CheckRange(uint64_t addr, uint64_t len) const {
  if (!IsPageAligned(addr) || !IsPageAligned(len) || len == 0) return Errno(EINVAL);
  if (addr > kStubRegionStart || len > kStubRegionStart - addr) return Errno(ENOMEM);
  return Ok();
}

Result<void> PtraceAddressSpace::MapFile(GuestAddr addr, uint64_t offset, uint64_t len,
                                         AccessType access) {
  RETURN_IF_ERROR(CheckRange(Raw(addr), len));
  if (!IsPageAligned(offset)) return Errno(EINVAL);
  StubOp op{};
  op.nr = SYS_mmap;
  op.args[0] = Raw(addr);
  op.args[1] = len;
  op.args[2] = static_cast<uint64_t>(access.ToProt());
  op.args[3] = MAP_SHARED | MAP_FIXED;
  op.args[4] = static_cast<uint64_t>(shared_->factory->memfd());
  op.args[5] = offset;
  Enqueue(op);
  return Ok();
}

Result<void> PtraceAddressSpace::Unmap(GuestAddr addr, uint64_t len) {
  RETURN_IF_ERROR(CheckRange(Raw(addr), len));
  StubOp op{};
  op.nr = SYS_munmap;
  op.args[0] = Raw(addr);
  op.args[1] = len;
  Enqueue(op);
  return Ok();
}

void PtraceAddressSpace::Enqueue(const StubOp& op) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!pending_.empty()) {
    StubOp& last = pending_.back();
    // One mmap for adjacent ranges of the file with the same protection.
    if (IsMmap(op) && IsMmap(last) && last.args[2] == op.args[2] &&
        last.args[0] + last.args[1] == op.args[0] && last.args[5] + last.args[1] == op.args[5]) {
      last.args[1] += op.args[1];
      return;
    }
    // One munmap for adjacent ranges.
    if (IsMunmap(op) && IsMunmap(last)) {
      if (last.args[0] + last.args[1] == op.args[0]) {
        last.args[1] += op.args[1];
        return;
      }
      if (op.args[0] + op.args[1] == last.args[0]) {
        last.args[0] = op.args[0];
        last.args[1] += op.args[1];
        return;
      }
    }
  }
  pending_.push_back(op);
}

Result<void> PtraceAddressSpace::Flush() {
  std::shared_ptr<StubThread> t;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (broken_) return Errno(ENOMEM);
    if (pending_.empty()) return Ok();
    const pid_t caller = CurrentTid();
    for (auto& candidate : threads_) {
      if (candidate->tracer_tid == caller) t = candidate;
    }
  }
  if (t == nullptr) return Ok();
  return ApplyPending(*t);
}

std::shared_ptr<StubThread> PtraceAddressSpace::ThreadForCaller() {
  std::lock_guard<std::mutex> lock(mu_);
  const pid_t caller = CurrentTid();
  for (auto& t : threads_) {
    if (t->tracer_tid == caller) return t;
  }
  if (leader_reaped_.load() || seize_failed_) return nullptr;
  if (!threads_.empty()) {
    LOG(ERROR) << "ptrace stub " << pid_ << " is traced by host thread " << threads_[0]->tracer_tid
               << "; host thread " << caller
               << " cannot run it: per-thread stub threads (inject clone into the stub, then "
                  "seize the new thread from the new host thread) are not implemented yet";
    return nullptr;
  }
  if (!Seize(pid_).ok()) {
    seize_failed_ = true;
    return nullptr;
  }
  // The stub is in a group stop (it stopped itself); seizing it re-traps it into a
  // PTRACE_EVENT_STOP. If someone continued it first, its blob stops it again.
  Result<int> status = WaitFor(pid_);
  if (!status.ok()) {
    seize_failed_ = true;
    return nullptr;
  }
  if (!WIFSTOPPED(*status)) {
    LOG(ERROR) << "ptrace stub " << pid_ << " exited before it could be traced (wait status 0x"
               << std::hex << *status << ")";
    leader_reaped_ = true;
    return nullptr;
  }
  shared_->pinner.PinCallerAnd(pid_);
  auto t = std::make_shared<StubThread>(pid_, pid_, caller);
  threads_.push_back(t);
  return t;
}

void PtraceAddressSpace::MarkReaped(StubThread& t) {
  t.reaped = true;
  if (t.tid == pid_) leader_reaped_ = true;
}

Result<void> PtraceAddressSpace::ApplyPending(StubThread& t) {
  std::lock_guard<std::mutex> lock(mu_);
  if (broken_) return Errno(ENOMEM);
  while (!pending_.empty()) {
    const size_t n = std::min(pending_.size(), kMaxStubOps);
    for (size_t i = 0; i < n; ++i) data_[i] = pending_[i];
    Result<RunOutcome> r = RunOps(t, n);
    if (!r.ok()) {
      broken_ = true;
      return r.error();
    }
    if (r->completed < n) {
      LOG(ERROR) << "ptrace stub " << pid_ << ": " << Describe(pending_[r->completed]) << " "
                 << DescribeResult(r->result);
      broken_ = true;
      return Errno(ENOMEM);
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(n));
  }
  return Ok();
}

Result<PtraceAddressSpace::RunOutcome> PtraceAddressSpace::RunOps(StubThread& t, size_t n) {
  abi::linux::PtraceRegs regs{};
  regs.rip = kStubCodeAddr + StubLoopOffset();
  regs.rsp = kStubStackTop;
  regs.rbx = kStubDataAddr;
  regs.r12 = n;
  regs.cs = abi::linux::kUserCs;
  regs.ss = abi::linux::kUserDs;
  regs.eflags = abi::linux::kInitialEflags;
  regs.orig_rax = ~uint64_t{0};
  RETURN_IF_ERROR(SetRegs(t.tid, regs));
  for (;;) {
    RETURN_IF_ERROR(Resume(PTRACE_CONT, t.tid));
    ASSIGN_OR_RETURN(int status, WaitFor(t.tid));
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      LOG(ERROR) << "ptrace stub " << pid_ << " died while applying mappings (wait status 0x"
                 << std::hex << status << ")";
      MarkReaped(t);
      return Errno(ESRCH);
    }
    if (!WIFSTOPPED(status) || (status >> 16) != 0) continue;  // group stop: resume
    abi::linux::SigInfo info;
    RETURN_IF_ERROR(GetSigInfo(t.tid, info));
    // Signals from outside, or an Interrupt() meant for the guest, are dropped:
    // Switch checks the interrupt flag itself before running the guest.
    if (info.code <= 0 || info.signo == SIGCHLD) continue;
    if (info.signo == SIGTRAP && info.code == abi::linux::kSiKernel) {
      abi::linux::PtraceRegs out;
      RETURN_IF_ERROR(GetRegs(t.tid, out));
      if (out.rip != kStubCodeAddr + StubLoopTrapOffset() + 1 || out.r12 > n) {
        LOG(ERROR) << "ptrace stub " << pid_ << " trapped outside its loop (rip 0x" << std::hex
                   << out.rip << ")";
        return Errno(EFAULT);
      }
      return RunOutcome{n - static_cast<size_t>(out.r12), out.rax};
    }
    LOG(ERROR) << "ptrace stub " << pid_ << " got signal " << info.signo << " (code " << info.code
               << ", addr 0x" << std::hex << info.addr() << ") while applying mappings";
    return Errno(EFAULT);
  }
}

}  // namespace kekkai::platform::ptrace

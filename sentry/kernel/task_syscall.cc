// Syscall dispatch: a bounds check and an array index into the registered table,
// the restart protocol, vsyscall emulation, and --strace output.
#include <unistd.h>

#include <cinttypes>
#include <cstdio>

#include "base/logging.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"

namespace kekkai::sentry::kernel {

using namespace abi::linux;

namespace {

SyscallArgs ArgsFromRegs(const PtraceRegs& r) {
  return SyscallArgs{{r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9}};
}

void AppendEscaped(std::string* out, const std::byte* p, size_t n, bool truncated) {
  *out += '"';
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    switch (c) {
      case '\n': *out += "\\n"; break;
      case '\t': *out += "\\t"; break;
      case '\r': *out += "\\r"; break;
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          *out += static_cast<char>(c);
        } else {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\x%02x", c);
          *out += buf;
        }
    }
  }
  *out += '"';
  if (truncated) *out += "...";
}

constexpr size_t kStraceBytes = 32;

}  // namespace

void Task::HandleSyscall(const platform::SwitchResult& r) {
  auto& regs = cpu_.regs;
  const uint64_t nr = regs.orig_rax;
  if (r.syscall_arch != kAuditArchX86_64) {
    // int $0x80 (i386) and anything else but x86-64: refused, never run on the host.
    static std::atomic<bool> logged{false};
    if (!logged.exchange(true)) {
      LOG(INFO) << "task " << tid_ << ": refusing a non-x86-64 syscall (arch 0x" << std::hex
                << r.syscall_arch << std::dec << ", nr " << nr << ")";
    }
    if (kernel_.strace()) {
      std::string line = "[pid " + std::to_string(tid_) + "] <i386 syscall " +
                         std::to_string(nr) + "> = -1 ENOSYS (refused)\n";
      (void)!write(2, line.data(), line.size());
    }
    regs.rax = static_cast<uint64_t>(-ENOSYS);
    return;
  }
  const SyscallArgs args = ArgsFromRegs(regs);
  const SyscallEntry* e = kernel_.syscalls().Lookup(nr);
  std::string line;
  if (kernel_.strace()) StraceEnter(e, nr, args, &line);

  SyscallResult res = Errno(ENOSYS);
  if (e != nullptr && e->fn != nullptr) {
    res = e->fn(*this, args);
  } else {
    kernel_.ReportUnimplemented(nr, e != nullptr ? e->name : nullptr);
  }

  if (kernel_.strace()) StraceExit(e, args, res, &line);
  if (!res.ok() && res.error().value() == kEJustReturn) return;
  if (res.ok()) {
    regs.rax = *res;
  } else {
    const int err = res.error().value();
    if (res.error().IsRestart()) restart_errno_ = err;
    regs.rax = static_cast<uint64_t>(-static_cast<int64_t>(err));
  }
}

void Task::HandleVsyscall(const platform::SwitchResult& r) {
  // The host already emulated the `ret` of the vsyscall entry; only the result is
  // missing. Only time, gettimeofday and getcpu live there.
  auto& regs = cpu_.regs;
  const SyscallArgs args = ArgsFromRegs(regs);
  const SyscallEntry* e = kernel_.syscalls().Lookup(static_cast<uint64_t>(r.vsyscall_nr));
  const bool allowed = r.vsyscall_nr == kSysTime || r.vsyscall_nr == kSysGettimeofday ||
                       r.vsyscall_nr == kSysGetcpu;
  std::string line;
  if (kernel_.strace()) StraceEnter(e, static_cast<uint64_t>(r.vsyscall_nr), args, &line);
  SyscallResult res = Errno(ENOSYS);
  if (allowed && e != nullptr && e->fn != nullptr) res = e->fn(*this, args);
  if (kernel_.strace()) StraceExit(e, args, res, &line);
  if (!res.ok() && res.error().value() == EFAULT) {
    // As emulate_vsyscall: a bad pointer is a SIGSEGV, not an error return.
    SigInfo info{};
    info.signo = kSigSegv;
    info.code = kSegvMaperr;
    ForceSignal(info);
    return;
  }
  regs.rax = res.ok() ? *res : static_cast<uint64_t>(-static_cast<int64_t>(res.error().value()));
}

void Task::StraceEnter(const SyscallEntry* e, uint64_t nr, const SyscallArgs& args,
                       std::string* line) {
  *line = "[pid " + std::to_string(tid_) + "] ";
  if (e != nullptr) {
    *line += e->name;
  } else {
    *line += "syscall_" + std::to_string(nr);
  }
  *line += '(';
  for (int i = 0; i < 6; ++i) {
    const Arg kind = e != nullptr ? e->args[i] : (i < 6 ? Arg::kHex : Arg::kNone);
    if (kind == Arg::kNone) break;
    if (i > 0) *line += ", ";
    char buf[32];
    switch (kind) {
      case Arg::kInt:
      case Arg::kFd:
      case Arg::kSignal:
        snprintf(buf, sizeof(buf), "%" PRId64, args.Int64(i));
        if (kind == Arg::kFd || kind == Arg::kSignal) snprintf(buf, sizeof(buf), "%d", args.Int(i));
        *line += buf;
        break;
      case Arg::kUint:
        snprintf(buf, sizeof(buf), "%" PRIu64, args.Uint64(i));
        *line += buf;
        break;
      case Arg::kOct:
        snprintf(buf, sizeof(buf), "0%" PRIo64, args.Uint64(i));
        *line += buf;
        break;
      case Arg::kPath: {
        auto s = mm_->CopyInString(args.Addr(i), usermem::kMaxStringLen);
        if (s.ok()) {
          AppendEscaped(line, reinterpret_cast<const std::byte*>(s->data()), s->size(), false);
        } else {
          snprintf(buf, sizeof(buf), "0x%" PRIx64, args.Uint64(i));
          *line += buf;
        }
        break;
      }
      case Arg::kInBuf: {
        const uint64_t len = i + 1 < 6 ? args.Uint64(i + 1) : 0;
        std::byte data[kStraceBytes];
        const size_t want = std::min<uint64_t>(len, kStraceBytes);
        auto got = mm_->CopyIn(args.Addr(i), std::span(data, want));
        if (got.ok() || want == 0) {
          AppendEscaped(line, data, got.ok() ? *got : 0, len > kStraceBytes);
        } else {
          snprintf(buf, sizeof(buf), "0x%" PRIx64, args.Uint64(i));
          *line += buf;
        }
        break;
      }
      case Arg::kOutBuf:
        // Filled in after the call.
        *line += "\x01";
        break;
      case Arg::kHex:
      case Arg::kNone:
        snprintf(buf, sizeof(buf), "0x%" PRIx64, args.Uint64(i));
        *line += buf;
        break;
    }
  }
  *line += ')';
}

void Task::StraceExit(const SyscallEntry* e, const SyscallArgs& args, const SyscallResult& r,
                      std::string* line) {
  // Replace the out-buffer placeholder with what the call wrote.
  const size_t mark = line->find('\x01');
  if (mark != std::string::npos) {
    std::string repl;
    int idx = 0;
    if (e != nullptr) {
      for (int i = 0; i < 6; ++i) {
        if (e->args[i] == Arg::kOutBuf) idx = i;
      }
    }
    if (r.ok()) {
      std::byte data[kStraceBytes];
      const size_t want = std::min<uint64_t>(*r, kStraceBytes);
      auto got = mm_->CopyIn(args.Addr(idx), std::span(data, want));
      AppendEscaped(&repl, data, got.ok() ? *got : 0, *r > kStraceBytes);
    } else {
      char buf[32];
      snprintf(buf, sizeof(buf), "0x%" PRIx64, args.Uint64(idx));
      repl = buf;
    }
    line->replace(mark, 1, repl);
  }
  char buf[96];
  if (ShouldExit()) {
    snprintf(buf, sizeof(buf), " = ?\n");
  } else if (r.ok()) {
    const uint64_t v = *r;
    if (v > 0xffff && e != nullptr && (e->nr == kSysMmap || e->nr == kSysBrk || e->nr == kSysMremap)) {
      snprintf(buf, sizeof(buf), " = 0x%" PRIx64 "\n", v);
    } else {
      snprintf(buf, sizeof(buf), " = %" PRId64 "\n", static_cast<int64_t>(v));
    }
  } else {
    const int err = r.error().value();
    if (err == kEJustReturn) {
      snprintf(buf, sizeof(buf), " = ?\n");
    } else {
      const char* name = ErrnoName(err);
      if (name != nullptr) {
        snprintf(buf, sizeof(buf), " = -1 %s\n", name);
      } else {
        snprintf(buf, sizeof(buf), " = -1 errno %d\n", err);
      }
    }
  }
  *line += buf;
  (void)!write(2, line->data(), line->size());
}

}  // namespace kekkai::sentry::kernel

#include "base/logging.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace kekkai {
namespace {

std::atomic<int> g_min_severity{static_cast<int>(LogSeverity::kWarning)};
std::atomic<int> g_log_fd{2};

const char kSeverityChar[] = "DIWEF";

void WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

void SetMinLogSeverity(LogSeverity s) { g_min_severity = static_cast<int>(s); }
LogSeverity MinLogSeverity() { return static_cast<LogSeverity>(g_min_severity.load()); }
void SetLogFd(int fd) { g_log_fd = fd; }
int LogFd() { return g_log_fd.load(); }

namespace internal {

LogMessage::LogMessage(const char* file, int line, LogSeverity s, bool with_errno)
    : file_(file), line_(line), severity_(s), saved_errno_(errno), with_errno_(with_errno) {}

LogMessage::~LogMessage() {
  const char* base = strrchr(file_, '/');
  base = base ? base + 1 : file_;
  std::string line = "kekkai: ";
  if (severity_ != LogSeverity::kError && severity_ != LogSeverity::kWarning) {
    line += kSeverityChar[static_cast<int>(severity_)];
    line += ' ';
  }
  if (MinLogSeverity() <= LogSeverity::kInfo || severity_ == LogSeverity::kFatal) {
    line += base;
    line += ':';
    line += std::to_string(line_);
    line += ": ";
  }
  line += os_.str();
  if (with_errno_) {
    line += ": ";
    line += strerror(saved_errno_);
  }
  line += '\n';
  WriteAll(LogFd(), line.data(), line.size());
  if (severity_ == LogSeverity::kFatal) abort();
  errno = saved_errno_;
}

}  // namespace internal

void RawLog(const char* msg) { WriteAll(LogFd(), msg, strlen(msg)); }

void RawLogInt(const char* prefix, int64_t v) {
  char buf[24];
  int i = sizeof(buf);
  buf[--i] = '\n';
  bool neg = v < 0;
  uint64_t u = neg ? -static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    buf[--i] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (neg) buf[--i] = '-';
  RawLog(prefix);
  WriteAll(LogFd(), buf + i, sizeof(buf) - i);
}

}  // namespace kekkai

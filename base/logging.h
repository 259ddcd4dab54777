// Logging: LOG(severity) << ..., PLOG (appends errno), CHECK, and an
// async-signal-safe raw logger for stubs, signal handlers and post-fork code.
#ifndef KEKKAI_BASE_LOGGING_H_
#define KEKKAI_BASE_LOGGING_H_

#include <cstdint>
#include <sstream>

namespace kekkai {

enum class LogSeverity { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kFatal = 4 };

// Sets the least severity that is written (default kWarning). Thread-safe.
void SetMinLogSeverity(LogSeverity s);
LogSeverity MinLogSeverity();
// Sends log lines to `fd` (borrowed; default 2). Thread-safe.
void SetLogFd(int fd);
int LogFd();

namespace internal {

// Builds one log line and writes it with a single write(2) when destroyed.
class LogMessage {
 public:
  LogMessage(const char* file, int line, LogSeverity s, bool with_errno);
  ~LogMessage();
  std::ostream& stream() { return os_; }

 private:
  const char* file_;
  int line_;
  LogSeverity severity_;
  int saved_errno_;
  bool with_errno_;
  std::ostringstream os_;
};

// Swallows a stream expression so disabled logs cost only the severity check.
struct LogVoidify {
  void operator&(std::ostream&) {}
};

}  // namespace internal

// Writes `msg` (NUL-terminated) to the log fd. Async-signal-safe.
void RawLog(const char* msg);
// Writes `prefix`, then `v` in decimal, then a newline. Async-signal-safe.
void RawLogInt(const char* prefix, int64_t v);

}  // namespace kekkai

#define KEKKAI_LOG_SEVERITY_DEBUG ::kekkai::LogSeverity::kDebug
#define KEKKAI_LOG_SEVERITY_INFO ::kekkai::LogSeverity::kInfo
#define KEKKAI_LOG_SEVERITY_WARNING ::kekkai::LogSeverity::kWarning
#define KEKKAI_LOG_SEVERITY_ERROR ::kekkai::LogSeverity::kError
#define KEKKAI_LOG_SEVERITY_FATAL ::kekkai::LogSeverity::kFatal

#define KEKKAI_LOG_IMPL(sev, with_errno)                                                    \
  (KEKKAI_LOG_SEVERITY_##sev < ::kekkai::MinLogSeverity() &&                                \
   KEKKAI_LOG_SEVERITY_##sev != ::kekkai::LogSeverity::kFatal)                              \
      ? (void)0                                                                             \
      : ::kekkai::internal::LogVoidify() &                                                  \
            ::kekkai::internal::LogMessage(__FILE__, __LINE__, KEKKAI_LOG_SEVERITY_##sev,   \
                                           with_errno)                                      \
                .stream()

#define LOG(sev) KEKKAI_LOG_IMPL(sev, false)
#define PLOG(sev) KEKKAI_LOG_IMPL(sev, true)
#define CHECK(cond)                                                                  \
  (cond) ? (void)0                                                                   \
         : ::kekkai::internal::LogVoidify() &                                        \
               ::kekkai::internal::LogMessage(__FILE__, __LINE__,                    \
                                              ::kekkai::LogSeverity::kFatal, false)  \
                       .stream()                                                     \
                   << "CHECK failed: " #cond " "

#endif  // KEKKAI_BASE_LOGGING_H_

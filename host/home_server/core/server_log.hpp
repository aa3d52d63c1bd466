// The daemon's log: one line per event to an injected sink (stderr in the daemon, a vector in
// tests), filtered by level, safe from many connection threads. Callers never pass secrets:
// PINs, keys and session blobs have no place in any line.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace hp::home_server {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

std::optional<LogLevel> parseLogLevel(std::string_view name);
const char* logLevelName(LogLevel level);

class ServerLog {
 public:
  using Sink = std::function<void(std::string_view line)>;
  // Without a sink, lines go to stderr prefixed with a UTC timestamp.
  explicit ServerLog(LogLevel level, Sink sink = nullptr);

  void write(LogLevel level, std::string_view line);
  void error(std::string_view line) { write(LogLevel::kError, line); }
  void warn(std::string_view line) { write(LogLevel::kWarn, line); }
  void info(std::string_view line) { write(LogLevel::kInfo, line); }
  void debug(std::string_view line) { write(LogLevel::kDebug, line); }
  // A state change, in the form the project uses everywhere: "<what>: <old> -> <new>".
  void transition(std::string_view what, std::string_view from, std::string_view to);

 private:
  LogLevel level_;
  Sink sink_;
  std::mutex mutex_;
};

}  // namespace hp::home_server

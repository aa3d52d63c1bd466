#include "host/home_server/core/server_log.hpp"

#include <cstdio>
#include <ctime>

namespace hp::home_server {

namespace {
constexpr const char* kNames[] = {"error", "warn", "info", "debug"};
}

std::optional<LogLevel> parseLogLevel(std::string_view name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kNames[i]) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

const char* logLevelName(LogLevel level) {
  return kNames[static_cast<int>(level)];
}

ServerLog::ServerLog(LogLevel level, Sink sink) : level_(level), sink_(std::move(sink)) {}

void ServerLog::write(LogLevel level, std::string_view line) {
  if (static_cast<int>(level) > static_cast<int>(level_)) return;
  std::string text = std::string(logLevelName(level)) + ": ";
  // One event, one line: a peer-supplied string must not forge a second line.
  for (char c : line) text.push_back((c == '\n' || c == '\r') ? ' ' : c);
  std::lock_guard lock(mutex_);
  if (sink_) {
    sink_(text);
    return;
  }
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::fprintf(stderr, "%s home_server %s\n", stamp, text.c_str());
}

void ServerLog::transition(std::string_view what, std::string_view from, std::string_view to) {
  info(std::string(what) + ": " + std::string(from) + " -> " + std::string(to));
}

}  // namespace hp::home_server

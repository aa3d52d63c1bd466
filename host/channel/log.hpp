// Where the channel's diagnostics go: an injected sink, so the library does no I/O of its own
// and tests can read (and check for secrets) everything it says. Lines never contain key
// material: only states, terminal IDs (restricted to a safe alphabet) and reasons.
#pragma once

#include <functional>
#include <string_view>

namespace hp::channel {

using LogSink = std::function<void(std::string_view line)>;

inline void logLine(const LogSink& sink, std::string_view line) {
  if (sink) sink(line);
}

}  // namespace hp::channel

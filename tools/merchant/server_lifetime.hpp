// How a server process ends: SIGTERM, SIGINT, or (with --exit-with-stdin) its stdin closing, so
// a test that starts it with a pipe never leaves it behind, even when the test itself dies.
// Plus the process's log sink: one line per event on stderr, UTC-stamped, never a secret.
#pragma once

#include <signal.h>

#include <string>

#include "tools/merchant/tls_listener.hpp"

namespace hp::merchant {

// Blocks SIGINT and SIGTERM (call before any thread starts, so all inherit the mask) and
// ignores SIGPIPE (a vanished client must not end the server).
sigset_t blockStopSignals();
// Waits for a stop signal or, if asked, EOF on stdin; returns what ended the wait.
std::string waitForStop(const sigset_t& signals, bool exitWithStdin);

LogSink stderrLog(std::string program);

}  // namespace hp::merchant

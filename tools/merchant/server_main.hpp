// The parts of main() the shop and the bank share: --help, the last-resort catch, the error
// line on stderr, and serving until a stop signal (or stdin's EOF) once the server's own API is
// built. Each server's main.cpp keeps only what is its own: its options, its store, its API.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tools/merchant/server_options.hpp"
#include "tools/merchant/tls_listener.hpp"

namespace hp::merchant {

// Wall-clock time for what the servers stamp into their ledgers and signed objects.
int64_t unixMillis();

// "<program>: <message>" on stderr; returns status, so a caller can `return reportFailure(...)`.
int reportFailure(const std::string& program, const std::string& message, int status = 1);

// main() of a server: no arguments prints usage (exit 2), --help / -h prints it (exit 0), else
// run(args). Nothing is expected to throw; an allocation failure still ends with a message.
int runMain(const std::string& program, const char* usage, int argc, char** argv,
            const std::function<int(const std::vector<std::string>&)>& run);

// Serves HTTPS with the handler makeHandler builds (given the process's log sink) until a stop
// signal or, with exitWithStdin, stdin's EOF. The first stdout line is "listening ADDR:PORT"
// (tests and scripts read the kernel-chosen port from it). `name` ("shop localhost") starts the
// log line that says what is served. Call before any thread is started: the stop signals are
// blocked here for every thread. Returns the exit status.
int serveUntilStopped(const std::string& program, const std::string& name,
                      const ServerOptions& options,
                      const std::function<RequestHandler(const LogSink&)>& makeHandler);

}  // namespace hp::merchant

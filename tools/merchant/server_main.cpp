#include "tools/merchant/server_main.hpp"

#include <chrono>
#include <cstdio>
#include <exception>

#include "tools/merchant/server_lifetime.hpp"

namespace hp::merchant {

int64_t unixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int reportFailure(const std::string& program, const std::string& message, int status) {
  std::fprintf(stderr, "%s: %s\n", program.c_str(), message.c_str());
  return status;
}

int runMain(const std::string& program, const char* usage, int argc, char** argv,
            const std::function<int(const std::vector<std::string>&)>& run) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
      std::fprintf(stderr, "%s%s", usage, kServerFlagsUsage);
      return args.empty() ? 2 : 0;
    }
    return run(args);
  } catch (const std::exception& exception) {
    return reportFailure(program, std::string("fatal: ") + exception.what());
  }
}

int serveUntilStopped(const std::string& program, const std::string& name,
                      const ServerOptions& options,
                      const std::function<RequestHandler(const LogSink&)>& makeHandler) {
  const sigset_t signals = blockStopSignals();
  const LogSink log = stderrLog(program);
  auto listener = TlsListener::create(options.tls, makeHandler(log), log);
  if (!listener) return reportFailure(program, listener.error().message);
  if (auto started = (*listener)->start(); !started) {
    return reportFailure(program, started.error().message);
  }
  std::printf("listening %s:%u\n", options.tls.address.c_str(), (*listener)->port());
  std::fflush(stdout);
  log(name + " on " + options.tls.address + ":" + std::to_string((*listener)->port()) +
      ", session cache " + (options.tls.sessionCache ? "on" : "off") + ", tickets " +
      (options.tls.tickets ? "on" : "off"));
  const std::string reason = waitForStop(signals, options.exitWithStdin);
  log("stopping: " + reason);
  (*listener)->stop();
  return 0;
}

}  // namespace hp::merchant

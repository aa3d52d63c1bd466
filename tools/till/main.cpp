// till: the shop's till (tools/till/till.hpp).
#include <csignal>
#include <cstdio>
#include <exception>

#include "tools/till/till.hpp"

int main(int argc, char** argv) {
  // A peer dying mid-write is an error like any other cut, not exit 141.
  std::signal(SIGPIPE, SIG_IGN);
  // Errors are values throughout; what can still throw is the standard library (bad_alloc):
  // reported as a failure, not a termination.
  try {
    auto options = hp::till::parseTillArgs(std::vector<std::string>(argv + 1, argv + argc));
    if (!options) {
      std::fprintf(stderr, "till: %s\n%s", options.error().message.c_str(), hp::till::tillUsage());
      return 2;
    }
    if (options->help) {
      std::fputs(hp::till::tillUsage(), stdout);
      return 0;
    }
    return hp::till::runTill(*options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "till: %s\n", e.what());
    return 1;
  }
}

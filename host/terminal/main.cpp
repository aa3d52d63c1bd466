// terminal: the user's command line on a phone, laptop or till with the access card
// (docs/proxy-architecture.md). See `terminal help`.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "host/terminal/agent_process.hpp"
#include "host/terminal/agent_server.hpp"
#include "host/terminal/cli_args.hpp"
#include "host/terminal/terminal_commands.hpp"

int main(int argc, char** argv) {
  // A peer that dies mid-write (the home server, a shop) must give an error the command reports,
  // not kill the terminal with SIGPIPE (exit 141) before it can say what may have happened.
  std::signal(SIGPIPE, SIG_IGN);
  if (argc == 5 && std::string(argv[1]) == hp::terminal::kAgentArgument) {
    return hp::terminal::runAgent(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  auto options = hp::terminal::parseCliArgs(args);
  if (!options) {
    std::fprintf(stderr, "terminal: %s\n%s", options.error().message.c_str(),
                 hp::terminal::usageText());
    return 2;
  }
  return hp::terminal::runCommand(*options);
}

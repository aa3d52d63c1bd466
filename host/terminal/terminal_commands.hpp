// The subcommands of the terminal CLI: each returns the process exit status (0 success,
// 1 failure with a message on stderr). Output for people goes to stdout, laid out for the
// access card's terminal profile; a fetched body goes to stdout as is.
#pragma once

#include "host/terminal/cli_args.hpp"

namespace hp::terminal {

int runCommand(const CliOptions& options);

}  // namespace hp::terminal

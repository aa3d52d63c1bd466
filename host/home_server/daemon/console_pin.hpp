// Reads a PIN at the console without echo (termios), for PIN1 at start-up and for
// `home_server --admin SOCKET pin1`.
#pragma once

#include <string>

#include "base/result.hpp"

namespace hp::home_server {

// Prompts on stderr, reads one line from stdin with echo off (restored afterwards, also on
// error). The caller wipes the returned string. Fails when stdin is not a terminal.
Result<std::string> readPinWithoutEcho(const std::string& prompt);

// `--pin-stdin`: one line from stdin, whatever stdin is (a pipe from systemd-ask-password, a
// file); no prompt. The caller wipes the returned string.
Result<std::string> readPinLine();

}  // namespace hp::home_server

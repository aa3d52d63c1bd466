#include "host/home_server/daemon/console_pin.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdio>

#include "base/bytes.hpp"

namespace hp::home_server {

Result<std::string> readPinWithoutEcho(const std::string& prompt) {
  if (!::isatty(STDIN_FILENO)) return makeError("stdin is not a terminal: cannot read a PIN");
  termios saved{};
  if (::tcgetattr(STDIN_FILENO, &saved) != 0) return makeError("cannot read terminal settings");
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;  // the newline still shows, so the next output starts on a new line
  // TCSANOW, not TCSAFLUSH: a PIN typed ahead of the prompt is kept, not silently dropped.
  if (::tcsetattr(STDIN_FILENO, TCSANOW, &quiet) != 0) return makeError("cannot turn echo off");
  std::fprintf(stderr, "%s", prompt.c_str());
  std::fflush(stderr);
  std::string pin;
  char c = 0;
  bool complete = false;
  while (::read(STDIN_FILENO, &c, 1) == 1) {
    if (c == '\n' || c == '\r') {
      complete = true;
      break;
    }
    if (pin.size() < 64) pin.push_back(c);
  }
  ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  secureWipe(&c, 1);
  if (!complete) {
    secureWipe(pin.data(), pin.size());
    return makeError("no PIN entered");
  }
  return pin;
}

Result<std::string> readPinLine() {
  std::string pin;
  char c = 0;
  bool complete = false;
  while (::read(STDIN_FILENO, &c, 1) == 1) {
    if (c == '\n' || c == '\r') {
      complete = true;
      break;
    }
    if (pin.size() < 64) pin.push_back(c);
  }
  secureWipe(&c, 1);
  if (!complete && pin.empty()) return makeError("no PIN on stdin");
  return pin;
}

}  // namespace hp::home_server

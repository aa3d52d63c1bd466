#include "host/terminal/pin_input.hpp"

#include <termios.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace hp::terminal {

namespace {

constexpr size_t kMaxPinInput = 64;

// Reads up to a newline; the buffer is wiped by SecretBytes' owner, the byte by us.
Result<SecretBytes> readLine(int fd) {
  Bytes buffer;
  buffer.reserve(kMaxPinInput);
  uint8_t c = 0;
  bool complete = false;
  while (::read(fd, &c, 1) == 1) {
    if (c == '\n' || c == '\r') {
      complete = true;
      break;
    }
    if (buffer.size() < kMaxPinInput) buffer.push_back(c);
  }
  SecretBytes pin{ByteView(buffer)};
  secureWipe(buffer.data(), buffer.size());
  secureWipe(&c, 1);
  if (!complete && pin.empty()) return makeError("no PIN entered");
  return pin;
}

}  // namespace

Result<SecretBytes> readPin(const std::string& prompt, bool fromStdin) {
  if (fromStdin) return readLine(STDIN_FILENO);
  if (!::isatty(STDIN_FILENO)) {
    return makeError("stdin is not a terminal: use --pin-stdin to read the PIN from it");
  }
  termios saved{};
  if (::tcgetattr(STDIN_FILENO, &saved) != 0) return makeError("cannot read terminal settings");
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;  // the newline still shows, so later output starts on its own line
  if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) return makeError("cannot turn echo off");
  std::fprintf(stderr, "%s", prompt.c_str());
  std::fflush(stderr);
  auto pin = readLine(STDIN_FILENO);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  return pin;
}

Result<Bytes> readBiometricSample(const std::string& path) {
  std::ifstream file(path);
  if (!file) return makeError("cannot read " + path);
  std::stringstream content;
  content << file.rdbuf();
  std::string hex;
  for (char c : content.str()) {
    if (!std::isspace(static_cast<unsigned char>(c))) hex.push_back(c);
  }
  auto sample = fromHex(hex);
  if (!sample || sample->size() != 32) {
    return makeError(path + ": a biometric sample is 32 bytes in hex (64 digits)");
  }
  return *sample;
}

}  // namespace hp::terminal

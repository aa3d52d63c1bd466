// Reading a PIN: at a terminal without echo (termios), or one line from stdin for scripts
// (--pin-stdin). The PIN comes back as SecretBytes so it is wiped when dropped.
#pragma once

#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::terminal {

Result<SecretBytes> readPin(const std::string& prompt, bool fromStdin);
// A biometric sample file: 64 hex digits (whitespace ignored) -> 32 bytes.
Result<Bytes> readBiometricSample(const std::string& path);

}  // namespace hp::terminal

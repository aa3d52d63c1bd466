// What the user does next when the home server refuses for want of authority
// (docs/control-channel.md, "Authority"): one line per error code, printed under the error.
#pragma once

#include <string>

namespace hp::terminal {

// "" for codes that need no hint.
std::string nextStepFor(const std::string& code);

}  // namespace hp::terminal

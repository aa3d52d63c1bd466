#include "host/terminal/next_step.hpp"

namespace hp::terminal {

std::string nextStepFor(const std::string& code) {
  if (code == "pin2_required") return "next: give PIN2 from this terminal: terminal pin2";
  if (code == "authority_expired") {
    return "next: PIN2 of this terminal lapsed; give it again: terminal pin2";
  }
  if (code == "pin1_required") {
    return "next: PIN1 at the home server (home_server --admin SOCKET pin1), then terminal pin2";
  }
  if (code == "terminal_revoked") {
    return "next: this terminal was revoked; the home server's owner must register it again";
  }
  return "";
}

}  // namespace hp::terminal

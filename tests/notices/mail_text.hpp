// Reading a received or composed mail in the tests: one header's value, the body.
#pragma once

#include <string>

namespace hp::notices::test {

// The value of the first header with this name ("<no NAME header>" if there is none).
inline std::string headerOf(const std::string& message, const std::string& name) {
  const std::string head = "\r\n" + message.substr(0, message.find("\r\n\r\n") + 2);
  const auto at = head.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "<no " + name + " header>";
  const auto start = at + 2 + name.size() + 2;
  return head.substr(start, head.find("\r\n", start) - start);
}

inline std::string bodyOf(const std::string& message) {
  return message.substr(message.find("\r\n\r\n") + 4);
}

}  // namespace hp::notices::test

// The PIM wing's part of the home server's configuration (parsed with the rest in
// daemon/config_sections.cpp), declared here so the wing does not include the daemon's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace hp::home_server {

// The personal information store (docs/pim.md): the Radicale the home server relays to, on
// loopback only, and which Radicale user each registered terminal is. Absent section or a
// terminal not named in `users`: pim.request is refused (pim_not_enabled).
struct PimConfig {
  bool enabled = false;
  uint16_t radicalePort = 5232;                // always 127.0.0.1: nowhere else is reachable
  std::map<std::string, std::string> users;    // terminal ID -> Radicale user
  size_t maxResponseBytes = 32 * 1024 * 1024;  // a whole response of Radicale, held for pim.more
  uint32_t timeoutMs = 30000;                  // connect + answer of one request
};

}  // namespace hp::home_server

#include "host/terminal/usual_shops.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace hp::terminal {

namespace {

std::string baseDirectory(const char* variable, const char* fallback) {
  if (const char* set = std::getenv(variable); set != nullptr && *set) return set;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr && *home ? home : "/tmp") + "/" + fallback;
}

std::string recentPath() {
  return baseDirectory("XDG_STATE_HOME", ".local/state") + "/homeproxy/recent-shops";
}

// "host:port" with a plausible host and a port: the file is the user's, but its names reach
// session.open, so nothing odd is passed on.
bool plausibleShop(const std::string& shop) {
  const size_t colon = shop.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == shop.size()) return false;
  if (shop.size() > 260) return false;
  for (size_t i = 0; i < shop.size(); ++i) {
    const char c = shop[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  const std::string port = shop.substr(colon + 1);
  return port.find_first_not_of("0123456789") == std::string::npos && port.size() <= 5 &&
         std::stoul(port) > 0 && std::stoul(port) < 65536;
}

}  // namespace

Result<TerminalConfig> parseTerminalConfig(const std::string& text) {
  TerminalConfig config;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string key, value, extra;
    if (!(words >> key)) continue;
    const std::string where = "terminal config line " + std::to_string(number) + ": ";
    if (!(words >> value) || (words >> extra)) return makeError(where + "expected KEY VALUE");
    if (key == "usual-shop") {
      if (!plausibleShop(value)) return makeError(where + "\"" + value + "\" is not HOST:PORT");
      config.usualShops.push_back(value);
    } else if (key == "agent-idle-seconds") {
      const bool digits = value.find_first_not_of("0123456789") == std::string::npos;
      const unsigned long seconds = digits && value.size() <= 4 ? std::stoul(value) : 0;
      if (seconds < 1 || seconds > 600) return makeError(where + "idle seconds must be 1..600");
      config.agentIdleSeconds = static_cast<unsigned>(seconds);
    } else {
      return makeError(where + "unknown setting \"" + key + "\"");
    }
  }
  return config;
}

Result<TerminalConfig> loadTerminalConfig() {
  std::string path;
  if (const char* set = std::getenv("HOMEPROXY_TERMINAL_CONFIG"); set != nullptr && *set) {
    path = set;
  } else {
    path = baseDirectory("XDG_CONFIG_HOME", ".config") + "/homeproxy/terminal.conf";
  }
  TerminalConfig config;
  if (std::ifstream file(path); file) {
    std::stringstream text;
    text << file.rdbuf();
    auto parsed = parseTerminalConfig(text.str());
    if (!parsed) return makeError(path + ": " + parsed.error().message);
    config = parsed.value();
  }
  if (const char* idle = std::getenv("HOMEPROXY_AGENT_IDLE_SECONDS"); idle != nullptr && *idle) {
    auto parsed = parseTerminalConfig(std::string("agent-idle-seconds ") + idle);
    if (!parsed) return makeError("HOMEPROXY_AGENT_IDLE_SECONDS: " + parsed.error().message);
    config.agentIdleSeconds = parsed->agentIdleSeconds;
  }
  return config;
}

std::vector<std::string> usualShops(const TerminalConfig& config,
                                    const std::vector<std::string>& recentVisits) {
  std::vector<std::string> shops;
  const auto add = [&shops](const std::string& shop) {
    if (shops.size() < kMaxUsualShops && std::find(shops.begin(), shops.end(), shop) == shops.end())
      shops.push_back(shop);
  };
  for (const std::string& shop : config.usualShops) add(shop);
  std::map<std::string, unsigned> visits;
  for (const std::string& shop : recentVisits) ++visits[shop];
  // Newest first, so of two equally frequent shops the one used lately wins a place.
  for (auto it = recentVisits.rbegin(); it != recentVisits.rend(); ++it) {
    if (visits[*it] >= 2) add(*it);
  }
  return shops;
}

std::vector<std::string> readRecentVisits() {
  std::vector<std::string> visits;
  std::ifstream file(recentPath());
  std::string line;
  while (std::getline(file, line)) {
    if (plausibleShop(line)) visits.push_back(line);
  }
  if (visits.size() > kRecentVisits) visits.erase(visits.begin(), visits.end() - kRecentVisits);
  return visits;
}

void noteRecentVisit(const std::string& shop) {
  if (!plausibleShop(shop)) return;
  std::vector<std::string> visits = readRecentVisits();
  visits.push_back(shop);
  if (visits.size() > kRecentVisits) visits.erase(visits.begin(), visits.end() - kRecentVisits);
  const std::string path = recentPath();
  const std::string dir = path.substr(0, path.rfind('/'));
  ::mkdir(dir.substr(0, dir.rfind('/')).c_str(), 0700);  // may exist
  ::mkdir(dir.c_str(), 0700);
  const std::string temporary = path + ".new";
  {
    std::ofstream file(temporary, std::ios::trunc);
    for (const std::string& visit : visits) file << visit << '\n';
    if (!file) return;  // a full disk only loses the learning, never a command
  }
  (void)std::rename(temporary.c_str(), path.c_str());
}

}  // namespace hp::terminal

// hp_provision's command line (provision_options.hpp).
#include "tools/provision/provision_options.hpp"

#include <arpa/inet.h>

#include <cstdlib>
#include <optional>
#include <utility>

#include "protocol/purse/purse_records.hpp"

namespace hp::provision {

extern const char kUsage[] =
    "usage: hp_provision --out DIR [--home-reader NAME] [--access-reader NAME]\n"
    "         [--shop-host HOST] [--home-address IPV4:PORT] [--terminal-id ID]\n"
    "         [--profile phone|laptop|till] [--home-pin1 P] [--home-pin2 P] [--home-puk P]\n"
    "         [--access-pin P] [--access-puk P] [--bio-template FILE]\n"
    "         [--bank-id ID] [--bank-host HOST] [--currency CCY] [--max-balance MINOR]\n"
    "         [--shop-listen IPV4:PORT] [--bank-listen IPV4:PORT] [--bank-account ID]\n"
    "         [--bank-balance MINOR] [--reconcile-seconds N] [--smtp-url URL]\n"
    "         [--mail-from ADDR] [--mail-to ADDR] [--mqtt-listen IPV4:PORT]\n"
    "         [--appliances NAME:COMPONENT,...] [--only appliances]\n"
    "         [--pim-port PORT] [--pim-user NAME]\n"
    "Defaults (DEMO ONLY): shop host localhost, home address 127.0.0.1:8443, terminal ID\n"
    "terminal-1, profile laptop, home PIN1 1234, PIN2 567890, PUK 12345678, access PIN 4321,\n"
    "access PUK 87654321, bank ID bank, bank host localhost, currency EUR, maximum balance\n"
    "100000 minor units. Both cards must be fresh (never activated).\n"
    "E-money servers (written to shop.json, bank.json and home_server.json): shop listens on\n"
    "127.0.0.1:4443, bank on 127.0.0.1:9443 (port 0: the kernel picks, the server prints it);\n"
    "the user's bank account alice, opened with 300000 minor units (README.txt has the\n"
    "command); unfinished top-ups re-presented every 60 s; payment notices mailed through\n"
    "smtp://127.0.0.1:2525 from homeproxy@localhost to user@localhost.\n"
    "Personal information store (docs/pim.md): radicale.conf for Radicale on 127.0.0.1:5232,\n"
    "storage in DIR/pim (every change committed to git there), the terminal as user alice.\n"
    "--bio-template FILE: 32 bytes in hex, enrolled on the access card with a threshold of\n"
    "24 bits (a sample matches when it differs from the template in at most 24 bits).\n"
    "Appliances (OUT/mqtt/, docs/appliances.md): the broker listens on 127.0.0.1:8883; one\n"
    "certificate each for lamp:light, plug:switch, door:lock, thermostat:climate,\n"
    "temperature:sensor and fan:switch. --only appliances touches no card: it writes OUT/mqtt/\n"
    "alone, from OUT/ca.pem and OUT/ca.key when they exist (else from a new CA written there).\n";

namespace {

// A non-negative decimal number (no sign, no spaces), or nothing.
std::optional<uint64_t> decimal(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

// "IPV4:PORT" as the shop and bank servers take it (port 0: the kernel picks); the port.
std::optional<uint16_t> listenPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  in_addr parsed{};
  if (colon == std::string::npos ||
      ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &parsed) != 1) {
    return std::nullopt;
  }
  auto port = decimal(address.substr(colon + 1));
  if (!port || *port > 65535) return std::nullopt;
  return static_cast<uint16_t>(*port);
}

// A mail address for a header: something@something, nothing that could end the header line.
bool plainMailAddress(const std::string& address) {
  const size_t at = address.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == address.size()) return false;
  for (const char c : address) {
    if (c <= ' ' || c > '~' || c == '<' || c == '>' || c == ',') return false;
  }
  return true;
}

// The e-money settings of the world (the servers' addresses, the bank account, notices).
Result<void> readEmoneyOptions(const Options& options, WorldDescription& world) {
  world.shopListen = options["--shop-listen"];
  world.bankListen = options["--bank-listen"];
  const auto shopPort = listenPort(world.shopListen);
  const auto bankPort = listenPort(world.bankListen);
  if (!shopPort) return makeError("--shop-listen is IPV4:PORT");
  if (!bankPort) return makeError("--bank-listen is IPV4:PORT");
  // Fixed ports must differ, or the second server to start could not listen.
  if ((*shopPort != 0 && (*shopPort == *bankPort || *shopPort == world.homeListenPort)) ||
      (*bankPort != 0 && *bankPort == world.homeListenPort)) {
    return makeError("the home server, shop and bank need different ports (or port 0)");
  }
  world.bankAccount = options["--bank-account"];
  if (world.bankAccount.empty() || world.bankAccount.size() > 64) {
    return makeError("--bank-account is 1-64 bytes");
  }
  const auto balance = decimal(options["--bank-balance"]);
  if (!balance) return makeError("--bank-balance is a number of minor units");
  world.bankOpeningBalance = *balance;
  const auto reconcile = decimal(options["--reconcile-seconds"]);
  if (!reconcile || *reconcile < 1 || *reconcile > 86400) {
    return makeError("--reconcile-seconds is 1 to 86400");
  }
  world.reconcileSeconds = static_cast<uint32_t>(*reconcile);
  world.smtpUrl = options["--smtp-url"];
  if (world.smtpUrl.rfind("smtp://", 0) != 0 && world.smtpUrl.rfind("smtps://", 0) != 0) {
    return makeError("--smtp-url is smtp://HOST:PORT or smtps://HOST:PORT");
  }
  world.mailFrom = options["--mail-from"];
  world.mailTo = options["--mail-to"];
  const auto mqttPort = listenPort(options["--mqtt-listen"]);
  if (!mqttPort || *mqttPort == 0) return makeError("--mqtt-listen is IPV4:PORT (port not 0)");
  world.mqttAddress = options["--mqtt-listen"].substr(0, options["--mqtt-listen"].rfind(':'));
  world.mqttPort = *mqttPort;
  auto appliances = parseApplianceList(options["--appliances"]);
  if (!appliances) return appliances.error();
  world.appliances = std::move(appliances.value());
  if (!options["--only"].empty() && options["--only"] != "appliances") {
    return makeError("--only takes \"appliances\"");
  }
  if (!plainMailAddress(world.mailFrom)) return makeError("--mail-from is an address like a@b");
  if (!plainMailAddress(world.mailTo)) return makeError("--mail-to is an address like a@b");
  // The personal information store (docs/pim.md): Radicale on 127.0.0.1:PORT, the user this
  // world's terminal is in it.
  const auto pimPort = decimal(options["--pim-port"]);
  if (!pimPort || *pimPort < 1 || *pimPort > 65535) return makeError("--pim-port is 1 to 65535");
  world.pimPort = static_cast<uint16_t>(*pimPort);
  world.pimUser = options["--pim-user"];
  if (world.pimUser.empty() || world.pimUser.size() > 64 ||
      world.pimUser.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") !=
          std::string::npos) {
    return makeError("--pim-user is 1-64 of a-z 0-9 - _");
  }
  return {};
}

}  // namespace

Result<Options> parseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto found = options.values.find(arg);
    if (found == options.values.end()) return makeError("unknown option " + arg);
    if (i + 1 >= argc) return makeError(arg + " needs a value");
    found->second = argv[++i];
    options.given.insert(arg);
  }
  if (options["--out"].empty()) return makeError("--out DIR is required");
  return options;
}

card_adapters::TerminalProfile profileNamed(const std::string& name) {
  card_adapters::TerminalProfile profile;
  if (name == "phone") {
    profile = {card_adapters::TerminalProfile::Kind::kPhone, 40, 20,
               card_adapters::TerminalProfile::Layout::kNarrow};
  } else if (name == "till") {
    profile = {card_adapters::TerminalProfile::Kind::kTill, 60, 16,
               card_adapters::TerminalProfile::Layout::kWide};
  } else {
    profile = {card_adapters::TerminalProfile::Kind::kLaptop, 100, 30,
               card_adapters::TerminalProfile::Layout::kWide};
  }
  return profile;
}

Result<WorldDescription> describeWorld(const Options& options) {
  if (options["--profile"] != "phone" && options["--profile"] != "laptop" &&
      options["--profile"] != "till") {
    return makeError("--profile is phone, laptop or till");
  }
  const std::string homeAddress = options["--home-address"];
  const size_t colon = homeAddress.rfind(':');
  if (colon == std::string::npos) return makeError("--home-address is IPV4:PORT");
  const int port = std::atoi(homeAddress.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return makeError("--home-address has a bad port");
  const std::string& maxText = options["--max-balance"];
  char* maxEnd = nullptr;
  const unsigned long long maxBalance = std::strtoull(maxText.c_str(), &maxEnd, 10);
  if (maxText.empty() || *maxEnd != '\0' || maxBalance == 0 || maxText[0] == '-') {
    return makeError("--max-balance is a positive number of minor units");
  }
  if (!protocol::purse::validCurrency(options["--currency"])) {
    return makeError("--currency is three upper-case letters (ISO 4217)");
  }
  for (const char* id : {"--shop-host", "--bank-id"}) {
    if (options[id].empty() || options[id].size() > protocol::purse::kMaxPartyIdSize) {
      return makeError(std::string(id) + " is 1-32 bytes (the card's registry ID)");
    }
  }

  WorldDescription world;
  world.shopHost = options["--shop-host"];
  world.homeListenAddress = homeAddress.substr(0, colon);
  world.homeListenPort = static_cast<uint16_t>(port);
  world.homeReader = options["--home-reader"];
  world.terminalId = options["--terminal-id"];
  world.bankId = options["--bank-id"];
  world.bankHost = options["--bank-host"];
  world.currency = options["--currency"];
  world.maxBalance = maxBalance;
  if (auto emoney = readEmoneyOptions(options, world); !emoney) {
    return emoney.error();
  }
  return world;
}

std::vector<std::string> defaultPins(const Options& options) {
  std::vector<std::string> pins;
  // README.txt names the PINs left at their defaults (they are in --help anyway), never one
  // given as an option.
  for (const auto& [option, what] :
       std::vector<std::pair<std::string, std::string>>{{"--home-pin1", "home card PIN1"},
                                                        {"--home-pin2", "home card PIN2"},
                                                        {"--home-puk", "home card PUK"},
                                                        {"--access-pin", "access card PIN"},
                                                        {"--access-puk", "access card PUK"}}) {
    if (options.given.count(option) == 0) pins.push_back(what + " " + options[option]);
  }
  return pins;
}

}  // namespace hp::provision

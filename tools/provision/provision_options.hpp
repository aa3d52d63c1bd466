// hp_provision's command line: the options with their demo defaults, and their checks. Every
// option is checked here, before anything is created (no folder, no card touched).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "host/card_adapters/access_card_client.hpp"
#include "tools/provision/appliance_files.hpp"
#include "tools/provision/output_files.hpp"

namespace hp::provision {

extern const char kUsage[];

struct Options {
  std::map<std::string, std::string> values{{"--shop-host", "localhost"},
                                            {"--home-address", "127.0.0.1:8443"},
                                            {"--terminal-id", "terminal-1"},
                                            {"--profile", "laptop"},
                                            {"--home-pin1", "1234"},
                                            {"--home-pin2", "567890"},
                                            {"--home-puk", "12345678"},
                                            {"--access-pin", "4321"},
                                            {"--access-puk", "87654321"},
                                            {"--out", ""},
                                            {"--home-reader", ""},
                                            {"--access-reader", ""},
                                            {"--bio-template", ""},
                                            {"--bank-id", "bank"},
                                            {"--bank-host", "localhost"},
                                            {"--currency", "EUR"},
                                            {"--max-balance", "100000"},
                                            {"--shop-listen", "127.0.0.1:4443"},
                                            {"--bank-listen", "127.0.0.1:9443"},
                                            {"--bank-account", "alice"},
                                            {"--bank-balance", "300000"},
                                            {"--reconcile-seconds", "60"},
                                            {"--smtp-url", "smtp://127.0.0.1:2525"},
                                            {"--mail-from", "homeproxy@localhost"},
                                            {"--mail-to", "user@localhost"},
                                            {"--mqtt-listen", "127.0.0.1:8883"},
                                            {"--appliances", kDefaultAppliances},
                                            {"--only", ""},
                                            {"--pim-port", "5232"},
                                            {"--pim-user", "alice"}};
  std::set<std::string> given;  // the options on the command line (the rest are defaults)
  const std::string& operator[](const std::string& key) const { return values.at(key); }
};

// The options by name, or what is wrong with the command line (--out is required).
Result<Options> parseOptions(int argc, char** argv);

// The world the options describe: every option but the cards' PINs and the output folder
// (outDir, homeCardKey and purseId are filled in later), or what is wrong with an option.
Result<WorldDescription> describeWorld(const Options& options);

// --profile as the access card stores it (phone, laptop or till; describeWorld checked it).
card_adapters::TerminalProfile profileNamed(const std::string& name);

// "home card PIN1 1234", ...: the PINs and PUKs left at their defaults (for README.txt).
std::vector<std::string> defaultPins(const Options& options);

}  // namespace hp::provision

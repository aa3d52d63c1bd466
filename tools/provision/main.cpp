// hp_provision: writes a demo world for the proxy facility (docs/proxy-architecture.md) and the
// e-money purse (docs/emoney.md): a CA, the shop's and the bank's certificates and signing keys,
// the home server's channel key and configuration (purse and notices included), the shop's and
// the bank's server configs, and personalizes a FRESH home card (with its
// purse) and a FRESH access card through PC/SC. See README.txt in the output.
//
// Demo defaults (documented in --help and README.txt; for demos and tests only):
//   home card PIN1 1234, PIN2 567890, PUK 12345678; access card PIN 4321, PUK 87654321.
#include <arpa/inet.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host/pcsc_bridge/card_finder.hpp"
#include "host/pcsc_bridge/pcsc_context.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tools/provision/card_personalization.hpp"
#include "tools/provision/output_files.hpp"
#include "tools/provision/pki.hpp"
#include "tools/provision/purse_setup.hpp"
#include "tools/provision/server_configs.hpp"

namespace hp::provision {
namespace {

const char kUsage[] =
    "usage: hp_provision --out DIR [--home-reader NAME] [--access-reader NAME]\n"
    "         [--shop-host HOST] [--home-address IPV4:PORT] [--terminal-id ID]\n"
    "         [--profile phone|laptop|till] [--home-pin1 P] [--home-pin2 P] [--home-puk P]\n"
    "         [--access-pin P] [--access-puk P] [--bio-template FILE]\n"
    "         [--bank-id ID] [--bank-host HOST] [--currency CCY] [--max-balance MINOR]\n"
    "         [--shop-listen IPV4:PORT] [--bank-listen IPV4:PORT] [--bank-account ID]\n"
    "         [--bank-balance MINOR] [--reconcile-seconds N] [--smtp-url URL]\n"
    "         [--mail-from ADDR] [--mail-to ADDR]\n"
    "Defaults (DEMO ONLY): shop host localhost, home address 127.0.0.1:8443, terminal ID\n"
    "terminal-1, profile laptop, home PIN1 1234, PIN2 567890, PUK 12345678, access PIN 4321,\n"
    "access PUK 87654321, bank ID bank, bank host localhost, currency EUR, maximum balance\n"
    "100000 minor units. Both cards must be fresh (never activated).\n"
    "E-money servers (written to shop.json, bank.json and home_server.json): shop listens on\n"
    "127.0.0.1:4443, bank on 127.0.0.1:9443 (port 0: the kernel picks, the server prints it);\n"
    "the user's bank account alice, opened with 300000 minor units (README.txt has the\n"
    "command); unfinished top-ups re-presented every 60 s; payment notices mailed through\n"
    "smtp://127.0.0.1:2525 from homeproxy@localhost to user@localhost.\n"
    "--bio-template FILE: 32 bytes in hex, enrolled on the access card with a threshold of\n"
    "24 bits (a sample matches when it differs from the template in at most 24 bits).\n";

// A view of a string that outlives it (never of a temporary).
ByteView viewOf(const std::string& text) {
  return ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

// Iris and finger codes of one person differ in some bits between samples; 24 of 256 accepts
// those and still refuses another person's code (about half the bits differ).
constexpr uint8_t kBiometricThresholdBits = 24;

int fail(const std::string& message) {
  std::fprintf(stderr, "hp_provision: %s\n", message.c_str());
  return 1;
}

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
                                            {"--mail-to", "user@localhost"}};
  std::set<std::string> given;  // the options on the command line (the rest are defaults)
  const std::string& operator[](const std::string& key) const { return values.at(key); }
};

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

adapters::TerminalProfile profileNamed(const std::string& name) {
  adapters::TerminalProfile profile;
  if (name == "phone") {
    profile = {adapters::TerminalProfile::Kind::kPhone, 40, 20,
               adapters::TerminalProfile::Layout::kNarrow};
  } else if (name == "till") {
    profile = {adapters::TerminalProfile::Kind::kTill, 60, 16,
               adapters::TerminalProfile::Layout::kWide};
  } else {
    profile = {adapters::TerminalProfile::Kind::kLaptop, 100, 30,
               adapters::TerminalProfile::Layout::kWide};
  }
  return profile;
}

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
  if (!plainMailAddress(world.mailFrom)) return makeError("--mail-from is an address like a@b");
  if (!plainMailAddress(world.mailTo)) return makeError("--mail-to is an address like a@b");
  return {};
}

Result<std::string> readerFor(const pcsc::PcscContext& context, const std::string& given,
                              ByteView aid) {
  if (!given.empty()) return given;
  return pcsc::findReaderWithAid(context, aid);
}

int provision(const Options& options) {
  if (options["--profile"] != "phone" && options["--profile"] != "laptop" &&
      options["--profile"] != "till") {
    return fail("--profile is phone, laptop or till");
  }
  const std::string homeAddress = options["--home-address"];
  const size_t colon = homeAddress.rfind(':');
  if (colon == std::string::npos) return fail("--home-address is IPV4:PORT");
  const int port = std::atoi(homeAddress.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return fail("--home-address has a bad port");
  const std::string& maxText = options["--max-balance"];
  char* maxEnd = nullptr;
  const unsigned long long maxBalance = std::strtoull(maxText.c_str(), &maxEnd, 10);
  if (maxText.empty() || *maxEnd != '\0' || maxBalance == 0 || maxText[0] == '-') {
    return fail("--max-balance is a positive number of minor units");
  }
  if (!card::purse::validCurrency(options["--currency"])) {
    return fail("--currency is three upper-case letters (ISO 4217)");
  }
  for (const char* id : {"--shop-host", "--bank-id"}) {
    if (options[id].empty() || options[id].size() > card::purse::kMaxPartyIdSize) {
      return fail(std::string(id) + " is 1-32 bytes (the card's registry ID)");
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
  // Every option is checked before anything is created (no folder, no card touched).
  if (auto emoney = readEmoneyOptions(options, world); !emoney) {
    return fail(emoney.error().message);
  }

  // Output directory: created 0700 (it holds keys); an existing one is used as is.
  const std::string& out = options["--out"];
  if (::mkdir(out.c_str(), 0700) != 0 && errno != EEXIST) return fail("cannot create " + out);
  char* resolved = ::realpath(out.c_str(), nullptr);
  if (resolved == nullptr) return fail("cannot resolve " + out);
  world.outDir = resolved;
  std::free(resolved);

  // 1. The PKI and the home server's key, in memory until the cards are done.
  auto drbg = Drbg::create();
  if (!drbg) return fail(drbg.error().message);
  auto caKey = PkKey::generateP256(**drbg);
  auto shopKey = PkKey::generateP256(**drbg);
  auto serverKey = PkKey::generateP256(**drbg);
  // The e-money parties: payment and voucher signing keys apart from the TLS keys, and the
  // bank's TLS key.
  auto shopSignKey = PkKey::generateP256(**drbg);
  auto bankSignKey = PkKey::generateP256(**drbg);
  auto bankKey = PkKey::generateP256(**drbg);
  if (!caKey || !shopKey || !serverKey || !shopSignKey || !bankSignKey || !bankKey) {
    return fail("P-256 key generation failed");
  }
  const std::string caName = "CN=homeproxy demo CA,O=homeproxy";
  CertificateRequest caRequest{caName, caName, true, 1};
  auto caCert = issueCertificate(caRequest, **caKey, **caKey, **drbg);
  if (!caCert) return fail(caCert.error().message);
  CertificateRequest shopRequest{"CN=" + world.shopHost + ",O=homeproxy demo shop", caName, false,
                                 2};
  auto shopCert = issueCertificate(shopRequest, **shopKey, **caKey, **drbg);
  if (!shopCert) return fail(shopCert.error().message);
  CertificateRequest bankRequest{"CN=" + world.bankHost + ",O=homeproxy demo bank", caName, false,
                                 4};
  auto bankCert = issueCertificate(bankRequest, **bankKey, **caKey, **drbg);
  if (!bankCert) return fail(bankCert.error().message);
  auto serverPoint = (*serverKey)->publicPoint();
  if (!serverPoint) return fail(serverPoint.error().message);
  auto shopSignPoint = (*shopSignKey)->publicPoint();
  auto bankSignPoint = (*bankSignKey)->publicPoint();
  if (!shopSignPoint || !bankSignPoint) return fail("reading the signing keys' points failed");

  // 2. The cards, through PC/SC.
  auto context = pcsc::PcscContext::establish();
  if (!context) return fail(context.error().message);
  auto homeReader = readerFor(*context, options["--home-reader"], adapters::kHomeCardAid);
  if (!homeReader) return fail("home card: " + homeReader.error().message);
  auto accessReader = readerFor(*context, options["--access-reader"], adapters::kAccessCardAid);
  if (!accessReader) return fail("access card: " + accessReader.error().message);
  auto homeTransport = context->connect(*homeReader);
  if (!homeTransport) return fail(homeTransport.error().message);
  auto accessTransport = context->connect(*accessReader);
  if (!accessTransport) return fail(accessTransport.error().message);
  adapters::HomeCardClient home(**homeTransport);
  adapters::AccessCardClient access(**accessTransport);

  HomeCardSecrets homeSecrets{options["--home-pin1"], options["--home-pin2"],
                              options["--home-puk"]};
  auto homeKeys = personalizeHomeCard(home, homeSecrets);
  if (!homeKeys) return fail("home card: " + homeKeys.error().message);
  world.homeCardKey = toHex(homeKeys->cardAuthKey);
  const Bytes* userPoint = &homeKeys->userPoint;
  std::printf("home card in \"%s\": personalized, user key generated on the card\n",
              homeReader->c_str());
  auto userKey = PkKey::fromP256Point(*userPoint);
  if (!userKey) return fail(userKey.error().message);
  CertificateRequest userRequest{"CN=homeproxy demo user,O=homeproxy", caName, false, 3};
  auto userCert = issueCertificate(userRequest, **userKey, **caKey, **drbg);
  if (!userCert) return fail(userCert.error().message);
  if (auto stored = home.putCertificate(adapters::HomeKeyRef::kEc, userCert->der); !stored) {
    return fail(stored.error().message);
  }

  AccessCardSettings accessSettings{options["--access-pin"],
                                    options["--access-puk"],
                                    world.terminalId,
                                    *serverPoint,
                                    homeAddress,
                                    profileNamed(options["--profile"])};
  if (!options["--bio-template"].empty()) {
    std::ifstream file(options["--bio-template"]);
    std::string hex, word;
    while (file >> word) hex += word;
    auto code = fromHex(hex);
    if (!file.eof() || !code || code->size() != 32) {
      return fail("--bio-template: a file with 32 bytes in hex");
    }
    accessSettings.biometricTemplate = *code;
    accessSettings.biometricThreshold = kBiometricThresholdBits;
  }
  auto terminalPoint = personalizeAccessCard(access, accessSettings);
  if (!terminalPoint) return fail("access card: " + terminalPoint.error().message);
  std::printf("access card in \"%s\": personalized, terminal key generated on the card\n",
              accessReader->c_str());
  if (auto added = home.registryAdd(adapters::HomeRegistry::kTerminals, bytesOf(world.terminalId),
                                    *terminalPoint);
      !added) {
    return fail("registering the terminal: " + added.error().message);
  }
  std::printf("terminal \"%s\" registered on the home card\n", world.terminalId.c_str());
  PurseSettings purse{world.shopHost, *shopSignPoint, world.bankId,
                      *bankSignPoint, world.currency, world.maxBalance};
  auto purseId = setUpPurse(home, purse);
  if (!purseId) return fail("home card: " + purseId.error().message);
  world.purseId = toHex(*purseId);
  std::printf("purse %s initialized (%s, maximum %llu); shop \"%s\" and bank \"%s\" registered\n",
              world.purseId.c_str(), world.currency.c_str(),
              static_cast<unsigned long long>(world.maxBalance), world.shopHost.c_str(),
              world.bankId.c_str());
  (void)home.finish();  // no more signatures until the home server asks for PIN2

  // 3. The files.
  auto caPem = (*caKey)->privatePem();
  auto shopPem = (*shopKey)->privatePem();
  auto serverPem = (*serverKey)->privatePem();
  auto shopSignPem = (*shopSignKey)->privatePem();
  auto bankSignPem = (*bankSignKey)->privatePem();
  auto bankPem = (*bankKey)->privatePem();
  if (!caPem || !shopPem || !serverPem || !shopSignPem || !bankSignPem || !bankPem) {
    return fail("writing PEM keys failed");
  }
  const std::string terminalText =
      "terminal_id " + world.terminalId + "\npublic_key " + toHex(*terminalPoint) + "\n";
  struct FileToWrite {
    const char* name;
    ByteView content;
    bool secret;
  };
  const std::string homeJson = homeServerJson(world);
  const std::string shopJson = shopServerJson(world);
  const std::string bankJson = bankServerJson(world);
  const std::string nginx = nginxShopConf(world);
  // README.txt names the PINs left at their defaults (they are in --help anyway), never one
  // given as an option.
  for (const auto& [option, what] :
       std::vector<std::pair<std::string, std::string>>{{"--home-pin1", "home card PIN1"},
                                                        {"--home-pin2", "home card PIN2"},
                                                        {"--home-puk", "home card PUK"},
                                                        {"--access-pin", "access card PIN"},
                                                        {"--access-puk", "access card PUK"}}) {
    if (options.given.count(option) == 0) world.defaultPins.push_back(what + " " + options[option]);
  }
  const std::string readme = readmeText(world);
  const std::vector<FileToWrite> files = {
      {"ca.pem", viewOf(caCert->pem), false},
      {"ca.key", caPem->view(), true},
      {"shop.pem", viewOf(shopCert->pem), false},
      {"shop.key", shopPem->view(), true},
      {"shop-sign.key", shopSignPem->view(), true},
      {"bank.pem", viewOf(bankCert->pem), false},
      {"bank.key", bankPem->view(), true},
      {"bank-sign.key", bankSignPem->view(), true},
      {"user.pem", viewOf(userCert->pem), false},
      {"home_server_key.pem", serverPem->view(), true},
      {"home_server.json", viewOf(homeJson), false},
      {"shop.json", viewOf(shopJson), false},
      {"bank.json", viewOf(bankJson), false},
      {"nginx-shop.conf", viewOf(nginx), false},
      {"terminal.txt", viewOf(terminalText), false},
      {"README.txt", viewOf(readme), false},
  };
  for (const auto& file : files) {
    if (auto written = writeFile(world.outDir + "/" + file.name, file.content, file.secret);
        !written) {
      return fail(written.error().message);
    }
  }
  std::printf("wrote %zu files to %s (see README.txt)\n", files.size(), world.outDir.c_str());
  return 0;
}

}  // namespace
}  // namespace hp::provision

int main(int argc, char** argv) {
  if (argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::fputs(hp::provision::kUsage, stdout);
    return 0;
  }
  auto options = hp::provision::parseOptions(argc, argv);
  if (!options) {
    std::fprintf(stderr, "hp_provision: %s\n%s", options.error().message.c_str(),
                 hp::provision::kUsage);
    return 2;
  }
  // Errors are values throughout; what can still throw is the standard library (bad_alloc,
  // a filesystem error): report it as a failure instead of terminating.
  try {
    return hp::provision::provision(*options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hp_provision: %s\n", e.what());
    return 1;
  }
}

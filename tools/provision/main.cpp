// hp_provision: writes a demo world for the proxy facility (docs/proxy-architecture.md) and the
// e-money purse (docs/emoney.md): a CA, the shop's and the bank's certificates and signing keys,
// the home server's channel key and configuration (purse and notices included), the shop's and
// the bank's server configs, and personalizes a FRESH home card (with its
// purse) and a FRESH access card through PC/SC. See README.txt in the output.
//
// Demo defaults (documented in --help and README.txt; for demos and tests only):
//   home card PIN1 1234, PIN2 567890, PUK 12345678; access card PIN 4321, PUK 87654321.
//
// This file runs the steps in order: options (provision_options.cpp), the PKI in memory, the
// cards (card_personalization.cpp, purse_setup.cpp), then the files (output_files.cpp,
// server_configs.cpp). Nothing is written before the cards are done.
#include <mbedtls/platform_util.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "host/home_server/terminals/policy_store.hpp"
#include "host/pcsc_bridge/card_finder.hpp"
#include "host/pcsc_bridge/pcsc_context.hpp"
#include "tools/provision/appliance_files.hpp"
#include "tools/provision/card_personalization.hpp"
#include "tools/provision/output_files.hpp"
#include "tools/provision/pki.hpp"
#include "tools/provision/provision_options.hpp"
#include "tools/provision/purse_setup.hpp"
#include "tools/provision/server_configs.hpp"

namespace hp::provision {
namespace {

// A view of a string that outlives it (never of a temporary).
ByteView viewOf(const std::string& text) {
  return ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

// Iris and finger codes of one person differ in some bits between samples; 24 of 256 accepts
// those and still refuses another person's code (about half the bits differ).
constexpr uint8_t kBiometricThresholdBits = 24;

const char kCaName[] = "CN=homeproxy demo CA,O=homeproxy";

int fail(const std::string& message) {
  std::fprintf(stderr, "hp_provision: %s\n", message.c_str());
  return 1;
}

// Output directory: created 0700 (it holds keys); an existing one is used as is. Its absolute
// path.
Result<std::string> makeOutputDir(const std::string& out) {
  if (::mkdir(out.c_str(), 0700) != 0 && errno != EEXIST) return makeError("cannot create " + out);
  char* resolved = ::realpath(out.c_str(), nullptr);
  if (resolved == nullptr) return makeError("cannot resolve " + out);
  std::string path = resolved;
  std::free(resolved);
  return path;
}

// The PKI and the home server's key, in memory until the cards are done.
struct DemoPki {
  std::unique_ptr<Drbg> drbg;
  std::unique_ptr<PkKey> caKey, shopKey, serverKey;
  // The e-money parties: payment and voucher signing keys apart from the TLS keys, and the
  // bank's TLS key.
  std::unique_ptr<PkKey> shopSignKey, bankSignKey, bankKey;
  // The shop's till: its own client certificate for its sessions with the shop (tools/till).
  std::unique_ptr<PkKey> tillKey;
  Certificate caCert, shopCert, bankCert, tillCert;
  Bytes serverPoint, shopSignPoint, bankSignPoint;
};

Result<DemoPki> makePki(const WorldDescription& world) {
  DemoPki pki;
  auto drbg = Drbg::create();
  if (!drbg) return makeError(drbg.error().message);
  pki.drbg = std::move(*drbg);
  for (auto* key : {&pki.caKey, &pki.shopKey, &pki.serverKey, &pki.shopSignKey, &pki.bankSignKey,
                    &pki.bankKey, &pki.tillKey}) {
    auto generated = PkKey::generateP256(*pki.drbg);
    if (!generated) return makeError("P-256 key generation failed");
    *key = std::move(*generated);
  }
  CertificateRequest caRequest{kCaName, kCaName, true, 1};
  auto caCert = issueCertificate(caRequest, *pki.caKey, *pki.caKey, *pki.drbg);
  if (!caCert) return makeError(caCert.error().message);
  pki.caCert = std::move(*caCert);
  CertificateRequest shopRequest{"CN=" + world.shopHost + ",O=homeproxy demo shop", kCaName, false,
                                 2};
  auto shopCert = issueCertificate(shopRequest, *pki.shopKey, *pki.caKey, *pki.drbg);
  if (!shopCert) return makeError(shopCert.error().message);
  pki.shopCert = std::move(*shopCert);
  CertificateRequest bankRequest{"CN=" + world.bankHost + ",O=homeproxy demo bank", kCaName, false,
                                 4};
  auto bankCert = issueCertificate(bankRequest, *pki.bankKey, *pki.caKey, *pki.drbg);
  if (!bankCert) return makeError(bankCert.error().message);
  pki.bankCert = std::move(*bankCert);
  CertificateRequest tillRequest{"CN=till of " + world.shopHost + ",O=homeproxy demo shop", kCaName,
                                 false, 5};
  auto tillCert = issueCertificate(tillRequest, *pki.tillKey, *pki.caKey, *pki.drbg);
  if (!tillCert) return makeError(tillCert.error().message);
  pki.tillCert = std::move(*tillCert);
  auto serverPoint = pki.serverKey->publicPoint();
  if (!serverPoint) return makeError(serverPoint.error().message);
  pki.serverPoint = std::move(*serverPoint);
  auto shopSignPoint = pki.shopSignKey->publicPoint();
  auto bankSignPoint = pki.bankSignKey->publicPoint();
  if (!shopSignPoint || !bankSignPoint) {
    return makeError("reading the signing keys' points failed");
  }
  pki.shopSignPoint = std::move(*shopSignPoint);
  pki.bankSignPoint = std::move(*bankSignPoint);
  return pki;
}

Result<std::string> readerFor(const pcsc_bridge::PcscContext& context, const std::string& given,
                              ByteView aid) {
  if (!given.empty()) return given;
  return pcsc_bridge::findReaderWithAid(context, aid);
}

// The access card's settings from the options; the biometric template read from its file.
Result<AccessCardSettings> accessCardSettings(const Options& options, const WorldDescription& world,
                                              const DemoPki& pki) {
  AccessCardSettings settings{options["--access-pin"],   options["--access-puk"],
                              world.terminalId,          pki.serverPoint,
                              options["--home-address"], profileNamed(options["--profile"])};
  if (!options["--bio-template"].empty()) {
    std::ifstream file(options["--bio-template"]);
    std::string hex, word;
    while (file >> word) hex += word;
    auto code = fromHex(hex);
    if (!file.eof() || !code || code->size() != 32) {
      return makeError("--bio-template: a file with 32 bytes in hex");
    }
    settings.biometricTemplate = *code;
    settings.biometricThreshold = kBiometricThresholdBits;
  }
  return settings;
}

// What the cards give the files: the user's certificate (for the key the home card generated)
// and the terminal's public key (generated on the access card).
struct CardResults {
  Certificate userCert;
  Bytes terminalPoint;
};

// The cards, through PC/SC: the home card (PINs, user key and certificate), the access card,
// the terminal registered on the home card, the purse. Fills in the world's home card key and
// purse ID.
Result<CardResults> personalizeCards(const Options& options, DemoPki& pki,
                                     WorldDescription& world) {
  auto context = pcsc_bridge::PcscContext::establish();
  if (!context) return makeError(context.error().message);
  auto homeReader = readerFor(*context, options["--home-reader"], card_adapters::kHomeCardAid);
  if (!homeReader) return makeError("home card: " + homeReader.error().message);
  auto accessReader =
      readerFor(*context, options["--access-reader"], card_adapters::kAccessCardAid);
  if (!accessReader) return makeError("access card: " + accessReader.error().message);
  auto homeTransport = context->connect(*homeReader);
  if (!homeTransport) return makeError(homeTransport.error().message);
  auto accessTransport = context->connect(*accessReader);
  if (!accessTransport) return makeError(accessTransport.error().message);
  card_adapters::HomeCardClient home(**homeTransport);
  card_adapters::AccessCardClient access(**accessTransport);

  HomeCardSecrets homeSecrets{options["--home-pin1"], options["--home-pin2"],
                              options["--home-puk"]};
  auto homeKeys = personalizeHomeCard(home, homeSecrets);
  if (!homeKeys) return makeError("home card: " + homeKeys.error().message);
  world.homeCardKey = toHex(homeKeys->cardAuthKey);
  std::printf("home card in \"%s\": personalized, user key generated on the card\n",
              homeReader->c_str());
  auto userKey = PkKey::fromP256Point(homeKeys->userPoint);
  if (!userKey) return makeError(userKey.error().message);
  CertificateRequest userRequest{"CN=homeproxy demo user,O=homeproxy", kCaName, false, 3};
  auto userCert = issueCertificate(userRequest, **userKey, *pki.caKey, *pki.drbg);
  if (!userCert) return makeError(userCert.error().message);
  if (auto stored = home.putCertificate(card_adapters::HomeKeyRef::kEc, userCert->der); !stored) {
    return makeError(stored.error().message);
  }

  auto accessSettings = accessCardSettings(options, world, pki);
  if (!accessSettings) return makeError(accessSettings.error().message);
  auto terminalPoint = personalizeAccessCard(access, *accessSettings);
  if (!terminalPoint) return makeError("access card: " + terminalPoint.error().message);
  std::printf("access card in \"%s\": personalized, terminal key generated on the card\n",
              accessReader->c_str());
  if (auto added = home.registryAdd(card_adapters::HomeRegistry::kTerminals,
                                    bytesOf(world.terminalId), *terminalPoint);
      !added) {
    return makeError("registering the terminal: " + added.error().message);
  }
  std::printf("terminal \"%s\" registered on the home card\n", world.terminalId.c_str());
  PurseSettings purse{world.shopHost,    pki.shopSignPoint, world.bankId,
                      pki.bankSignPoint, world.currency,    world.maxBalance};
  auto purseId = setUpPurse(home, purse);
  if (!purseId) return makeError("home card: " + purseId.error().message);
  world.purseId = toHex(*purseId);
  std::printf("purse %s initialized (%s, maximum %llu); shop \"%s\" and bank \"%s\" registered\n",
              world.purseId.c_str(), world.currency.c_str(),
              static_cast<unsigned long long>(world.maxBalance), world.shopHost.c_str(),
              world.bankId.c_str());
  (void)home.finish();  // no more signatures until the home server asks for PIN2
  return CardResults{std::move(*userCert), std::move(*terminalPoint)};
}

// The files: keys 0600, the rest 0644 (writeFile). Returns how many were written.
Result<size_t> writeWorld(DemoPki& pki, const CardResults& cards, const WorldDescription& world) {
  auto caPem = pki.caKey->privatePem();
  auto shopPem = pki.shopKey->privatePem();
  auto serverPem = pki.serverKey->privatePem();
  auto shopSignPem = pki.shopSignKey->privatePem();
  auto bankSignPem = pki.bankSignKey->privatePem();
  auto bankPem = pki.bankKey->privatePem();
  auto tillPem = pki.tillKey->privatePem();
  if (!caPem || !shopPem || !serverPem || !shopSignPem || !bankSignPem || !bankPem || !tillPem) {
    return makeError("writing PEM keys failed");
  }
  const std::string terminalText =
      "terminal_id " + world.terminalId + "\npublic_key " + toHex(cards.terminalPoint) + "\n";
  struct FileToWrite {
    const char* name;
    ByteView content;
    bool secret;
  };
  const std::string homeJson = homeServerJson(world);
  const std::string shopJson = shopServerJson(world);
  const std::string bankJson = bankServerJson(world);
  const std::string nginx = nginxShopConf(world);
  const std::string readme = readmeText(world);
  const std::string radicale = radicaleConf(world);
  const std::vector<FileToWrite> files = {
      {"ca.pem", viewOf(pki.caCert.pem), false},
      {"ca.key", caPem->view(), true},
      {"shop.pem", viewOf(pki.shopCert.pem), false},
      {"shop.key", shopPem->view(), true},
      {"shop-sign.key", shopSignPem->view(), true},
      {"bank.pem", viewOf(pki.bankCert.pem), false},
      {"bank.key", bankPem->view(), true},
      {"bank-sign.key", bankSignPem->view(), true},
      {"till.pem", viewOf(pki.tillCert.pem), false},
      {"till.key", tillPem->view(), true},
      {"user.pem", viewOf(cards.userCert.pem), false},
      {"home_server_key.pem", serverPem->view(), true},
      {"home_server.json", viewOf(homeJson), false},
      {"shop.json", viewOf(shopJson), false},
      {"bank.json", viewOf(bankJson), false},
      {"nginx-shop.conf", viewOf(nginx), false},
      {"terminal.txt", viewOf(terminalText), false},
      {"README.txt", viewOf(readme), false},
      {"radicale.conf", viewOf(radicale), false},
  };
  for (const auto& file : files) {
    if (auto written = writeFile(world.outDir + "/" + file.name, file.content, file.secret);
        !written) {
      return makeError(written.error().message);
    }
  }
  return files.size();
}

ApplianceWorld applianceWorld(const WorldDescription& world) {
  return ApplianceWorld{world.outDir, world.mqttAddress, world.mqttPort, world.appliances};
}

std::string readText(const std::string& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// --only appliances: OUT/mqtt/ alone, no card touched. The CA is the world's when OUT holds one
// (devices added to an existing home), else a new one written to OUT.
int provisionAppliances(const WorldDescription& world) {
  auto drbg = Drbg::create();
  if (!drbg) return fail(drbg.error().message);
  std::string caPem = readText(world.outDir + "/ca.pem");
  std::unique_ptr<PkKey> caKey;
  if (!caPem.empty()) {
    std::string keyPem = readText(world.outDir + "/ca.key");
    auto loaded = PkKey::fromPrivatePem(keyPem);
    mbedtls_platform_zeroize(keyPem.data(), keyPem.size());
    if (!loaded) return fail("ca.key: " + loaded.error().message);
    caKey = std::move(*loaded);
  } else {
    auto generated = PkKey::generateP256(**drbg);
    if (!generated) return fail(generated.error().message);
    caKey = std::move(*generated);
    auto caCert =
        issueCertificate(CertificateRequest{kCaName, kCaName, true, 1}, *caKey, *caKey, **drbg);
    auto keyPem = caKey->privatePem();
    if (!caCert || !keyPem) return fail("making a CA failed");
    caPem = caCert->pem;
    if (auto done = writeFile(world.outDir + "/ca.pem", viewOf(caPem), false); !done) {
      return fail(done.error().message);
    }
    if (auto done = writeFile(world.outDir + "/ca.key", keyPem->view(), true); !done) {
      return fail(done.error().message);
    }
  }
  auto written = writeApplianceFiles(applianceWorld(world), caPem, kCaName, *caKey, **drbg);
  if (!written) return fail(written.error().message);
  std::printf("wrote %zu files to %s/mqtt\n", *written, world.outDir.c_str());
  return 0;
}

int provision(const Options& options) {
  auto world = describeWorld(options);
  if (!world) return fail(world.error().message);
  auto outDir = makeOutputDir(options["--out"]);
  if (!outDir) return fail(outDir.error().message);
  world->outDir = *outDir;
  if (options["--only"] == "appliances") return provisionAppliances(*world);
  // 1. The PKI and the home server's key, in memory until the cards are done.
  auto pki = makePki(*world);
  if (!pki) return fail(pki.error().message);
  // 2. The cards, through PC/SC.
  auto cards = personalizeCards(options, *pki, *world);
  if (!cards) return fail(cards.error().message);
  // 3. The files.
  world->defaultPins = defaultPins(options);
  auto written = writeWorld(*pki, *cards, *world);
  if (!written) return fail(written.error().message);
  auto mqtt = writeApplianceFiles(applianceWorld(*world), pki->caCert.pem, kCaName, *pki->caKey,
                                  *pki->drbg);
  if (!mqtt) return fail(mqtt.error().message);
  *written += *mqtt;
  std::printf("wrote %zu files to %s (see README.txt)\n", *written, world->outDir.c_str());
  // 4. The terminal's policy, its kind from the access card's profile (laptop: a pc; a till
  // pays only the world's shop), in the home server's policy store.
  const std::string& profile = options["--profile"];
  const std::string kind = profile == "laptop" ? "pc" : profile;
  auto policies = home_server::PolicyStore::open(world->outDir + "/terminal_policies.db");
  if (!policies) return fail(policies.error().message);
  const auto now = static_cast<uint64_t>(std::time(nullptr));
  if (auto set = (*policies)->set(world->terminalId,
                                  home_server::defaultPolicy(kind, world->shopHost, now));
      !set) {
    return fail(set.error().message);
  }
  std::printf("terminal \"%s\" is a %s (its policy: home_server --admin SOCKET list-terminals)\n",
              world->terminalId.c_str(), kind.c_str());
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

// hp_provision's purse set-up against the real home card applet in-process: the shop and bank
// keys it writes as PEM sign objects the card accepts, and README.txt names the new files.
#include <doctest.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/pk.h>

#include <memory>
#include <string>

#include "base/clock.hpp"
#include "base/rng.hpp"
#include "card/homecard/home_card_applet.hpp"
#include "card/runtime/card_runtime.hpp"
#include "card/runtime/storage.hpp"
#include "host/card_adapters/home_card_client.hpp"
#include "host/pcsc_bridge/in_process_transport.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tools/provision/card_personalization.hpp"
#include "tools/provision/output_files.hpp"
#include "tools/provision/pki.hpp"
#include "tools/provision/purse_setup.hpp"

using namespace hp::provision;
using hp::base::Bytes;
namespace purse = hp::protocol::purse;

namespace {

// Signs a purse object with a PEM private key as the shop and bank servers would load it.
Bytes signWithPem(const hp::base::SecretBytes& pem, std::string_view label, const Bytes& body,
                  Drbg& drbg) {
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  Bytes terminated(pem.data(), pem.data() + pem.size());
  terminated.push_back(0);
  REQUIRE(mbedtls_pk_parse_key(&pk, terminated.data(), terminated.size(), nullptr, 0) == 0);
  hp::base::secureWipe(terminated);
  const auto hash = purse::signedHash(label, body);
  Bytes signature(MBEDTLS_ECDSA_MAX_LEN);
  size_t length = 0;
  REQUIRE(mbedtls_pk_sign(&pk, MBEDTLS_MD_SHA256, hash.data(), hash.size(), signature.data(),
                          &length, mbedtls_ctr_drbg_random, drbg.context()) == 0);
  signature.resize(length);
  mbedtls_pk_free(&pk);
  return purse::appendSignature(body, signature);
}

struct InProcessHomeCard {
  hp::card::runtime::MemoryStorage storage;
  hp::base::ManualClock clock;
  std::unique_ptr<hp::base::Rng> rng = hp::base::makeSeededRng(42);
  std::unique_ptr<hp::card::homecard::HomeCardApplet> applet;
  std::unique_ptr<hp::card::runtime::CardRuntime> runtime;
  std::unique_ptr<hp::pcsc_bridge::InProcessTransport> transport;
  std::unique_ptr<hp::card_adapters::HomeCardClient> client;

  InProcessHomeCard() {
    auto opened = hp::card::homecard::HomeCardApplet::open(storage, clock, *rng,
                                                           hp::card::runtime::kTestPinIterations);
    REQUIRE(opened.ok());
    applet = std::move(opened.value());
    runtime = std::make_unique<hp::card::runtime::CardRuntime>(
        hp::card::homecard::homeCardAtr(), std::vector<hp::card::runtime::Applet*>{applet.get()});
    transport = std::make_unique<hp::pcsc_bridge::InProcessTransport>(*runtime, "home card");
    client = std::make_unique<hp::card_adapters::HomeCardClient>(*transport);
  }
};

}  // namespace

TEST_CASE("provision: the purse is set up and the written signing keys work with the card") {
  InProcessHomeCard home;
  hp::card_adapters::HomeCardClient& card = *home.client;
  REQUIRE(personalizeHomeCard(card, {"1234", "567890", "12345678"}).ok());

  auto drbg = Drbg::create();
  REQUIRE(drbg.ok());
  auto shopSign = PkKey::generateP256(**drbg);
  auto bankSign = PkKey::generateP256(**drbg);
  REQUIRE(shopSign.ok());
  REQUIRE(bankSign.ok());
  PurseSettings settings{"localhost", *(*shopSign)->publicPoint(),
                         "bank",      *(*bankSign)->publicPoint(),
                         "EUR",       100'000};
  auto purseId = setUpPurse(card, settings);
  REQUIRE(purseId.ok());

  auto status = card.purseStatus();
  REQUIRE(status.ok());
  CHECK(status->purseId == *purseId);
  CHECK(status->currency == "EUR");
  CHECK(status->maxBalance == 100'000);
  CHECK(status->balance == 0);
  CHECK(card.registryGet(hp::card_adapters::HomeRegistry::kShops, hp::base::bytesOf("localhost"))
            .value() == settings.shopPoint);
  CHECK(card.registryGet(hp::card_adapters::HomeRegistry::kBanks, hp::base::bytesOf("bank"))
            .value() == settings.bankPoint);

  // A voucher signed with bank-sign.key as written, a payment, and the shop's cancellation
  // signed with shop-sign.key: the card takes them.
  auto bankPem = (*bankSign)->privatePem();
  auto shopPem = (*shopSign)->privatePem();
  REQUIRE(bankPem.ok());
  REQUIRE(shopPem.ok());
  purse::Voucher voucher{hp::base::bytesOf("bank"), *purseId, {}, 1, "EUR", 5000};
  voucher.voucherId.fill(0x5A);
  REQUIRE(
      card.credit(1, signWithPem(*bankPem, purse::kVoucherLabel, purse::encode(voucher), **drbg))
          .ok());
  REQUIRE(card.debit(2, hp::base::bytesOf("localhost"), hp::base::bytesOf("order-1"), "EUR", 1200)
              .ok());
  purse::Cancellation cancellation{hp::base::bytesOf("localhost"), *purseId, 2,
                                   hp::base::bytesOf("order-1"),   "EUR",    1200};
  REQUIRE(card.cancel(3, signWithPem(*shopPem, purse::kCancellationLabel,
                                     purse::encode(cancellation), **drbg))
              .ok());
  CHECK(card.purseStatus()->balance == 5000);

  // Once only: a second set-up fails (the shop is already registered) and changes nothing.
  auto again = setUpPurse(card, settings);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message.find("registering the shop") != std::string::npos);
  CHECK(card.purseStatus()->purseId == *purseId);
}

TEST_CASE("provision: README.txt names the e-money files and the purse") {
  WorldDescription world;
  world.outDir = "/srv/world";
  world.shopHost = "localhost";
  world.homeListenAddress = "127.0.0.1";
  world.terminalId = "terminal-1";
  world.purseId = "0011223344556677";
  const std::string readme = readmeText(world);
  for (const char* part : {"shop-sign.key   0600", "bank-sign.key   0600", "bank.pem, bank.key",
                           "purse 0011223344556677", "EUR", "100000", "(registry 03)"}) {
    CAPTURE(part);
    CHECK(readme.find(part) != std::string::npos);
  }
}

TEST_CASE("provision: README.txt lists the PINs left at their defaults, never given ones") {
  WorldDescription world;
  world.outDir = "/srv/world";
  world.shopHost = "localhost";
  world.defaultPins = {"home card PIN1 1234", "access card PUK 87654321"};
  const std::string readme = readmeText(world);
  CHECK(readme.find("  home card PIN1 1234\n") != std::string::npos);
  CHECK(readme.find("  access card PUK 87654321\n") != std::string::npos);
  CHECK(readme.find("documented defaults") == std::string::npos);
  world.defaultPins.clear();
  const std::string given = readmeText(world);
  CHECK(given.find("all given as options") != std::string::npos);
  CHECK(given.find("1234") == std::string::npos);
}

// Both cards in this process (CardRuntime + InProcessTransport over MemoryStorage, ManualClock
// and a seeded RNG), personalized, with the adapters' clients on top; plus test certificates.
#pragma once

#include <doctest.h>
#include <mbedtls/md.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/clock.hpp"
#include "base/rng.hpp"
#include "card/accesscard/access_card_applet.hpp"
#include "card/homecard/home_card_applet.hpp"
#include "card/runtime/card_runtime.hpp"
#include "card/runtime/storage.hpp"
#include "host/card_adapters/access_card_client.hpp"
#include "host/card_adapters/home_card_client.hpp"
#include "host/pcsc_bridge/in_process_transport.hpp"

namespace hp::card_adapters::test {

uint64_t testSeed();  // printed once; HP_TEST_SEED replays

inline constexpr std::string_view kHomePin1 = "123456";
inline constexpr std::string_view kHomePin2 = "654321";
inline constexpr std::string_view kHomePuk = "12345678";
inline constexpr std::string_view kAccessPin = "2468";
inline constexpr std::string_view kAccessPuk = "87654321";
inline constexpr std::string_view kTerminalId = "laptop-1";
inline constexpr std::string_view kHomeAddress = "127.0.0.1:7443";
inline constexpr uint8_t kBiometricThreshold = 40;

// The enrolled biometric template; a sample within 40 bits of it matches.
Bytes biometricTemplate();
Bytes flippedBits(ByteView code, unsigned bits);

// A personalized, operational home card with an EC and an RSA key (the RSA key is generated
// once per process and the card image reused: RSA-2048 generation is slow).
class HomeCard {
 public:
  HomeCard();
  HomeCard(const HomeCard&) = delete;
  HomeCard& operator=(const HomeCard&) = delete;

  card::runtime::MemoryStorage storage;
  base::ManualClock clock;
  std::unique_ptr<base::Rng> rng;
  std::unique_ptr<card::homecard::HomeCardApplet> applet;
  std::unique_ptr<card::runtime::CardRuntime> runtime;
  std::unique_ptr<pcsc_bridge::InProcessTransport> transport;
  std::unique_ptr<HomeCardClient> client;  // selected, inhibited
};

// A personalized, operational access card whose home server key is `homeServerKey`.
class AccessCard {
 public:
  explicit AccessCard(ByteView homeServerKey);
  AccessCard(const AccessCard&) = delete;
  AccessCard& operator=(const AccessCard&) = delete;

  card::runtime::MemoryStorage storage;
  base::ManualClock clock;
  std::unique_ptr<base::Rng> rng;
  std::unique_ptr<card::accesscard::AccessCardApplet> applet;
  std::unique_ptr<card::runtime::CardRuntime> runtime;
  std::unique_ptr<pcsc_bridge::InProcessTransport> transport;
  std::unique_ptr<AccessCardClient> client;  // selected, locked
};

// An X.509 v3 certificate (DER) for a card's public key, issued by a throw-away EC CA, or by
// the CA whose key is in issuerKeyFile (PEM) under the name issuerName when one is given.
Bytes makeCertificate(const HomePublicKey& key, const std::string& commonName,
                      const std::string& issuerKeyFile = "",
                      const std::string& issuerName = "CN=card_adapters test CA");

// mbedtls_pk_verify with the certificate's public key: what a TLS server does with the
// CertificateVerify signature of the client.
bool verifiesWithCertificate(ByteView certificateDer, mbedtls_md_type_t md, ByteView hash,
                             ByteView signature);

// Requires success and returns the value (doctest REQUIRE with the error's message).
template <class T, class E>
T must(Result<T, E> result) {
  if (!result) REQUIRE_MESSAGE(false, result.error().message);
  return std::move(result.value());
}
template <class E>
void mustOk(const Result<void, E>& result) {
  if (!result) REQUIRE_MESSAGE(false, result.error().message);
}

}  // namespace hp::card_adapters::test

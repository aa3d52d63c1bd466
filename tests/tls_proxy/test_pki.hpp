// A throw-away PKI for the tests, made with the openssl CLI in a temp dir: a CA, a second
// unrelated CA, a shop certificate for "localhost" (and a second valid one, and an impostor's
// from the unrelated CA) and user certificates for an EC P-256 and an RSA-2048 key. Generated
// once per test process and removed at exit.
#pragma once

#include <cstdint>
#include <string>

#include "host/tls_proxy/delegated_handshake.hpp"

namespace hp::tls_proxy::test {

struct TestPki {
  std::string dir;
  std::string caCert;
  std::string otherCaCert;  // trusts nothing the shop presents
  std::string shopKey, shopCert;
  std::string shopRenewedKey, shopRenewedCert;  // also "localhost" from the CA: valid too
  std::string impostorKey, impostorCert;        // "localhost" from the unrelated CA
  std::string userEcKey, userEcCert;
  std::string userRsaKey, userRsaCert;
};

// Fails the test (doctest REQUIRE) if openssl cannot produce it.
const TestPki& testPki();

// A delegated handshake with a test shop on loopback: "localhost" (checked against its
// certificate) at 127.0.0.1:port, the test CA, a 5 s read timeout.
DelegatedHandshakeRequest loopbackShopRequest(uint16_t port);

// Reads a PEM certificate file and returns its DER bytes as lowercase hex of the SHA-256.
std::string sha256OfPemCertificateHex(const std::string& pemPath);

}  // namespace hp::tls_proxy::test

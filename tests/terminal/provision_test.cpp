#include <doctest.h>
#include <mbedtls/x509_crt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "tests/support/temp_dir.hpp"
#include "tools/provision/card_personalization.hpp"
#include "tools/provision/output_files.hpp"
#include "tools/provision/pki.hpp"

using namespace hp::provision;

namespace {

std::unique_ptr<PkKey> newKey(Drbg& drbg) {
  auto key = PkKey::generateP256(drbg);
  REQUIRE(key.ok());
  return std::move(key.value());
}

}  // namespace

TEST_CASE("provision: the CA signs the shop and the user's card key; chains verify") {
  auto drbg = Drbg::create();
  REQUIRE(drbg.ok());
  auto caKey = newKey(**drbg);
  auto shopKey = newKey(**drbg);
  const std::string caName = "CN=test CA,O=homeproxy";
  auto ca = issueCertificate({caName, caName, true, 1}, *caKey, *caKey, **drbg);
  REQUIRE(ca.ok());
  auto shop = issueCertificate({"CN=localhost", caName, false, 2}, *shopKey, *caKey, **drbg);
  REQUIRE(shop.ok());
  // The user's key as the home card reports it: only the public point.
  auto point = newKey(**drbg)->publicPoint();
  REQUIRE(point.ok());
  auto userPublic = PkKey::fromP256Point(*point);
  REQUIRE(userPublic.ok());
  auto user = issueCertificate({"CN=user", caName, false, 3}, **userPublic, *caKey, **drbg);
  REQUIRE(user.ok());

  // RFC 5758 3.2: no parameters (not even NULL) after ecdsa-with-SHA256.
  const hp::base::Bytes withNull = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02, 0x05, 0x00};
  for (const auto* cert : {&ca.value(), &shop.value(), &user.value()}) {
    CHECK(std::search(cert->der.begin(), cert->der.end(), withNull.begin(), withNull.end()) ==
          cert->der.end());
    CHECK(cert->pem.rfind("-----BEGIN CERTIFICATE-----\n", 0) == 0);
  }

  mbedtls_x509_crt trusted;
  mbedtls_x509_crt leaf;
  mbedtls_x509_crt_init(&trusted);
  mbedtls_x509_crt_init(&leaf);
  REQUIRE(mbedtls_x509_crt_parse_der(&trusted, ca->der.data(), ca->der.size()) == 0);
  CHECK(trusted.ca_istrue == 1);
  for (const auto* cert : {&shop.value(), &user.value()}) {
    mbedtls_x509_crt_free(&leaf);
    mbedtls_x509_crt_init(&leaf);
    // The PEM carries the same DER (one signature, not two).
    REQUIRE(mbedtls_x509_crt_parse(&leaf, reinterpret_cast<const unsigned char*>(cert->pem.c_str()),
                                   cert->pem.size() + 1) == 0);
    CHECK(std::equal(cert->der.begin(), cert->der.end(), leaf.raw.p, leaf.raw.p + leaf.raw.len));
    uint32_t flags = 0;
    CHECK(mbedtls_x509_crt_verify(&leaf, &trusted, nullptr, nullptr, &flags, nullptr, nullptr) ==
          0);
    CHECK(flags == 0);
  }
  // The user's certificate certifies the card's key (the point read from the card).
  hp::base::Bytes certified(65);
  size_t certifiedLength = 0;
  REQUIRE(mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(leaf.pk)->grp, &mbedtls_pk_ec(leaf.pk)->Q,
                                         MBEDTLS_ECP_PF_UNCOMPRESSED, &certifiedLength,
                                         certified.data(), certified.size()) == 0);
  CHECK(certified == *point);
  CHECK(mbedtls_pk_get_type(&leaf.pk) == MBEDTLS_PK_ECKEY);
  mbedtls_x509_crt_free(&leaf);
  mbedtls_x509_crt_free(&trusted);

  // A point off the curve is refused before anything is certified.
  hp::base::Bytes bad = *point;
  bad[40] ^= 0x01;
  CHECK_FALSE(PkKey::fromP256Point(bad).ok());
}

TEST_CASE("provision: the access card profile encoding (PUT DATA DF 33)") {
  hp::card_adapters::TerminalProfile phone{hp::card_adapters::TerminalProfile::Kind::kPhone, 40,
                                           300,
                                           hp::card_adapters::TerminalProfile::Layout::kNarrow};
  CHECK(encodeProfile(phone) == hp::base::Bytes{0x80, 0x01, 0x01, 0x81, 0x02, 0x00, 0x28, 0x82,
                                                0x02, 0x01, 0x2C, 0x83, 0x01, 0x01});
}

TEST_CASE("provision: secrets are written 0600, others 0644, and nothing is overwritten") {
  const hp::test::TempDir temp;
  const std::string dir = temp.path();
  const mode_t oldMask = ::umask(0);  // even a permissive umask must not widen a secret
  const hp::base::Bytes content = hp::base::bytesOf("key material");
  REQUIRE(writeFile(dir + "/secret.key", content, true).ok());
  REQUIRE(writeFile(dir + "/public.pem", content, false).ok());
  ::umask(oldMask);
  struct stat info {};
  REQUIRE(::stat((dir + "/secret.key").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  REQUIRE(::stat((dir + "/public.pem").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0644);
  auto again = writeFile(dir + "/secret.key", content, true);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message.find("File exists") != std::string::npos);
}

TEST_CASE("provision: home_server.json points at the generated files") {
  WorldDescription world;
  world.outDir = "/srv/world";
  world.shopHost = "localhost";
  world.homeListenAddress = "127.0.0.1";
  world.homeListenPort = 9443;
  world.terminalId = "terminal-1";
  const std::string json = homeServerJson(world);
  CHECK(json.find("\"trust_store_ca_file\" : \"/srv/world/ca.pem\"") != std::string::npos);
  CHECK(json.find("\"server_key_file\" : \"/srv/world/home_server_key.pem\"") != std::string::npos);
  CHECK(json.find("\"listen_port\" : 9443") != std::string::npos);
  CHECK(json.find("home_card_reader") == std::string::npos);  // found by AID
  const std::string nginx = nginxShopConf(world);
  CHECK(nginx.find("ssl_verify_client on;") != std::string::npos);
  CHECK(nginx.find("ssl_client_certificate /srv/world/ca.pem;") != std::string::npos);
  CHECK(nginx.find("ssl_session_cache") != std::string::npos);
}

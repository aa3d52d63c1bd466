#include "tests/card_adapters/fixture.hpp"

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include <cstdlib>
#include <iostream>
#include <random>

#include "base/tlv.hpp"
#include "tests/support/test_seed.hpp"

namespace hp::card_adapters::test {

namespace {
// Raw commands for personalization (the clients only cover what hosts do in operation).
void run(CardCommands& commands, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
         ByteView data = {}, uint32_t ne = 0) {
  auto r = commands.run("personalization", cla, ins, p1, p2, data, ne);
  if (!r) REQUIRE_MESSAGE(false, r.error().message);
}

Bytes ascii(std::string_view text) {
  return bytesOf(text);
}

const Bytes& homeCardImage() {
  static const Bytes image = [] {
    card::runtime::MemoryStorage storage;
    base::ManualClock clock;
    auto rng = base::makeSeededRng(testSeed() ^ 0x40E);
    auto applet = must(card::homecard::HomeCardApplet::open(storage, clock, *rng,
                                                            hp::card::runtime::kTestPinIterations));
    card::runtime::CardRuntime runtime(card::homecard::homeCardAtr(), {applet.get()});
    pcsc_bridge::InProcessTransport transport(runtime, "homecard");
    HomeCardClient client(transport);
    mustOk(client.select());
    CardCommands& c = client.commands();
    run(c, 0x00, 0x24, 0x01, 0x81, ascii(kHomePin1));
    run(c, 0x00, 0x24, 0x01, 0x82, ascii(kHomePin2));
    run(c, 0x00, 0x24, 0x01, 0x83, ascii(kHomePuk));
    run(c, 0x00, 0x44, 0x00, 0x00);
    REQUIRE(must(client.verifyPin1(kHomePin1)).verified());
    REQUIRE(must(client.verifyPin2(kHomePin2)).verified());
    must(client.generateKey(HomeKeyRef::kEc));
    must(client.generateKey(HomeKeyRef::kRsa));
    return *storage.image();
  }();
  return image;
}
}  // namespace

uint64_t testSeed() {
  return hp::test::testSeed("card_adapters tests");
}

Bytes biometricTemplate() {
  Bytes code(32);
  for (size_t i = 0; i < code.size(); ++i) code[i] = static_cast<uint8_t>(0x5A ^ (i * 37));
  return code;
}

Bytes flippedBits(ByteView code, unsigned bits) {
  Bytes out(code.begin(), code.end());
  for (unsigned i = 0; i < bits; ++i) out[i / 8] ^= static_cast<uint8_t>(0x80 >> (i % 8));
  return out;
}

HomeCard::HomeCard() : rng(base::makeSeededRng(testSeed() ^ 0x401E)) {
  storage.setImage(homeCardImage());
  applet = must(card::homecard::HomeCardApplet::open(storage, clock, *rng,
                                                     hp::card::runtime::kTestPinIterations));
  runtime = std::make_unique<card::runtime::CardRuntime>(
      card::homecard::homeCardAtr(), std::vector<card::runtime::Applet*>{applet.get()});
  transport = std::make_unique<pcsc_bridge::InProcessTransport>(*runtime, "homecard");
  client = std::make_unique<HomeCardClient>(*transport);
  mustOk(client->select());
}

AccessCard::AccessCard(ByteView homeServerKey) : rng(base::makeSeededRng(testSeed() ^ 0xACCE)) {
  applet = must(card::accesscard::AccessCardApplet::open(storage, clock, *rng,
                                                         hp::card::runtime::kTestPinIterations));
  runtime = std::make_unique<card::runtime::CardRuntime>(
      card::accesscard::accessCardAtr(), std::vector<card::runtime::Applet*>{applet.get()});
  transport = std::make_unique<pcsc_bridge::InProcessTransport>(*runtime, "accesscard");
  client = std::make_unique<AccessCardClient>(*transport);
  mustOk(client->select());
  CardCommands& c = client->commands();
  run(c, 0x00, 0x24, 0x01, 0x81, ascii(kAccessPin));
  run(c, 0x00, 0x24, 0x01, 0x83, ascii(kAccessPuk));
  Bytes enrollment = base::makeTlv(0x81, biometricTemplate());
  base::appendTlv(enrollment, 0x82, Bytes{kBiometricThreshold});
  run(c, 0x00, 0x24, 0x01, 0x91, base::makeTlv(0x7F2E, enrollment));
  run(c, 0x00, 0x47, 0x80, 0x01, {}, 256);
  run(c, 0x00, 0xDA, 0xDF, 0x30, ascii(kTerminalId));
  run(c, 0x00, 0xDA, 0xDF, 0x31, homeServerKey);
  run(c, 0x00, 0xDA, 0xDF, 0x32, ascii(kHomeAddress));
  run(c, 0x00, 0xDA, 0xDF, 0x33,
      Bytes{0x80, 0x01, 0x02, 0x81, 0x02, 0x00, 0x50, 0x82, 0x02, 0x00, 0x18, 0x83, 0x01, 0x02});
  run(c, 0x00, 0x44, 0x00, 0x00);
}

Bytes makeCertificate(const HomePublicKey& key, const std::string& commonName,
                      const std::string& issuerKeyFile, const std::string& issuerName) {
  auto rng = base::makeSeededRng(testSeed() ^ 0xCE27);
  mbedtls_pk_context issuer;
  mbedtls_pk_context subject;
  mbedtls_x509write_cert writer;
  mbedtls_mpi serial;
  mbedtls_pk_init(&issuer);
  mbedtls_pk_init(&subject);
  mbedtls_x509write_crt_init(&writer);
  mbedtls_mpi_init(&serial);

  if (issuerKeyFile.empty()) {
    REQUIRE(mbedtls_pk_setup(&issuer, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) == 0);
    REQUIRE(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(issuer),
                                &base::Rng::mbedtlsCallback, rng.get()) == 0);
  } else {
    REQUIRE(mbedtls_pk_parse_keyfile(&issuer, issuerKeyFile.c_str(), nullptr) == 0);
  }
  if (key.ref == HomeKeyRef::kEc) {
    REQUIRE(mbedtls_pk_setup(&subject, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) == 0);
    mbedtls_ecp_keypair* ec = mbedtls_pk_ec(subject);
    REQUIRE(mbedtls_ecp_group_load(&ec->grp, MBEDTLS_ECP_DP_SECP256R1) == 0);
    REQUIRE(mbedtls_ecp_point_read_binary(&ec->grp, &ec->Q, key.point.data(), key.point.size()) ==
            0);
  } else {
    REQUIRE(mbedtls_pk_setup(&subject, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) == 0);
    mbedtls_rsa_context* rsa = mbedtls_pk_rsa(subject);
    REQUIRE(mbedtls_rsa_import_raw(rsa, key.modulus.data(), key.modulus.size(), nullptr, 0, nullptr,
                                   0, nullptr, 0, key.exponent.data(), key.exponent.size()) == 0);
    REQUIRE(mbedtls_rsa_complete(rsa) == 0);
  }
  mbedtls_x509write_crt_set_version(&writer, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&writer, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&writer, &subject);
  mbedtls_x509write_crt_set_issuer_key(&writer, &issuer);
  REQUIRE(mbedtls_x509write_crt_set_subject_name(&writer, ("CN=" + commonName).c_str()) == 0);
  REQUIRE(mbedtls_x509write_crt_set_issuer_name(&writer, issuerName.c_str()) == 0);
  REQUIRE(mbedtls_mpi_lset(&serial, 7) == 0);
  REQUIRE(mbedtls_x509write_crt_set_serial(&writer, &serial) == 0);
  REQUIRE(mbedtls_x509write_crt_set_validity(&writer, "20250101000000", "20350101000000") == 0);
  Bytes buffer(4096);
  const int length = mbedtls_x509write_crt_der(&writer, buffer.data(), buffer.size(),
                                               &base::Rng::mbedtlsCallback, rng.get());
  REQUIRE(length > 0);
  // mbedTLS writes the DER at the end of the buffer.
  Bytes der(buffer.end() - length, buffer.end());

  mbedtls_mpi_free(&serial);
  mbedtls_x509write_crt_free(&writer);
  mbedtls_pk_free(&subject);
  mbedtls_pk_free(&issuer);
  return der;
}

bool verifiesWithCertificate(ByteView certificateDer, mbedtls_md_type_t md, ByteView hash,
                             ByteView signature) {
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  bool ok = mbedtls_x509_crt_parse_der(&crt, certificateDer.data(), certificateDer.size()) == 0;
  ok = ok && mbedtls_pk_verify(&crt.pk, md, hash.data(), hash.size(), signature.data(),
                               signature.size()) == 0;
  mbedtls_x509_crt_free(&crt);
  return ok;
}

}  // namespace hp::card_adapters::test

// HomeCardSigner: the delegated-TLS view. What TLS asks the signer for (a signature over the
// handshake hash) must verify with the public key in the certificate the signer presents.
#include <doctest.h>

#include "host/card_adapters/home_card_signer.hpp"
#include "tests/card_adapters/fixture.hpp"

namespace hp::card_adapters::test {

namespace {
struct SignerCase {
  tls_proxy::KeyType type;
  HomeKeyRef ref;
  const char* name;
};

std::unique_ptr<HomeCardSigner> openSigner(HomeCard& home, const SignerCase& c) {
  HomeCardClient& card = *home.client;
  REQUIRE(must(card.verifyPin1(kHomePin1)).verified());
  const HomePublicKey key = must(card.readPublicKey(c.ref));
  mustOk(card.putCertificate(c.ref, makeCertificate(key, c.name)));
  return must(HomeCardSigner::open(card, c.type));
}
}  // namespace

TEST_SUITE("signer") {
  TEST_CASE("the home card signer's signatures verify with its certificate (EC and RSA)") {
    for (const SignerCase& c :
         {SignerCase{tls_proxy::KeyType::kEcP256, HomeKeyRef::kEc, "User EC"},
          SignerCase{tls_proxy::KeyType::kRsa2048, HomeKeyRef::kRsa, "User RSA"}}) {
      CAPTURE(c.name);
      HomeCard home;
      auto signer = openSigner(home, c);
      CHECK(signer->keyType() == c.type);
      CHECK(signer->certificateDer() == must(home.client->getCertificate(c.ref)));
      CHECK(signer->apdusSent() == 2);  // READ PUBLIC KEY + GET DATA certificate

      // Without PIN2 the card refuses, and the error says so with the status word.
      const Bytes hash256(32, 0xA5);
      auto refused = signer->signHash(MBEDTLS_MD_SHA256, hash256);
      REQUIRE_FALSE(refused.ok());
      CHECK(refused.error().message.find("6982") != std::string::npos);

      REQUIRE(must(home.client->verifyPin2(kHomePin2)).verified());
      const uint64_t before = signer->apdusSent();
      const Bytes signature = must(signer->signHash(MBEDTLS_MD_SHA256, hash256));
      CHECK(signer->apdusSent() == before + 2);  // MSE SET + PSO: CDS
      CHECK(
          verifiesWithCertificate(signer->certificateDer(), MBEDTLS_MD_SHA256, hash256, signature));
      Bytes other = hash256;
      other[0] ^= 1;
      CHECK_FALSE(
          verifiesWithCertificate(signer->certificateDer(), MBEDTLS_MD_SHA256, other, signature));
      // TLS 1.2 also signs SHA-384 (and SHA-1 for old peers).
      const Bytes hash384(48, 0x3C);
      CHECK(verifiesWithCertificate(signer->certificateDer(), MBEDTLS_MD_SHA384, hash384,
                                    must(signer->signHash(MBEDTLS_MD_SHA384, hash384))));
      CHECK(signer->signatures() == 2);

      // A hash that does not fit its algorithm never reaches the card.
      const uint64_t sent = signer->apdusSent();
      CHECK_FALSE(signer->signHash(MBEDTLS_MD_SHA256, Bytes(48, 1)).ok());
      CHECK_FALSE(signer->signHash(MBEDTLS_MD_MD5, Bytes(16, 1)).ok());
      CHECK(signer->apdusSent() == sent);
    }
  }

  TEST_CASE("open() refuses a missing certificate or one for another key") {
    HomeCard home;
    HomeCardClient& card = *home.client;
    auto missing = HomeCardSigner::open(card, tls_proxy::KeyType::kEcP256);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("6A88") != std::string::npos);

    REQUIRE(must(card.verifyPin1(kHomePin1)).verified());
    // The EC key's certificate stored in the RSA slot: it certifies the wrong key.
    const Bytes ecCertificate = makeCertificate(must(card.readPublicKey(HomeKeyRef::kEc)), "EC");
    mustOk(card.putCertificate(HomeKeyRef::kRsa, ecCertificate));
    auto wrong = HomeCardSigner::open(card, tls_proxy::KeyType::kRsa2048);
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().message.find("RSA certificate") != std::string::npos);
    // A certificate of some other EC key in the EC slot.
    HomePublicKey stranger = must(card.readPublicKey(HomeKeyRef::kEc));
    auto rng = base::makeSeededRng(31);
    stranger.point = must(base::EcKeyPair::generate(*rng))->publicPoint();
    mustOk(card.putCertificate(HomeKeyRef::kEc, makeCertificate(stranger, "stranger")));
    auto foreign = HomeCardSigner::open(card, tls_proxy::KeyType::kEcP256);
    REQUIRE_FALSE(foreign.ok());
    CHECK(foreign.error().message.find("does not certify") != std::string::npos);
  }
}

}  // namespace hp::card_adapters::test

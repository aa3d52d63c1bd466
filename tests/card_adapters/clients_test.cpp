// HomeCardClient and AccessCardClient against the real applets, in-process.
#include <doctest.h>

#include <algorithm>

#include "base/ec_key.hpp"
#include "protocol/channel/channel_key_schedule.hpp"
#include "protocol/channel/server_hello_statement.hpp"
#include "tests/card_adapters/fixture.hpp"

namespace hp::card_adapters::test {

namespace {
Bytes softwarePoint(uint64_t seed) {
  auto rng = base::makeSeededRng(seed);
  return must(base::EcKeyPair::generate(*rng))->publicPoint();
}

bool mentions(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}
}  // namespace

TEST_SUITE("clients") {
  TEST_CASE("the clients' AIDs are the applets'") {
    CHECK(std::ranges::equal(ByteView(kHomeCardAid), ByteView(card::homecard::kHomeCardAid)));
    CHECK(std::ranges::equal(ByteView(kAccessCardAid), ByteView(card::accesscard::kAccessCardAid)));
  }

  TEST_CASE("home card: PINs, status and finish") {
    HomeCard home;
    HomeCardClient& card = *home.client;
    HomeCardStatus status = must(card.status());
    CHECK(status.operational());
    CHECK(status.security == HomeSecurityState::kInhibited);
    CHECK(status.hasEcKey);
    CHECK(status.hasRsaKey);

    // PIN2 before PIN1 is a card error with its status word.
    auto early = card.verifyPin2(kHomePin2);
    REQUIRE_FALSE(early.ok());
    CHECK(early.error().sw == 0x6982);
    CHECK(mentions(early.error().message, "VERIFY PIN2"));
    CHECK(mentions(early.error().message, "6982"));

    PinVerification wrong = must(card.verifyPin1("999999"));
    CHECK(wrong.outcome == PinVerification::Outcome::kWrong);
    CHECK(wrong.triesLeft == 2);
    CHECK(must(card.status()).pin1TriesLeft == 2);
    CHECK(must(card.verifyPin1(kHomePin1)).verified());
    CHECK(must(card.status()).security == HomeSecurityState::kStandby);
    CHECK(must(card.verifyPin2(kHomePin2)).verified());
    CHECK(must(card.status()).security == HomeSecurityState::kCrypto);
    mustOk(card.finish());
    CHECK(must(card.status()).security == HomeSecurityState::kStandby);

    // A malformed PIN never reaches the card (and costs no try).
    const uint64_t sent = card.commands().commandsSent();
    CHECK_FALSE(card.verifyPin2("12ab").ok());
    CHECK(card.commands().commandsSent() == sent);

    for (int i = 0; i < 2; ++i) CHECK(must(card.verifyPin2("000000")).triesLeft == 2 - i);
    PinVerification blocked = must(card.verifyPin2("000000"));
    CHECK(blocked.outcome == PinVerification::Outcome::kWrong);
    CHECK(blocked.triesLeft == 0);
    CHECK(must(card.verifyPin2(kHomePin2)).blocked());
  }

  TEST_CASE("home card: keys, signatures, certificates") {
    HomeCard home;
    HomeCardClient& card = *home.client;
    const HomePublicKey ec = must(card.readPublicKey(HomeKeyRef::kEc));
    CHECK(ec.point.size() == 65);
    const HomePublicKey rsa = must(card.readPublicKey(HomeKeyRef::kRsa));
    CHECK(rsa.modulus.size() == 256);

    const Bytes hash(32, 0x42);
    auto locked = card.sign(HomeKeyRef::kEc, hash);
    REQUIRE_FALSE(locked.ok());
    CHECK(locked.error().sw == 0x6982);
    REQUIRE(must(card.verifyPin1(kHomePin1)).verified());
    REQUIRE(must(card.verifyPin2(kHomePin2)).verified());
    CHECK(base::verifyEcdsaP256(ec.point, hash, must(card.sign(HomeKeyRef::kEc, hash))));
    CHECK(base::verifyRsaPkcs1(rsa.modulus, rsa.exponent, hash,
                               must(card.sign(HomeKeyRef::kRsa, hash))));
    // The key reference really switches: an EC signature after an RSA one.
    CHECK(base::verifyEcdsaP256(ec.point, hash, must(card.sign(HomeKeyRef::kEc, hash))));
    auto badHash = card.sign(HomeKeyRef::kEc, Bytes(31, 1));
    REQUIRE_FALSE(badHash.ok());
    CHECK(badHash.error().sw == 0x6A80);

    auto none = card.getCertificate(HomeKeyRef::kRsa);
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().sw == 0x6A88);
    // An RSA certificate is longer than one short APDU both ways: chaining and GET RESPONSE.
    const Bytes certificate = makeCertificate(rsa, "User RSA");
    REQUIRE(certificate.size() > 256);
    mustOk(card.putCertificate(HomeKeyRef::kRsa, certificate));
    CHECK(must(card.getCertificate(HomeKeyRef::kRsa)) == certificate);
    mustOk(card.putCertificate(HomeKeyRef::kRsa, {}));
    CHECK(card.getCertificate(HomeKeyRef::kRsa).error().sw == 0x6A88);
    auto junk = card.putCertificate(HomeKeyRef::kEc, Bytes{0x04, 0x01, 0x00});
    REQUIRE_FALSE(junk.ok());
    CHECK(junk.error().sw == 0x6A80);
  }

  TEST_CASE("home card: registries") {
    HomeCard home;
    HomeCardClient& card = *home.client;
    const Bytes id = bytesOf("laptop-1");
    const Bytes point = softwarePoint(11);
    CHECK(card.registryAdd(HomeRegistry::kTerminals, id, point).error().sw == 0x6982);
    REQUIRE(must(card.verifyPin1(kHomePin1)).verified());
    CHECK(must(card.registryList(HomeRegistry::kTerminals)).empty());
    mustOk(card.registryAdd(HomeRegistry::kTerminals, id, point));
    mustOk(card.registryAdd(HomeRegistry::kTerminals, bytesOf("phone-2"), softwarePoint(12)));
    mustOk(card.registryAdd(HomeRegistry::kShops, bytesOf("shop"), softwarePoint(13)));
    CHECK(card.registryAdd(HomeRegistry::kTerminals, id, point).error().sw == 0x6A89);
    const auto list = must(card.registryList(HomeRegistry::kTerminals));
    REQUIRE(list.size() == 2);
    CHECK(list[0].id == id);
    CHECK(list[0].point == point);
    CHECK(list[1].id == bytesOf("phone-2"));
    CHECK(must(card.registryGet(HomeRegistry::kTerminals, id)) == point);
    CHECK(card.registryGet(HomeRegistry::kBanks, id).error().sw == 0x6A88);
    mustOk(card.registryRemove(HomeRegistry::kTerminals, id));
    CHECK(card.registryGet(HomeRegistry::kTerminals, id).error().sw == 0x6A88);
    CHECK(card.registryRemove(HomeRegistry::kTerminals, id).error().sw == 0x6A88);
    CHECK(must(card.registryList(HomeRegistry::kTerminals)).size() == 1);
  }

  TEST_CASE("access card: unlocking, status, objects") {
    const Bytes homeKey = softwarePoint(21);
    AccessCard access(homeKey);
    AccessCardClient& card = *access.client;
    AccessCardStatus status = must(card.status());
    CHECK(status.operational());
    CHECK_FALSE(status.unlocked());
    CHECK(status.flags == 0x3F);
    const TerminalProfile profile = must(card.profile());
    CHECK(profile.kind == TerminalProfile::Kind::kLaptop);
    CHECK(profile.columns == 80);
    CHECK(profile.rows == 24);
    CHECK(profile.layout == TerminalProfile::Layout::kWide);
    const Bytes publicKey = must(card.readPublicKey());
    CHECK(publicKey.size() == 65);

    auto locked = card.terminalId();
    REQUIRE_FALSE(locked.ok());
    CHECK(locked.error().sw == 0x6982);
    CHECK(mentions(locked.error().message, "access card GET DATA terminal ID"));

    PinVerification wrong = must(card.verifyPin("1357"));
    CHECK(wrong.triesLeft == 2);
    CHECK(must(card.verifyPin(kAccessPin)).verified());
    CHECK(must(card.status()).security == AccessSecurityState::kUnlockedPin);
    CHECK(must(card.terminalId()) == kTerminalId);
    CHECK(must(card.homeServerKey()) == homeKey);
    CHECK(must(card.homeServerAddress()) == kHomeAddress);
    const Bytes hash(48, 0x17);
    CHECK(base::verifyEcdsaP256(publicKey, hash, must(card.sign(hash))));
    mustOk(card.lock());
    CHECK_FALSE(must(card.status()).unlocked());

    CHECK(must(card.verifyBiometric(flippedBits(biometricTemplate(), 12))).verified());
    CHECK(must(card.status()).security == AccessSecurityState::kUnlockedBio);
    PinVerification far = must(card.verifyBiometric(flippedBits(biometricTemplate(), 100)));
    CHECK(far.outcome == PinVerification::Outcome::kWrong);
    CHECK(far.triesLeft == 2);
    CHECK_FALSE(card.verifyBiometric(Bytes(31, 0)).ok());
  }

  TEST_CASE("access card: key shares, key agreement and resumption") {
    AccessCard access(softwarePoint(22));
    AccessCardClient& card = *access.client;
    auto locked = card.prepareShare(1000, 2000);
    REQUIRE_FALSE(locked.ok());
    CHECK(locked.error().sw == 0x6982);
    REQUIRE(must(card.verifyPin(kAccessPin)).verified());

    // The home server key on this card is softwarePoint(22): the same seed gives its private
    // half, which signs the server's point, the card's point and a transcript hash as the home
    // server would.
    auto homeRng = base::makeSeededRng(22);
    auto homeKey = must(base::EcKeyPair::generate(*homeRng));
    auto signRng = base::makeSeededRng(25);
    const Bytes transcriptHash(32, 0x5A);
    const Bytes keyScheduleHash(32, 0x6B);
    const Bytes ticketId(16, 0x7C);
    Bytes pending;  // the card's pending point
    auto serverSignature = [&](ByteView point) {
      return must(homeKey->signHash(
          protocol::channel::serverHelloSignedHash(point, pending, transcriptHash), *signRng));
    };
    auto agree = [&](ByteView point, ByteView signature) {
      return card.keyAgreement(point, transcriptHash, signature, keyScheduleHash, ticketId, 60'000);
    };
    const Bytes otherPoint = softwarePoint(23);
    auto none = agree(otherPoint, serverSignature(otherPoint));
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().sw == 0x6985);
    CHECK(mentions(none.error().message, "KEY AGREEMENT"));
    auto tooLong = card.prepareShare(1000, 1000 + 24ull * 3600 * 1000 + 1);
    REQUIRE_FALSE(tooLong.ok());
    CHECK(tooLong.error().sw == 0x6A80);
    CHECK_FALSE(must(card.prepareResume()).has_value());  // no ticket yet

    const PreparedShare share = must(card.prepareShare(1000, 2000));
    pending = share.point;
    CHECK(share.point.size() == 65);
    auto rng = base::makeSeededRng(24);
    auto server = must(base::EcKeyPair::generate(*rng));
    const Bytes point = server->publicPoint();
    const SecretBytes keys = must(agree(point, serverSignature(point)));
    const SecretBytes z = must(server->agree(share.point, *rng));
    auto expected = protocol::channel::deriveChannelKeys(
        z.view(), keyScheduleHash, protocol::channel::ChannelHandshakeKind::kFull);
    REQUIRE(expected.has_value());
    CHECK(keys == protocol::channel::encodeTrafficKeys(*expected));
    CHECK(agree(point, serverSignature(point)).error().sw == 0x6985);

    // Resumption: the card offers its ticket and a fresh point, then agrees once.
    const auto offer = must(card.prepareResume());
    REQUIRE(offer.has_value());
    CHECK(offer->ticketId == ticketId);
    auto serverResume = must(base::EcKeyPair::generate(*rng));
    const Bytes resumeHash(32, 0x1D);
    const Bytes newTicketId(16, 0x7D);
    const SecretBytes resumed =
        must(card.resumeAgreement(serverResume->publicPoint(), resumeHash, newTicketId, 60'000));
    const SecretBytes z2 = must(serverResume->agree(offer->point, *rng));
    SecretBytes ikm(64);
    std::copy(expected->resumptionSecret.data(), expected->resumptionSecret.data() + 32,
              ikm.data());
    std::copy(z2.data(), z2.data() + 32, ikm.data() + 32);
    auto expectedResumed = protocol::channel::deriveChannelKeys(
        ikm.view(), resumeHash, protocol::channel::ChannelHandshakeKind::kResumed);
    REQUIRE(expectedResumed.has_value());
    CHECK(resumed == protocol::channel::encodeTrafficKeys(*expectedResumed));
    // Rotated: the next offer names the new ticket.
    CHECK(must(card.prepareResume())->ticketId == newTicketId);
    (void)must(card.resumeAgreement(serverResume->publicPoint(), resumeHash, newTicketId, 60'000));
    // Single use: a second agreement on one offer is refused and uses the ticket up.
    CHECK(card.resumeAgreement(serverResume->publicPoint(), resumeHash, newTicketId, 60'000)
              .error()
              .sw == 0x6985);
    CHECK_FALSE(must(card.prepareResume()).has_value());

    // A signature by another key: 6300, and the share is used up.
    pending = must(card.prepareShare(1000, 2000)).point;
    auto impostorRng = base::makeSeededRng(26);
    auto impostor = must(base::EcKeyPair::generate(*impostorRng));
    const Bytes forged = must(impostor->signHash(
        protocol::channel::serverHelloSignedHash(point, pending, transcriptHash), *impostorRng));
    auto refused = agree(point, forged);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().sw == 0x6300);
    CHECK(mentions(refused.error().message, "authentication failed"));
    CHECK(agree(point, serverSignature(point)).error().sw == 0x6985);

    mustOk(card.lock());
    CHECK(card.prepareResume().error().sw == 0x6982);
    REQUIRE(must(card.verifyPin(kAccessPin)).verified());
    CHECK_FALSE(must(card.prepareResume()).has_value());  // the lock wiped the ticket
  }

  TEST_CASE("a transport failure is an error without a status word") {
    AccessCard access(softwarePoint(25));
    access.runtime->powerOff();
    auto status = access.client->status();
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().noAnswer());
    CHECK(mentions(status.error().message, "access card GET DATA status"));
  }
}

}  // namespace hp::card_adapters::test

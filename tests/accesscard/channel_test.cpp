// The control channel's card commands: PREPARE SHARE (80 50), KEY AGREEMENT (80 52, with the
// home server's signature the card checks) and the channel ticket DF 34, checked against the
// host's own channel code (messages.hpp, server_hello_statement.hpp).
#include <doctest.h>

#include "command_apdu.hpp"
#include "data_objects.hpp"
#include "ec_key.hpp"
#include "messages.hpp"
#include "server_hello_statement.hpp"
#include "test_card.hpp"
#include "tlv.hpp"

namespace hp::accesscard::test {

namespace {
constexpr uint64_t kCreated = 1'790'000'000'000;  // a wall-clock time in ms (2026)
constexpr uint64_t kHour = 3'600'000;

std::string windowHex(uint64_t created, uint64_t expires) {
  Bytes b;
  for (uint64_t v : {created, expires}) {
    for (int i = 7; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  return toHex(b);
}

Bytes proprietary(uint8_t ins, const std::string& dataHex, uint32_t ne = 256) {
  return card::encodeCommandApdu(0x80, ins, 0x00, 0x00, hexBytes(dataHex), ne);
}

Reply prepare(TestCard& c, uint64_t created = kCreated, uint64_t expires = kCreated + kHour) {
  return c.transceive(proprietary(0x50, windowHex(created, expires)));
}

// The home server's long-term key whose public half test_card's personalization puts in DF 31.
card::EcKeyPair& homeServerKey() {
  static const std::unique_ptr<card::EcKeyPair> key = [] {
    auto rng = card::makeSeededRng(7);  // as homeServerPoint()
    auto k = card::EcKeyPair::generate(*rng);
    REQUIRE(k.ok());
    return std::move(k.value());
  }();
  REQUIRE(key->publicPoint() == homeServerPoint());
  return *key;
}

// A transcript hash as the terminal would compute it (any 32 bytes do for the card).
const Bytes kTranscriptHash{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA,
                            0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                            0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};

Bytes serverSignature(ByteView point, ByteView transcriptHash = kTranscriptHash,
                      card::EcKeyPair& key = homeServerKey()) {
  auto rng = card::makeSeededRng(11);
  auto signature = key.signHash(card::serverHelloSignedHash(point, transcriptHash), *rng);
  REQUIRE(signature.ok());
  return signature.value();
}

// 86 41 <point> 90 20 <transcript hash> 9E L <signature>
Bytes keyAgreementData(ByteView point, ByteView transcriptHash, ByteView signature) {
  Bytes data = card::makeTlv(0x86, point);
  card::appendTlv(data, 0x90, transcriptHash);
  card::appendTlv(data, 0x9E, signature);
  return data;
}

Reply agreeRaw(TestCard& c, ByteView data) {
  return c.transceive(proprietary(0x52, toHex(data)));
}

// KEY AGREEMENT as the terminal sends it: the point signed by the home server.
Reply agree(TestCard& c, ByteView point) {
  return agreeRaw(c, keyAgreementData(point, kTranscriptHash, serverSignature(point)));
}

struct Share {
  Bytes point;
  Bytes signature;
};

Share parseShare(const Reply& r) {
  REQUIRE(r.sw == "9000");
  auto tlvs = card::parseTlvs(r.data);
  REQUIRE(tlvs.has_value());
  REQUIRE(tlvs->size() == 2);
  REQUIRE((*tlvs)[0].tag == 0x86);
  REQUIRE((*tlvs)[1].tag == 0x9E);
  return Share{(*tlvs)[0].value, (*tlvs)[1].value};
}

Bytes terminalPublicKey(TestCard& c) {
  const Reply r = c.send(apdu(0x47, 0x81, 0x01, "", 256));
  REQUIRE(r.sw == "9000");
  REQUIRE(r.data.size() == 2 + 3 + 65);  // 7F49 43 { 86 41 <point> }
  return Bytes(r.data.end() - 65, r.data.end());
}

std::unique_ptr<card::EcKeyPair> serverEphemeral(uint64_t seed) {
  auto rng = card::makeSeededRng(seed);
  auto key = card::EcKeyPair::generate(*rng);
  REQUIRE(key.ok());
  return std::move(key.value());
}

TestCard& unlockedCard(TestCard& c) {
  c.personalize();
  REQUIRE(c.verifyPin().sw == "9000");
  return c;
}
}  // namespace

TEST_SUITE("channel") {
  TEST_CASE("PREPARE SHARE: the terminal key signs channel::shareStatementHash of its own ID") {
    TestCard c;
    unlockedCard(c);
    const Share share = parseShare(prepare(c));
    CHECK(share.point.size() == 65);
    CHECK(objects::isValidP256Point(share.point));
    channel::SignedShare signedShare{"terminal-01", share.point, kCreated, kCreated + kHour,
                                     share.signature};
    const channel::Hash hash = channel::shareStatementHash(signedShare);
    CHECK(card::verifyEcdsaP256(terminalPublicKey(c), hash, share.signature));
    // Any other ID, point or window does not verify: the card signed exactly this statement.
    channel::SignedShare other = signedShare;
    other.terminalId = "terminal-02";
    CHECK_FALSE(card::verifyEcdsaP256(terminalPublicKey(c), channel::shareStatementHash(other),
                                      share.signature));
    other = signedShare;
    other.expiresAtMs += 1;
    CHECK_FALSE(card::verifyEcdsaP256(terminalPublicKey(c), channel::shareStatementHash(other),
                                      share.signature));
    // A second share has a fresh point.
    CHECK(parseShare(prepare(c)).point != share.point);
  }

  TEST_CASE("KEY AGREEMENT: the card's secret equals the server's, and works once") {
    TestCard c;
    unlockedCard(c);
    const Share share = parseShare(prepare(c));
    auto server = serverEphemeral(testSeed() + 1);
    auto rng = card::makeSeededRng(3);
    auto expected = server->agree(share.point, *rng);
    REQUIRE(expected.ok());
    const Reply r = agree(c, server->publicPoint());
    CHECK(r.sw == "9000");
    CHECK(r.data.size() == 32);
    CHECK(toHex(r.data) == toHex(expected.value().view()));
    CHECK_FALSE(c.applet->hasPendingShare());
    // Single use: the ephemeral key is gone.
    CHECK(agree(c, server->publicPoint()).sw == "6985");
  }

  TEST_CASE("the pending key is lost on lock, reset, deselect, idle lock and a failed PIN") {
    TestCard c;
    unlockedCard(c);
    auto server = serverEphemeral(5);
    const Bytes point = server->publicPoint();

    parseShare(prepare(c));
    CHECK(c.send(apdu(0x20, 0xFF, 0x81)).sw == "9000");  // LOCK
    REQUIRE(c.verifyPin().sw == "9000");
    CHECK(agree(c, point).sw == "6985");

    parseShare(prepare(c));
    c.runtime->reset();
    c.select();
    REQUIRE(c.verifyPin().sw == "9000");
    CHECK(agree(c, point).sw == "6985");

    parseShare(prepare(c));
    c.select();  // a new SELECT deselects first
    REQUIRE(c.verifyPin().sw == "9000");
    CHECK(agree(c, point).sw == "6985");

    parseShare(prepare(c));
    c.clock.advanceMs(AccessCardApplet::kIdleLockMs);
    CHECK(agree(c, point).sw == "6982");  // locked by the idle time-out
    REQUIRE(c.verifyPin().sw == "9000");
    CHECK(agree(c, point).sw == "6985");

    parseShare(prepare(c));
    CHECK(c.verifyPin("0000").sw == "63C2");
    CHECK_FALSE(c.applet->hasPendingShare());
    REQUIRE(c.verifyPin().sw == "9000");
    CHECK(agree(c, point).sw == "6985");

    // Just under the idle time the share survives.
    parseShare(prepare(c));
    c.clock.advanceMs(AccessCardApplet::kIdleLockMs - 1);
    CHECK(agree(c, point).sw == "9000");
  }

  TEST_CASE("a new PREPARE SHARE replaces the pending key") {
    TestCard c;
    unlockedCard(c);
    auto server = serverEphemeral(6);
    auto rng = card::makeSeededRng(4);
    parseShare(prepare(c));
    const Share second = parseShare(prepare(c));
    auto expected = server->agree(second.point, *rng);
    REQUIRE(expected.ok());
    CHECK(toHex(agree(c, server->publicPoint()).data) == toHex(expected.value().view()));
  }

  TEST_CASE("biometric unlock is enough; locked and personalization are refused") {
    TestCard c;
    CHECK(prepare(c).sw == "6985");  // personalization
    c.personalize();
    CHECK(prepare(c).sw == "6982");
    CHECK(agree(c, serverEphemeral(7)->publicPoint()).sw == "6982");
    REQUIRE(c.verifyBio(sampleAtDistance(3)).sw == "9000");
    const Share share = parseShare(prepare(c));
    CHECK(agree(c, serverEphemeral(7)->publicPoint()).sw == "9000");
    CHECK(share.point.size() == 65);
  }

  TEST_CASE("PREPARE SHARE: parameters, data and validity window") {
    TestCard c;
    unlockedCard(c);
    const std::string good = windowHex(kCreated, kCreated + kHour);
    CHECK(c.send(card::encodeCommandApdu(0x80, 0x50, 0x01, 0x00, hexBytes(good), 256)).sw ==
          "6A86");
    CHECK(c.send(proprietary(0x50, "")).sw == "6700");
    CHECK(c.send(proprietary(0x50, good + "00")).sw == "6A80");
    CHECK(c.send(proprietary(0x50, good.substr(2))).sw == "6A80");
    CHECK(prepare(c, kCreated, kCreated).sw == "6A80");
    CHECK(prepare(c, kCreated, kCreated - 1).sw == "6A80");
    CHECK(prepare(c, kCreated, kCreated + kMaxShareWindowMs + 1).sw == "6A80");
    CHECK(prepare(c, kCreated, kCreated + kMaxShareWindowMs).sw == "9000");
    CHECK(prepare(c, 0, 1).sw == "9000");
    // The checks come before the old key is dropped: a refused command leaves it pending.
    CHECK(prepare(c, kCreated, kCreated).sw == "6A80");
    CHECK(c.applet->hasPendingShare());
    // A short Le: not a read, so 61xx and GET RESPONSE, never 6Cxx.
    const Reply shortLe = c.send(proprietary(0x50, good, 0x10));
    CHECK(shortLe.sw.starts_with("61"));
    CHECK(shortLe.data.size() == 0x10);
    // No Le at all: all of it through GET RESPONSE.
    CHECK(c.send(proprietary(0x50, good, 0)).sw.starts_with("61"));
  }

  TEST_CASE("KEY AGREEMENT: parameters and points; any attempt uses the key up") {
    TestCard c;
    unlockedCard(c);
    const Bytes point = serverEphemeral(8)->publicPoint();
    CHECK(agree(c, point).sw == "6985");  // nothing prepared
    parseShare(prepare(c));
    const Bytes good = keyAgreementData(point, kTranscriptHash, serverSignature(point));
    CHECK(c.send(card::encodeCommandApdu(0x80, 0x52, 0x00, 0x01, good, 256)).sw == "6A86");
    CHECK(c.applet->hasPendingShare());  // refused before it touched the key
    Bytes offCurve = point;
    offCurve[64] ^= 0x01;
    CHECK(agree(c, offCurve).sw == "6A80");
    CHECK_FALSE(c.applet->hasPendingShare());
    parseShare(prepare(c));
    CHECK(agree(c, Bytes(point.begin(), point.end() - 1)).sw == "6A80");
    parseShare(prepare(c));
    CHECK(c.send(proprietary(0x52, "")).sw == "6700");
    CHECK(agree(c, point).sw == "6985");
    // Malformed data: each one 6A80, and each one uses the pending key up.
    const Bytes sig = serverSignature(point);
    const std::vector<Bytes> malformed = {
        point,                                                      // the old form: a bare point
        keyAgreementData(point, Bytes(31, 0x11), sig),              // hash not 32 bytes
        keyAgreementData(point, kTranscriptHash, Bytes(73, 0x30)),  // signature too long
        keyAgreementData(point, kTranscriptHash, Bytes{}),          // no signature
        [&] {                                                       // fields out of order
          Bytes d = card::makeTlv(0x90, kTranscriptHash);
          card::appendTlv(d, 0x86, point);
          card::appendTlv(d, 0x9E, sig);
          return d;
        }(),
        [&] {  // trailing bytes
          Bytes d = good;
          d.push_back(0x00);
          return d;
        }(),
    };
    for (const Bytes& data : malformed) {
      parseShare(prepare(c));
      CHECK(agreeRaw(c, data).sw == "6A80");
      CHECK_FALSE(c.applet->hasPendingShare());
    }
  }

  TEST_CASE("KEY AGREEMENT: the home server's signature is checked first; 6300 uses the key up") {
    TestCard c;
    unlockedCard(c);
    auto server = serverEphemeral(12);
    const Bytes point = server->publicPoint();
    auto impostor = serverEphemeral(13);  // any other key
    const Bytes other = serverEphemeral(14)->publicPoint();
    Bytes otherHash = kTranscriptHash;
    otherHash[31] ^= 0x80;
    const Bytes goodSignature = serverSignature(point);
    Bytes flipped = goodSignature;
    flipped[flipped.size() - 1] ^= 0x01;
    const std::vector<Bytes> forged = {
        keyAgreementData(point, kTranscriptHash,
                         serverSignature(point, kTranscriptHash, *impostor)),
        keyAgreementData(point, otherHash, goodSignature),        // another transcript
        keyAgreementData(other, kTranscriptHash, goodSignature),  // another point, same signature
        keyAgreementData(point, kTranscriptHash, flipped),
        keyAgreementData(point, kTranscriptHash, hexBytes("3006020101020101")),  // r = s = 1
    };
    for (const Bytes& data : forged) {
      parseShare(prepare(c));
      const Reply r = agreeRaw(c, data);
      CHECK(r.sw == "6300");
      CHECK(r.data.empty());
      CHECK_FALSE(c.applet->hasPendingShare());
      // The key is gone: the genuine signature comes too late.
      CHECK(agree(c, point).sw == "6985");
    }
    const Share share = parseShare(prepare(c));
    auto rng = card::makeSeededRng(15);
    auto expected = server->agree(share.point, *rng);
    REQUIRE(expected.ok());
    const Reply r = agreeRaw(c, keyAgreementData(point, kTranscriptHash, goodSignature));
    CHECK(r.sw == "9000");
    CHECK(toHex(r.data) == toHex(expected.value().view()));
  }

  TEST_CASE("a failing random generator: 6F00 and no pending key") {
    TestCard c;
    unlockedCard(c);
    c.rng->failing = true;
    CHECK(prepare(c).sw == "6F00");
    CHECK_FALSE(c.applet->hasPendingShare());
    c.rng->failing = false;
    CHECK(prepare(c).sw == "9000");
  }

  TEST_CASE("share and agreement write nothing: green while every store fails") {
    TestCard c;
    unlockedCard(c);
    const size_t storesBefore = c.storage.stores();
    c.storage.failNextStores(0, 1000);
    auto server = serverEphemeral(9);
    auto rng = card::makeSeededRng(10);
    const Share share = parseShare(prepare(c));
    auto expected = server->agree(share.point, *rng);
    REQUIRE(expected.ok());
    CHECK(toHex(agree(c, server->publicPoint()).data) == toHex(expected.value().view()));
    CHECK(c.storage.stores() == storesBefore);
    // The ticket, which is persistent, cannot be written meanwhile.
    CHECK(c.send(apdu(0xDA, 0xDF, 0x34, "0102")).sw == "6581");
    CHECK(c.send(apdu(0xCA, 0xDF, 0x34, "", 256)).sw == "6A88");
  }

  TEST_CASE("channel ticket DF 34: unlocked only, persistent, up to 512 bytes, erasable") {
    TestCard c;
    CHECK(c.send(apdu(0xDA, 0xDF, 0x34, "01")).sw == "6982");  // personalization: locked
    c.personalize();
    CHECK(c.send(apdu(0xDA, 0xDF, 0x34, "01")).sw == "6982");
    CHECK(c.send(apdu(0xCA, 0xDF, 0x34, "", 256)).sw == "6982");
    REQUIRE(c.verifyBio(sampleAtDistance(0)).sw == "9000");
    CHECK(c.send(apdu(0xCA, 0xDF, 0x34, "", 256)).sw == "6A88");
    Bytes ticket(512);
    for (size_t i = 0; i < ticket.size(); ++i) ticket[i] = static_cast<uint8_t>(i * 7);
    CHECK(c.send(apdu(0xDA, 0xDF, 0x34, toHex(ticket) + "00")).sw == "6A80");
    CHECK(c.send(apdu(0xDA, 0xDF, 0x34, toHex(ticket))).sw == "9000");
    CHECK(c.transceive(apdu(0xCA, 0xDF, 0x34, "", 256)).data == ticket);
    CHECK(c.send(apdu(0xCA, 0xDF, 0x34, "01", 256)).sw == "6700");
    // Persistent: survives a restart, and is readable again only after an unlock.
    c.reopen();
    CHECK(c.send(apdu(0xCA, 0xDF, 0x34, "", 256)).sw == "6982");
    REQUIRE(c.verifyPin().sw == "9000");
    CHECK(c.transceive(apdu(0xCA, 0xDF, 0x34, "", 1000)).data == ticket);
    // A failed write keeps the old ticket.
    c.storage.failNextStores(0, 1);
    CHECK(c.send(apdu(0xDA, 0xDF, 0x34, "AABB")).sw == "6581");
    CHECK(c.transceive(apdu(0xCA, 0xDF, 0x34, "", 1000)).data == ticket);
    // Empty data erases it.
    CHECK(c.send(apdu(0xDA, 0xDF, 0x34)).sw == "9000");
    CHECK(c.send(apdu(0xCA, 0xDF, 0x34, "", 256)).sw == "6A88");
    c.reopen();
    REQUIRE(c.verifyPin().sw == "9000");
    CHECK(c.send(apdu(0xCA, 0xDF, 0x34, "", 256)).sw == "6A88");
  }

  TEST_CASE("a version 1 image (before the ticket) still opens, as a card without a ticket") {
    TestCard c;
    c.personalize();
    Bytes image = *c.storage.image();
    REQUIRE(image[0] == AccessCardState::kFormatVersion);
    // Version 2 appends the ticket blob (u32 length 0 when empty): strip it, mark version 1.
    REQUIRE(Bytes(image.end() - 4, image.end()) == Bytes(4, 0));
    image.resize(image.size() - 4);
    image[0] = AccessCardState::kFormatVersionWithoutTicket;
    auto old = AccessCardState::deserialize(image);
    REQUIRE(old.has_value());
    CHECK(old->channelTicket.empty());
    CHECK(old->terminalId == bytesOf("terminal-01"));
    // ... but a version 1 image carrying a ticket blob is malformed (trailing bytes).
    Bytes withTicket = *c.storage.image();
    withTicket[0] = AccessCardState::kFormatVersionWithoutTicket;
    CHECK_FALSE(AccessCardState::deserialize(withTicket).has_value());
    // A ticket over 512 bytes in a version 2 image is refused.
    AccessCardState big = *AccessCardState::deserialize(*c.storage.image());
    big.channelTicket = SecretBytes(Bytes(513, 1));
    CHECK_FALSE(AccessCardState::deserialize(big.serialize()).has_value());
  }
}

}  // namespace hp::accesscard::test

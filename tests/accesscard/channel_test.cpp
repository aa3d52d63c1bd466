// The control channel's card commands: PREPARE SHARE (80 50), KEY AGREEMENT (80 52, with the
// home server's signature over the card's own point, which the card checks, and the key
// schedule run on the card), PREPARE RESUME (80 54) and RESUME AGREEMENT (80 56) with the
// ticket kept in the card's RAM, checked against the host's own channel code (messages.hpp,
// server_hello_statement.hpp, channel_key_schedule.hpp). DF 34 is gone.
#include <doctest.h>

#include <functional>
#include <optional>

#include "base/ec_key.hpp"
#include "base/tlv.hpp"
#include "card/accesscard/data_objects.hpp"
#include "host/channel/messages.hpp"
#include "protocol/apdu/command_apdu.hpp"
#include "protocol/channel/channel_key_schedule.hpp"
#include "protocol/channel/server_hello_statement.hpp"
#include "tests/accesscard/test_card.hpp"

namespace hp::card::accesscard::test {

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
  return protocol::apdu::encodeCommandApdu(0x80, ins, 0x00, 0x00, hexBytes(dataHex), ne);
}

// The point of the last share PREPARE SHARE answered: what the home server signs next to its own.
Bytes& pendingPoint() {
  static Bytes point;
  return point;
}

Reply prepare(TestCard& c, uint64_t created = kCreated, uint64_t expires = kCreated + kHour) {
  Reply r = c.transceive(proprietary(0x50, windowHex(created, expires)));
  if (r.sw == "9000") {
    auto tlvs = base::parseTlvs(r.data);
    if (tlvs && !tlvs->empty()) pendingPoint() = (*tlvs)[0].value;
  }
  return r;
}

// The home server's long-term key whose public half test_card's personalization puts in DF 31.
base::EcKeyPair& homeServerKey() {
  static const std::unique_ptr<base::EcKeyPair> key = [] {
    auto rng = base::makeSeededRng(7);  // as homeServerPoint()
    auto k = base::EcKeyPair::generate(*rng);
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

// The key schedule's transcript hash H(ClientHello || ServerHello), the ticket the server
// announces and its lifetime: any values do for the card.
const Bytes kKeyScheduleHash(32, 0x5A);
const Bytes kTicketId(16, 0x71);
constexpr uint64_t kTicketLifetimeMs = kHour;

Bytes u64Bytes(uint64_t v) {
  Bytes b;
  for (int i = 7; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return b;
}

// The home server's signature over its point, the terminal point (by default the card's pending
// one) and the transcript hash.
Bytes serverSignature(ByteView point, ByteView transcriptHash = kTranscriptHash,
                      base::EcKeyPair& key = homeServerKey(),
                      std::optional<Bytes> terminalPoint = std::nullopt) {
  auto rng = base::makeSeededRng(11);
  const Bytes terminal = terminalPoint ? *terminalPoint : pendingPoint();
  auto signature =
      key.signHash(protocol::channel::serverHelloSignedHash(point, terminal, transcriptHash), *rng);
  REQUIRE(signature.ok());
  return signature.value();
}

// 86 41 <point> 90 20 <transcript hash> 9E L <signature> 91 20 <key schedule hash>
// 92 10 <ticket ID> 93 08 <ticket lifetime>
Bytes keyAgreementData(ByteView point, ByteView transcriptHash, ByteView signature,
                       uint64_t lifetime = kTicketLifetimeMs) {
  Bytes data = base::makeTlv(0x86, point);
  base::appendTlv(data, 0x90, transcriptHash);
  base::appendTlv(data, 0x9E, signature);
  base::appendTlv(data, 0x91, kKeyScheduleHash);
  base::appendTlv(data, 0x92, kTicketId);
  base::appendTlv(data, 0x93, u64Bytes(lifetime));
  return data;
}

// What the card answers for an ECDH secret Z: this connection's keys (card::encodeTrafficKeys).
std::string expectedKeysHex(
    ByteView z, ByteView transcriptHash = kKeyScheduleHash,
    protocol::channel::ChannelHandshakeKind kind = protocol::channel::ChannelHandshakeKind::kFull) {
  auto keys = protocol::channel::deriveChannelKeys(z, transcriptHash, kind);
  REQUIRE(keys.has_value());
  return toHex(protocol::channel::encodeTrafficKeys(*keys).view());
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
  auto tlvs = base::parseTlvs(r.data);
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

std::unique_ptr<base::EcKeyPair> serverEphemeral(uint64_t seed) {
  auto rng = base::makeSeededRng(seed);
  auto key = base::EcKeyPair::generate(*rng);
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
    CHECK(card::accesscard::objects::isValidP256Point(share.point));
    channel::SignedShare signedShare{"terminal-01", share.point, kCreated, kCreated + kHour,
                                     share.signature};
    const channel::Hash hash = channel::shareStatementHash(signedShare);
    CHECK(base::verifyEcdsaP256(terminalPublicKey(c), hash, share.signature));
    // Any other ID, point or window does not verify: the card signed exactly this statement.
    channel::SignedShare other = signedShare;
    other.terminalId = "terminal-02";
    CHECK_FALSE(base::verifyEcdsaP256(terminalPublicKey(c), channel::shareStatementHash(other),
                                      share.signature));
    other = signedShare;
    other.expiresAtMs += 1;
    CHECK_FALSE(base::verifyEcdsaP256(terminalPublicKey(c), channel::shareStatementHash(other),
                                      share.signature));
    // A second share has a fresh point.
    CHECK(parseShare(prepare(c)).point != share.point);
  }

  TEST_CASE("KEY AGREEMENT: the card's secret equals the server's, and works once") {
    TestCard c;
    unlockedCard(c);
    const Share share = parseShare(prepare(c));
    auto server = serverEphemeral(testSeed() + 1);
    auto rng = base::makeSeededRng(3);
    auto expected = server->agree(share.point, *rng);
    REQUIRE(expected.ok());
    const Reply r = agree(c, server->publicPoint());
    CHECK(r.sw == "9000");
    CHECK(r.data.size() == protocol::channel::kTrafficKeysSize);
    CHECK(toHex(r.data) == expectedKeysHex(expected.value().view()));
    // Nothing of Z itself, nor the resumption secret, is in the answer.
    auto keys = protocol::channel::deriveChannelKeys(
        expected.value().view(), kKeyScheduleHash, protocol::channel::ChannelHandshakeKind::kFull);
    REQUIRE(keys.has_value());
    CHECK(toHex(r.data).find(toHex(keys->resumptionSecret.view())) == std::string::npos);
    CHECK(toHex(r.data).find(toHex(expected.value().view())) == std::string::npos);
    CHECK_FALSE(c.applet->hasPendingShare());
    CHECK(c.applet->hasTicket());
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
    auto rng = base::makeSeededRng(4);
    parseShare(prepare(c));
    const Share second = parseShare(prepare(c));
    auto expected = server->agree(second.point, *rng);
    REQUIRE(expected.ok());
    CHECK(toHex(agree(c, server->publicPoint()).data) == expectedKeysHex(expected.value().view()));
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
    CHECK(
        c.send(protocol::apdu::encodeCommandApdu(0x80, 0x50, 0x01, 0x00, hexBytes(good), 256)).sw ==
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
    CHECK(c.send(protocol::apdu::encodeCommandApdu(0x80, 0x52, 0x00, 0x01, good, 256)).sw ==
          "6A86");
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
    Bytes v1Form = base::makeTlv(0x86, point);  // protocol v1: point, hash, signature only
    base::appendTlv(v1Form, 0x90, kTranscriptHash);
    base::appendTlv(v1Form, 0x9E, sig);
    Bytes shortTicket = good;  // a 15-byte ticket ID
    shortTicket.erase(shortTicket.end() - 10 - 18, shortTicket.end());
    base::appendTlv(shortTicket, 0x92, Bytes(15, 1));
    base::appendTlv(shortTicket, 0x93, u64Bytes(1));
    const std::vector<Bytes> malformed = {
        point,  // the old form: a bare point
        v1Form,
        shortTicket,
        keyAgreementData(point, Bytes(31, 0x11), sig),              // hash not 32 bytes
        keyAgreementData(point, kTranscriptHash, Bytes(73, 0x30)),  // signature too long
        keyAgreementData(point, kTranscriptHash, Bytes{}),          // no signature
        [&] {                                                       // fields out of order
          Bytes d = base::makeTlv(0x90, kTranscriptHash);
          base::appendTlv(d, 0x86, point);
          base::appendTlv(d, 0x9E, sig);
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
    // Each forgery is built for the share pending when it is sent (its genuine signature would
    // verify), so each fails for its own reason.
    using Forgery = std::function<Bytes(const Bytes& previousShare)>;
    const std::vector<Forgery> forged = {
        [&](const Bytes&) {
          return keyAgreementData(point, kTranscriptHash,
                                  serverSignature(point, kTranscriptHash, *impostor));
        },
        [&](const Bytes&) {  // another transcript
          return keyAgreementData(point, otherHash, serverSignature(point));
        },
        [&](const Bytes&) {  // another point, same signature
          return keyAgreementData(other, kTranscriptHash, serverSignature(point));
        },
        [&](const Bytes&) {
          Bytes flipped = serverSignature(point);
          flipped[flipped.size() - 1] ^= 0x01;
          return keyAgreementData(point, kTranscriptHash, flipped);
        },
        [&](const Bytes&) {  // r = s = 1
          return keyAgreementData(point, kTranscriptHash, hexBytes("3006020101020101"));
        },
        // Issue 8 item 5: a genuine signature of the home server made for another share
        // (another card's, or this card's previous one) does not verify: the card puts in its
        // own pending point.
        [&](const Bytes&) {
          return keyAgreementData(point, kTranscriptHash,
                                  serverSignature(point, kTranscriptHash, homeServerKey(),
                                                  serverEphemeral(16)->publicPoint()));
        },
        [&](const Bytes& previousShare) {
          return keyAgreementData(
              point, kTranscriptHash,
              serverSignature(point, kTranscriptHash, homeServerKey(), previousShare));
        },
    };
    for (const Forgery& forge : forged) {
      const Bytes previousShare = pendingPoint();
      parseShare(prepare(c));
      const Reply r = agreeRaw(c, forge(previousShare));
      CHECK(r.sw == "6300");
      CHECK(r.data.empty());
      CHECK_FALSE(c.applet->hasPendingShare());
      CHECK_FALSE(c.applet->hasTicket());
      // The key is gone: the genuine signature comes too late.
      CHECK(agree(c, point).sw == "6985");
    }
    const Share share = parseShare(prepare(c));
    auto rng = base::makeSeededRng(15);
    auto expected = server->agree(share.point, *rng);
    REQUIRE(expected.ok());
    const Reply r = agreeRaw(c, keyAgreementData(point, kTranscriptHash, serverSignature(point)));
    CHECK(r.sw == "9000");
    CHECK(toHex(r.data) == expectedKeysHex(expected.value().view()));
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
    auto rng = base::makeSeededRng(10);
    const Share share = parseShare(prepare(c));
    auto expected = server->agree(share.point, *rng);
    REQUIRE(expected.ok());
    CHECK(toHex(agree(c, server->publicPoint()).data) == expectedKeysHex(expected.value().view()));
    // The ticket lives in RAM: resuming writes nothing either.
    CHECK(c.transceive(proprietary(0x54, "")).sw == "9000");
    CHECK(c.storage.stores() == storesBefore);
  }

  TEST_CASE("DF 34 is gone: the ticket is never host-readable or host-writable") {
    TestCard c;
    c.personalize();
    REQUIRE(c.verifyPin().sw == "9000");
    parseShare(prepare(c));
    REQUIRE(agree(c, serverEphemeral(20)->publicPoint()).sw == "9000");
    REQUIRE(c.applet->hasTicket());
    CHECK(c.send(apdu(0xCA, 0xDF, 0x34, "", 256)).sw == "6A88");
    CHECK(c.send(apdu(0xDA, 0xDF, 0x34, "0102")).sw == "6A88");
    CHECK(c.send(apdu(0xDA, 0xDF, 0x34)).sw == "6A88");
    CHECK(c.applet->hasTicket());  // nor can the host erase or replace it
  }

  TEST_CASE("version 1 and 2 images still open; a version 2 ticket is dropped") {
    TestCard c;
    c.personalize();
    const Bytes image = *c.storage.image();
    REQUIRE(image[0] == AccessCardState::kFormatVersion);
    // Version 2 appended a ticket blob (u32 length, then the bytes): add one, mark version 2.
    Bytes v2 = image;
    v2[0] = AccessCardState::kFormatVersionWithTicket;
    const Bytes ticket(57, 0xEE);
    for (int shift = 24; shift >= 0; shift -= 8) v2.push_back(static_cast<uint8_t>(57 >> shift));
    v2.insert(v2.end(), ticket.begin(), ticket.end());
    auto fromV2 = AccessCardState::deserialize(v2);
    REQUIRE(fromV2.has_value());
    CHECK(fromV2->terminalId == bytesOf("terminal-01"));
    // Written back, nothing of the ticket remains in the image.
    const Bytes rewritten = fromV2->serialize();
    CHECK(rewritten == image);
    CHECK(toHex(rewritten).find(toHex(ticket)) == std::string::npos);
    // Version 1 (no ticket field) still opens.
    Bytes v1 = image;
    v1[0] = AccessCardState::kFormatVersionWithoutTicket;
    CHECK(AccessCardState::deserialize(v1).has_value());
    // A version 3 image with a ticket blob is malformed (trailing bytes); so is a v2 without one.
    Bytes v3WithTicket = v2;
    v3WithTicket[0] = AccessCardState::kFormatVersion;
    CHECK_FALSE(AccessCardState::deserialize(v3WithTicket).has_value());
    Bytes v2Short = image;
    v2Short[0] = AccessCardState::kFormatVersionWithTicket;
    CHECK_FALSE(AccessCardState::deserialize(v2Short).has_value());
  }

  TEST_CASE("PREPARE RESUME and RESUME AGREEMENT: psk_dhe_ke on the card, ticket rotated") {
    TestCard c;
    unlockedCard(c);
    CHECK(c.send(proprietary(0x54, "")).sw == "6A88");  // no ticket yet
    // A full handshake leaves the ticket in the card's RAM.
    auto server = serverEphemeral(21);
    auto rng = base::makeSeededRng(22);
    const Share share = parseShare(prepare(c));
    auto z = server->agree(share.point, *rng);
    REQUIRE(z.ok());
    REQUIRE(agree(c, server->publicPoint()).sw == "9000");
    auto fullKeys = protocol::channel::deriveChannelKeys(
        z.value().view(), kKeyScheduleHash, protocol::channel::ChannelHandshakeKind::kFull);
    REQUIRE(fullKeys.has_value());

    // PREPARE RESUME: 92 10 <ticket ID> 86 41 <fresh point>.
    const Reply offer = c.transceive(proprietary(0x54, ""));
    REQUIRE(offer.sw == "9000");
    auto tlvs = base::parseTlvs(offer.data);
    REQUIRE((tlvs && tlvs->size() == 2));
    CHECK((*tlvs)[0].tag == 0x92);
    CHECK((*tlvs)[0].value == kTicketId);
    REQUIRE((*tlvs)[1].tag == 0x86);
    const Bytes resumePoint = (*tlvs)[1].value;
    CHECK(card::accesscard::objects::isValidP256Point(resumePoint));
    CHECK(resumePoint != share.point);

    // RESUME AGREEMENT: 86 41 <server point> 91 20 <hash> 92 10 <new ID> 93 08 <lifetime>.
    auto serverResume = serverEphemeral(23);
    const Bytes resumeHash(32, 0x3C);
    const Bytes newId(16, 0x72);
    Bytes data = base::makeTlv(0x86, serverResume->publicPoint());
    base::appendTlv(data, 0x91, resumeHash);
    base::appendTlv(data, 0x92, newId);
    base::appendTlv(data, 0x93, u64Bytes(kTicketLifetimeMs));
    const Reply r = c.transceive(proprietary(0x56, toHex(data)));
    REQUIRE(r.sw == "9000");
    // The server's view: IKM = resumption secret || Z2 (RFC 8446 psk_dhe_ke).
    auto z2 = serverResume->agree(resumePoint, *rng);
    REQUIRE(z2.ok());
    Bytes ikm(fullKeys->resumptionSecret.view().begin(), fullKeys->resumptionSecret.view().end());
    ikm.insert(ikm.end(), z2.value().view().begin(), z2.value().view().end());
    CHECK(toHex(r.data) ==
          expectedKeysHex(ikm, resumeHash, protocol::channel::ChannelHandshakeKind::kResumed));
    // The secret alone (a server compromised later) does not give these keys.
    CHECK(toHex(r.data) != expectedKeysHex(fullKeys->resumptionSecret.view(), resumeHash,
                                           protocol::channel::ChannelHandshakeKind::kResumed));
    // Rotated: the next offer has the new ID, with a fresh point.
    const Reply next = c.transceive(proprietary(0x54, ""));
    REQUIRE(next.sw == "9000");
    CHECK(base::parseTlvs(next.data)->at(0).value == newId);
    CHECK(base::parseTlvs(next.data)->at(1).value != resumePoint);
    REQUIRE(c.send(proprietary(0x56, toHex(data))).sw == "9000");  // resumes with it
    // Single use: a second RESUME AGREEMENT on the same offer finds no pending key, and the
    // attempt used the ticket up too (single use whatever the outcome).
    CHECK(c.send(proprietary(0x56, toHex(data))).sw == "6985");
    CHECK(c.send(proprietary(0x54, "")).sw == "6A88");
  }

  TEST_CASE("the ticket is wiped by a lock, the idle lock, a reset, expiry and a bad agreement") {
    TestCard c;
    unlockedCard(c);
    const auto fullHandshake = [&](uint64_t lifetime = kTicketLifetimeMs) {
      parseShare(prepare(c));
      const Bytes point = serverEphemeral(30)->publicPoint();
      REQUIRE(
          agreeRaw(c, keyAgreementData(point, kTranscriptHash, serverSignature(point), lifetime))
              .sw == "9000");
    };
    const auto offer = [&] { return c.send(proprietary(0x54, "")).sw; };
    fullHandshake();
    CHECK(c.send(apdu(0x20, 0xFF, 0x81)).sw == "9000");  // LOCK
    CHECK(offer() == "6982");
    REQUIRE(c.verifyPin().sw == "9000");
    CHECK(offer() == "6A88");

    fullHandshake();
    c.clock.advanceMs(AccessCardApplet::kIdleLockMs);
    CHECK(offer() == "6982");
    REQUIRE(c.verifyPin().sw == "9000");
    CHECK(offer() == "6A88");

    fullHandshake();
    c.runtime->reset();
    c.select();
    REQUIRE(c.verifyPin().sw == "9000");
    CHECK(offer() == "6A88");

    fullHandshake(1000);
    c.clock.advanceMs(999);
    CHECK(offer() == "9000");
    c.clock.advanceMs(1);
    CHECK(offer() == "6A88");
    CHECK_FALSE(c.applet->hasTicket());

    fullHandshake(0);  // the server issued no ticket
    CHECK_FALSE(c.applet->hasTicket());

    // The card caps the lifetime at 12 h (kept alive meanwhile: the idle lock would wipe it).
    fullHandshake(1000 * kHour);
    const uint64_t step = AccessCardApplet::kIdleLockMs - 60'000;
    uint64_t waited = 0;
    while (waited + step < kMaxTicketLifetimeMs) {
      c.clock.advanceMs(step);
      waited += step;
      REQUIRE(c.send(apdu(0xCA, 0xDF, 0x01, "", 256)).sw == "9000");  // status: activity
    }
    c.clock.advanceMs(kMaxTicketLifetimeMs - 1 - waited);
    CHECK(offer() == "9000");
    c.clock.advanceMs(1);
    CHECK(offer() == "6A88");

    // A malformed RESUME AGREEMENT uses the ticket up too (single use whatever the outcome).
    fullHandshake();
    REQUIRE(offer() == "9000");
    CHECK(c.send(proprietary(0x56, "8601FF")).sw == "6A80");
    CHECK_FALSE(c.applet->hasTicket());
    CHECK(offer() == "6A88");
  }

  TEST_CASE("PREPARE RESUME and RESUME AGREEMENT: class, parameters, data, security state") {
    TestCard c;
    c.personalize();
    CHECK(c.send(proprietary(0x54, "")).sw == "6982");
    CHECK(c.send(proprietary(0x56, "8601FF")).sw == "6982");
    CHECK(c.send(protocol::apdu::encodeCommandApdu(0x00, 0x54, 0x00, 0x00, {}, 256)).sw == "6E00");
    CHECK(c.send(protocol::apdu::encodeCommandApdu(0x00, 0x56, 0x00, 0x00, hexBytes("8601FF"), 256))
              .sw == "6E00");
    REQUIRE(c.verifyBio(sampleAtDistance(0)).sw == "9000");
    CHECK(c.send(protocol::apdu::encodeCommandApdu(0x80, 0x54, 0x00, 0x01, {}, 256)).sw == "6A86");
    CHECK(c.send(protocol::apdu::encodeCommandApdu(0x80, 0x56, 0x01, 0x00, hexBytes("8601FF"), 256))
              .sw == "6A86");
    CHECK(c.send(proprietary(0x54, "00")).sw == "6700");
    CHECK(c.send(proprietary(0x56, "")).sw == "6700");
    CHECK(c.send(proprietary(0x56, "8601FF")).sw == "6A80");
  }
}

}  // namespace hp::card::accesscard::test

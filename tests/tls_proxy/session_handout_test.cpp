// The compact session hand-out (session_handout.hpp): round trip, relative times, and a strict
// decoder that refuses every truncation and any trailing byte.
#include <doctest.h>

#include "host/tls_proxy/session_handout.hpp"

namespace hp::tls_proxy {

namespace {

constexpr int64_t kNow = 1'700'000'100;

SessionBlob sampleSession(size_t ticketSize) {
  SessionBlob blob;
  blob.ciphersuite = 0xC02B;
  Bytes master(48);
  for (size_t i = 0; i < master.size(); ++i) master[i] = static_cast<uint8_t>(i * 3 + 1);
  blob.masterSecret = SecretBytes(master);
  blob.sessionId = ticketSize == 0 ? Bytes(32, 0xA5) : Bytes{};
  blob.ticket = Bytes(ticketSize, 0x5C);
  blob.ticketLifetimeSeconds = ticketSize == 0 ? 0 : 7200;
  blob.extendedMasterSecret = true;
  blob.encryptThenMac = ticketSize != 0;
  blob.host = "shop.example.com";
  blob.port = 8443;
  blob.shopCertificateSha256.fill(0x11);
  blob.createdUnix = kNow - 100;
  blob.expiresUnix = kNow + 200;
  return blob;
}

Bytes handout(const SessionBlob& blob, int64_t now = kNow) {
  auto encoded = encodeSessionHandout(blob, now);
  REQUIRE(encoded.ok());
  return Bytes(encoded->view().begin(), encoded->view().end());
}

}  // namespace

TEST_SUITE("blob") {
  TEST_CASE("hand-out: a session-id session is 99 bytes and comes back whole") {
    const SessionBlob original = sampleSession(0);
    const Bytes bytes = handout(original);
    CHECK(bytes.size() == 99);
    // On a terminal whose clock is 1000 s ahead: the same age and time left on its clock.
    auto decoded = decodeSessionHandout(bytes, "shop.example.com", 8443, kNow + 1000);
    REQUIRE(decoded.ok());
    CHECK(decoded->ciphersuite == 0xC02B);
    CHECK(decoded->masterSecret == original.masterSecret);
    CHECK(decoded->sessionId == original.sessionId);
    CHECK(decoded->ticket.empty());
    CHECK(decoded->extendedMasterSecret);
    CHECK_FALSE(decoded->encryptThenMac);
    CHECK(decoded->host == "shop.example.com");
    CHECK(decoded->port == 8443);
    CHECK(decoded->createdUnix == kNow + 1000 - 100);
    CHECK(decoded->expiresUnix == kNow + 1000 + 200);
  }

  TEST_CASE("hand-out: a ticket session keeps its ticket and lifetime") {
    const SessionBlob original = sampleSession(300);
    const Bytes bytes = handout(original);
    CHECK(bytes.size() == 99 - 32 + 300);
    auto decoded = decodeSessionHandout(bytes, "shop.example.com", 8443, kNow);
    REQUIRE(decoded.ok());
    CHECK(decoded->ticket == original.ticket);
    CHECK(decoded->ticketLifetimeSeconds == 7200);
    CHECK(decoded->sessionId.empty());
    CHECK(decoded->encryptThenMac);
  }

  TEST_CASE("hand-out: an expired session is not handed out") {
    SessionBlob blob = sampleSession(0);
    CHECK_FALSE(encodeSessionHandout(blob, blob.expiresUnix).ok());
    blob.sessionId.clear();
    CHECK_FALSE(encodeSessionHandout(blob, kNow).ok());  // no id and no ticket
  }

  TEST_CASE("hand-out: the decoder is strict") {
    const Bytes good = handout(sampleSession(0));
    for (size_t n = 0; n < good.size(); ++n) {
      CHECK_FALSE(decodeSessionHandout(ByteView(good).first(n), "shop", 443, kNow).ok());
    }
    Bytes trailing = good;
    trailing.push_back(0);
    CHECK(decodeSessionHandout(trailing, "shop", 443, kNow).error().message ==
          "session hand-out: trailing bytes");
    Bytes version = good;
    version[0] = 2;
    CHECK_FALSE(decodeSessionHandout(version, "shop", 443, kNow).ok());
    Bytes suite = good;
    suite[1] = suite[2] = 0;
    CHECK_FALSE(decodeSessionHandout(suite, "shop", 443, kNow).ok());
    Bytes flags = good;
    flags[3] |= 0x04;
    CHECK(decodeSessionHandout(flags, "shop", 443, kNow).error().message ==
          "session hand-out: unknown flags");
    Bytes idLength = good;
    idLength[4 + 48] = 33;
    CHECK_FALSE(decodeSessionHandout(idLength, "shop", 443, kNow).ok());
    Bytes expired = good;
    std::fill(expired.end() - 4, expired.end(), uint8_t{0});
    CHECK(decodeSessionHandout(expired, "shop", 443, kNow).error().message ==
          "session hand-out: the session has expired");
  }
}

}  // namespace hp::tls_proxy

// SessionBlob: round trip and a strict decoder.
#include <doctest.h>

#include <algorithm>

#include "host/tls_proxy/session_blob.hpp"

namespace hp::tls_proxy {

namespace {

SessionBlob sampleBlob() {
  SessionBlob blob;
  blob.ciphersuite = 0xC02C;
  Bytes master(48);
  for (size_t i = 0; i < master.size(); ++i) master[i] = static_cast<uint8_t>(i + 1);
  blob.masterSecret = SecretBytes(master);
  blob.sessionId = Bytes(32, 0xAB);
  blob.ticket = Bytes(150, 0x5C);
  blob.ticketLifetimeSeconds = 7200;
  blob.extendedMasterSecret = true;
  blob.encryptThenMac = false;
  blob.host = "shop.example.com";
  blob.port = 443;
  blob.shopCertificateSha256.fill(0x11);
  blob.createdUnix = 1'700'000'000;
  blob.expiresUnix = 1'700'000'300;
  return blob;
}

Bytes encoded(const SessionBlob& blob) {
  auto result = encodeSessionBlob(blob);
  REQUIRE(result.ok());
  return Bytes(result->view().begin(), result->view().end());
}

// Offsets in the version-1 layout of sampleBlob() (32-byte id, 150-byte ticket).
constexpr size_t kVersionOffset = 4;
constexpr size_t kIdLengthOffset = 4 + 1 + 2 + 48;
constexpr size_t kTicketLengthOffset = kIdLengthOffset + 1 + 32;
constexpr size_t kFlagsOffset = kTicketLengthOffset + 2 + 150 + 4;
constexpr size_t kHostLengthOffset = kFlagsOffset + 1;
constexpr size_t kHostOffset = kHostLengthOffset + 1;

}  // namespace

TEST_SUITE("blob") {
  TEST_CASE("a session blob survives encode and decode with every field") {
    const SessionBlob original = sampleBlob();
    const Bytes bytes = encoded(original);
    // Compact: fixed fields + id + ticket + host.
    CHECK(bytes.size() == 4 + 1 + 2 + 48 + 1 + 32 + 2 + 150 + 4 + 1 + 1 + 16 + 2 + 32 + 8 + 8);
    auto decoded = decodeSessionBlob(bytes);
    REQUIRE(decoded.ok());
    CHECK(decoded->ciphersuite == original.ciphersuite);
    CHECK(decoded->masterSecret == original.masterSecret);
    CHECK(decoded->sessionId == original.sessionId);
    CHECK(decoded->ticket == original.ticket);
    CHECK(decoded->ticketLifetimeSeconds == 7200);
    CHECK(decoded->extendedMasterSecret);
    CHECK_FALSE(decoded->encryptThenMac);
    CHECK(decoded->host == "shop.example.com");
    CHECK(decoded->port == 443);
    CHECK(decoded->shopCertificateSha256 == original.shopCertificateSha256);
    CHECK(decoded->createdUnix == original.createdUnix);
    CHECK(decoded->expiresUnix == original.expiresUnix);
  }

  TEST_CASE("session-id-only and ticket-only blobs both round trip") {
    SessionBlob idOnly = sampleBlob();
    idOnly.ticket.clear();
    idOnly.encryptThenMac = true;
    auto a = decodeSessionBlob(encoded(idOnly));
    REQUIRE(a.ok());
    CHECK(a->ticket.empty());
    CHECK(a->encryptThenMac);
    SessionBlob ticketOnly = sampleBlob();
    ticketOnly.sessionId.clear();
    auto b = decodeSessionBlob(encoded(ticketOnly));
    REQUIRE(b.ok());
    CHECK(b->sessionId.empty());
    CHECK(b->ticket.size() == 150);
  }

  TEST_CASE("every truncation and any trailing byte is refused") {
    const Bytes bytes = encoded(sampleBlob());
    for (size_t length = 0; length < bytes.size(); ++length) {
      CAPTURE(length);
      CHECK_FALSE(decodeSessionBlob(ByteView(bytes).first(length)).ok());
    }
    Bytes longer = bytes;
    longer.push_back(0);
    auto result = decodeSessionBlob(longer);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message.find("trailing") != std::string::npos);
  }

  TEST_CASE("malformed fields are refused") {
    const Bytes good = encoded(sampleBlob());
    auto refused = [&](const char* what, auto&& mutate) {
      Bytes bytes = good;
      mutate(bytes);
      INFO(std::string(what));
      CHECK_FALSE(decodeSessionBlob(bytes).ok());
    };
    refused("bad magic", [](Bytes& b) { b[0] = 'X'; });
    refused("version 2", [](Bytes& b) { b[kVersionOffset] = 2; });
    refused("version 0", [](Bytes& b) { b[kVersionOffset] = 0; });
    refused("ciphersuite 0", [](Bytes& b) { b[5] = 0, b[6] = 0; });
    refused("id length 33", [](Bytes& b) { b[kIdLengthOffset] = 33; });
    refused("ticket length beyond the end", [](Bytes& b) { b[kTicketLengthOffset] = 0xFF; });
    refused("unknown flag", [](Bytes& b) { b[kFlagsOffset] |= 0x04; });
    refused("empty host", [](Bytes& b) { b[kHostLengthOffset] = 0; });
    refused("space in host", [](Bytes& b) { b[kHostOffset + 4] = ' '; });
    refused("slash in host", [](Bytes& b) { b[kHostOffset + 4] = '/'; });
    refused("NUL in host", [](Bytes& b) { b[kHostOffset] = 0; });
    refused("port 0", [](Bytes& b) {
      b[kHostOffset + 16] = 0;
      b[kHostOffset + 17] = 0;
    });
    refused("expiry before creation", [](Bytes& b) { std::fill(b.end() - 8, b.end(), 0); });
    refused("creation beyond int64", [](Bytes& b) { std::fill(b.end() - 16, b.end(), 0xFF); });
    refused("expiry equals creation",
            [](Bytes& b) { std::copy(b.end() - 16, b.end() - 8, b.end() - 8); });
  }

  TEST_CASE("a blob without session id and ticket is refused both ways") {
    SessionBlob blob = sampleBlob();
    blob.sessionId.clear();
    blob.ticket.clear();
    CHECK_FALSE(encodeSessionBlob(blob).ok());
    // The same blob built by hand: id length 0, ticket length 0.
    Bytes bytes = encoded(sampleBlob());
    Bytes stripped(bytes.begin(), bytes.begin() + kIdLengthOffset);
    stripped.push_back(0);                         // id length
    stripped.push_back(0), stripped.push_back(0);  // ticket length
    stripped.insert(stripped.end(), bytes.begin() + kTicketLengthOffset + 2 + 150, bytes.end());
    auto result = decodeSessionBlob(stripped);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message.find("neither a session id nor a ticket") != std::string::npos);
  }

  TEST_CASE("the encoder refuses what the decoder would refuse") {
    SessionBlob blob = sampleBlob();
    blob.masterSecret = SecretBytes(Bytes(47, 1));
    CHECK_FALSE(encodeSessionBlob(blob).ok());
    blob = sampleBlob();
    blob.host = "shop example";
    CHECK_FALSE(encodeSessionBlob(blob).ok());
    blob = sampleBlob();
    blob.sessionId = Bytes(33, 1);
    CHECK_FALSE(encodeSessionBlob(blob).ok());
    blob = sampleBlob();
    blob.port = 0;
    CHECK_FALSE(encodeSessionBlob(blob).ok());
  }
}

}  // namespace hp::tls_proxy

// RecordObserver: handshake types in the clear, ServerHello extensions, any chunking.
#include <doctest.h>

#include "host/tls_proxy/record_observer.hpp"

namespace hp::tls_proxy {

namespace {

Bytes record(uint8_t type, const Bytes& payload) {
  Bytes out = {type, 0x03, 0x03, static_cast<uint8_t>(payload.size() >> 8),
               static_cast<uint8_t>(payload.size())};
  append(out, payload);
  return out;
}

Bytes handshake(uint8_t type, const Bytes& body) {
  Bytes out = {type, 0, static_cast<uint8_t>(body.size() >> 8), static_cast<uint8_t>(body.size())};
  append(out, body);
  return out;
}

// ServerHello body with a 32-byte session id and the given extensions (empty data).
Bytes serverHelloBody(const std::vector<uint16_t>& extensions) {
  Bytes body = {0x03, 0x03};
  body.insert(body.end(), 32, 0x77);  // random
  body.push_back(32);
  body.insert(body.end(), 32, 0x55);  // session id
  appendU16(body, 0xC02B);
  body.push_back(0);
  Bytes ext;
  for (uint16_t type : extensions) {
    appendU16(ext, type);
    appendU16(ext, 0);
  }
  appendU16(body, static_cast<uint16_t>(ext.size()));
  append(body, ext);
  return body;
}

}  // namespace

TEST_SUITE("record") {
  TEST_CASE("ServerHello extensions are listed, malformed bodies refused") {
    const Bytes body = serverHelloBody({0xFF01, kExtensionExtendedMasterSecret, 0x0023});
    auto types = serverHelloExtensions(body);
    REQUIRE(types.has_value());
    CHECK(*types == std::vector<uint16_t>{0xFF01, 0x0017, 0x0023});
    CHECK(serverHelloExtensions(ByteView(body).first(body.size() - 1)) == std::nullopt);
    CHECK(serverHelloExtensions(ByteView(body).first(10)) == std::nullopt);
    // No extensions block at all is valid (RFC 5246, 7.4.1.3).
    const Bytes bare(body.begin(), body.begin() + 2 + 32 + 1 + 32 + 3);
    auto none = serverHelloExtensions(bare);
    REQUIRE(none.has_value());
    CHECK(none->empty());
  }

  TEST_CASE("types before ChangeCipherSpec are seen, whatever the chunking") {
    // ServerHello and NewSessionTicket in one record, then CCS, then an "encrypted" record whose
    // bytes look like a Certificate message and must not be counted.
    Bytes stream;
    Bytes flight = handshake(handshake_type::kServerHello, serverHelloBody({0x0017}));
    append(flight, handshake(handshake_type::kNewSessionTicket, Bytes(40, 1)));
    append(stream, record(22, flight));
    append(stream, record(20, {1}));
    append(stream, record(22, handshake(handshake_type::kCertificate, Bytes(10, 2))));
    for (size_t chunk : {size_t{1}, size_t{3}, size_t{7}, stream.size()}) {
      CAPTURE(chunk);
      RecordObserver observer;
      for (size_t at = 0; at < stream.size(); at += chunk) {
        observer.feed(ByteView(stream).subspan(at, std::min(chunk, stream.size() - at)));
      }
      CHECK(observer.changeCipherSpecSeen());
      CHECK_FALSE(observer.malformed());
      CHECK(observer.clearHandshakeTypes() ==
            std::vector<uint8_t>{handshake_type::kServerHello, handshake_type::kNewSessionTicket});
      CHECK(observer.serverHelloBody() == serverHelloBody({0x0017}));
    }
  }

  TEST_CASE("a handshake message split over two records is seen once") {
    const Bytes message = handshake(handshake_type::kCertificate, Bytes(100, 9));
    RecordObserver observer;
    observer.feed(record(22, Bytes(message.begin(), message.begin() + 30)));
    CHECK(observer.clearHandshakeTypes().empty());
    observer.feed(record(22, Bytes(message.begin() + 30, message.end())));
    CHECK(observer.clearHandshakeTypes() == std::vector<uint8_t>{handshake_type::kCertificate});
  }
}

}  // namespace hp::tls_proxy

// Certificates (PUT DATA / GET DATA with command and response chaining) and the status object.
#include "protocol/apdu/command_apdu.hpp"
#include "tests/homecard/test_card.hpp"

using hp::base::Bytes;
using hp::base::toHex;
using hp::card::homecard::test::TestCard;

namespace {
// A DER SEQUENCE of exactly `total` bytes (30 82 LL LL + content), content from `seed`.
Bytes derSequence(size_t total, uint8_t seed) {
  Bytes der{0x30, 0x82, static_cast<uint8_t>((total - 4) >> 8), static_cast<uint8_t>(total - 4)};
  for (size_t i = 4; i < total; ++i) der.push_back(static_cast<uint8_t>(seed + i * 7));
  return der;
}

// Sends `data` with command chaining in pieces of at most 255 bytes; returns the last SW.
std::string putChained(TestCard& card, uint8_t p2, const Bytes& data) {
  size_t offset = 0;
  while (true) {
    const size_t n = std::min<size_t>(255, data.size() - offset);
    const bool last = offset + n == data.size();
    const Bytes piece(data.begin() + static_cast<long>(offset),
                      data.begin() + static_cast<long>(offset + n));
    const auto r = card.send(
        hp::protocol::apdu::encodeCommandApdu(last ? 0x00 : 0x10, 0xDA, 0xDF, p2, piece, 0));
    offset += n;
    if (last || r.sw != "9000") return r.sw;
  }
}
}  // namespace

TEST_SUITE("data") {
  TEST_CASE("a 3000-byte certificate goes in by command chaining and out by GET RESPONSE") {
    TestCard card;
    card.personalize();
    card.verifyPin1();
    const Bytes certificate = derSequence(3000, 3);
    CHECK(putChained(card, 0x21, certificate) == "9000");
    // Response chaining by hand: 256 bytes per GET RESPONSE, 61xx announcing the rest.
    auto r = card.send("00 CA DF 21 00");
    CHECK(r.sw == "6100");
    Bytes all = r.data;
    size_t rounds = 0;
    while (r.sw.starts_with("61")) {
      r = card.send("00 C0 00 00 00");
      hp::base::append(all, r.data);
      ++rounds;
    }
    CHECK(r.sw == "9000");
    CHECK(rounds == 11);  // 3000 = 11 * 256 + 184
    CHECK(all == certificate);
    // Readable in any security state, after a restart too.
    card.reopen();
    card.select();
    CHECK(card.transceive("00 CA DF 21 00").data == certificate);
    CHECK(card.send("00 CA DF 22 00").sw == "6A88");
  }

  TEST_CASE("PUT DATA: PIN1 needed, DER only, 4096 bytes at most, empty deletes") {
    TestCard card;
    card.personalize();
    CHECK(card.send("00 DA DF 21 04 30 02 05 00").sw == "6982");
    card.verifyPin1();
    CHECK(card.send("00 DA DF 23 04 30 02 05 00").sw == "6A86");
    CHECK(card.send("00 DA 00 21 04 30 02 05 00").sw == "6A86");
    CHECK(card.send("00 DA DF 21 04 31 02 05 00").sw == "6A80");        // a SET
    CHECK(card.send("00 DA DF 21 04 30 05 05 00").sw == "6A80");        // truncated
    CHECK(card.send("00 DA DF 21 05 30 02 05 00 00").sw == "6A80");     // trailing byte
    CHECK(card.send("00 DA DF 21 06 30 00 30 02 05 00").sw == "6A80");  // two SEQUENCEs
    const Bytes biggest = derSequence(4096, 9);
    CHECK(card.send(hp::protocol::apdu::encodeCommandApdu(0x00, 0xDA, 0xDF, 0x22, biggest, 0)).sw ==
          "9000");
    CHECK(card.transceive("00 CA DF 22 00").data == biggest);
    const Bytes tooBig = derSequence(4097, 9);
    CHECK(card.send(hp::protocol::apdu::encodeCommandApdu(0x00, 0xDA, 0xDF, 0x21, tooBig, 0)).sw ==
          "6A84");
    CHECK(putChained(card, 0x21, tooBig) == "6A84");
    CHECK(card.send("00 CA DF 21 00").sw == "6A88");
    // Standby is enough; crypto too.
    card.verifyPin2();
    CHECK(card.send("00 DA DF 21 04 30 02 05 00").sw == "9000");
    CHECK(toHex(card.send("00 CA DF 21 00").data) == "30020500");
    CHECK(card.send("00 DA DF 22").sw == "9000");  // empty data: delete
    CHECK(card.send("00 CA DF 22 00").sw == "6A88");
    CHECK(toHex(card.send("00 CA DF 21 00").data) == "30020500");
  }

  TEST_CASE("GET DATA: status any time, 6Cxx on a short Le, errors") {
    TestCard card;
    card.personalize();
    CHECK(card.send("00 CA DF 01 05").sw == "6C12");
    const auto status = card.send("00 CA DF 01 12");
    CHECK(status.sw == "9000");
    CHECK(toHex(status.data) == "800102810100820103830103840103850100");
    CHECK(card.send("00 CA DF 01 01 00 00").sw == "6700");
    CHECK(card.send("00 CA DF 02 00").sw == "6A86");
    CHECK(card.send("00 CA 00 00 00").sw == "6A86");
    CHECK(card.send("00 CA DF 21 00").sw == "6A88");
  }
}

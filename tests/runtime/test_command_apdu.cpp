// parseCommandApdu / encodeCommandApdu: every case of ISO/IEC 7816-4:2020 clause 5.2 and every
// malformed length field.
#include <doctest.h>

#include "protocol/apdu/command_apdu.hpp"
#include "tests/runtime/test_helpers.hpp"

using hp::base::Bytes;
using hp::test::hex;
using namespace hp::protocol::apdu;

namespace {
CommandApdu parsedOk(const Bytes& raw) {
  auto r = parseCommandApdu(raw);
  REQUIRE(r.ok());
  return r.value();
}
StatusWord parsedError(const Bytes& raw) {
  auto r = parseCommandApdu(raw);
  REQUIRE_FALSE(r.ok());
  return r.error();
}
Bytes filled(size_t n, uint8_t v) {
  return Bytes(n, v);
}
}  // namespace

TEST_CASE("case 1: header only") {
  const auto c = parsedOk(hex("00 A4 04 0C"));
  CHECK(c.cla == 0x00);
  CHECK(c.ins == 0xA4);
  CHECK(c.p1 == 0x04);
  CHECK(c.p2 == 0x0C);
  CHECK(c.apduCase == ApduCase::k1);
  CHECK(c.data.empty());
  CHECK(c.ne == 0);
  CHECK_FALSE(c.extended);
  CHECK(c.p1p2() == 0x040C);
}

TEST_CASE("case 2S: Le byte, 00 means 256") {
  auto c = parsedOk(hex("00 B0 00 00 10"));
  CHECK(c.apduCase == ApduCase::k2);
  CHECK(c.ne == 16);
  CHECK(c.data.empty());
  c = parsedOk(hex("00 B0 00 00 00"));
  CHECK(c.ne == 256);
  CHECK_FALSE(c.extended);
}

TEST_CASE("case 3S: Lc and data") {
  const auto c = parsedOk(hex("00 20 00 81 04 31 32 33 34"));
  CHECK(c.apduCase == ApduCase::k3);
  CHECK(c.data == hex("31323334"));
  CHECK(c.ne == 0);
  // The shortest case 3S: Lc 01 and one data byte (body of two bytes).
  const auto one = parsedOk(hex("00 20 00 81 01 AA"));
  CHECK(one.apduCase == ApduCase::k3);
  CHECK(one.data == hex("AA"));
  // The longest: Lc FF.
  Bytes raw = hex("00 DA 00 00 FF");
  hp::base::append(raw, filled(255, 0x5A));
  CHECK(parsedOk(raw).data.size() == 255);
}

TEST_CASE("case 4S: Lc, data and Le") {
  auto c = parsedOk(hex("00 88 00 00 02 AB CD 20"));
  CHECK(c.apduCase == ApduCase::k4);
  CHECK(c.data == hex("ABCD"));
  CHECK(c.ne == 0x20);
  c = parsedOk(hex("00 88 00 00 02 AB CD 00"));
  CHECK(c.ne == 256);
  CHECK_FALSE(c.extended);
}

TEST_CASE("case 2E: extended Le, 0000 means 65536") {
  auto c = parsedOk(hex("00 B0 00 00 00 01 00"));
  CHECK(c.apduCase == ApduCase::k2);
  CHECK(c.extended);
  CHECK(c.ne == 256);
  c = parsedOk(hex("00 B0 00 00 00 00 00"));
  CHECK(c.ne == 65536);
  c = parsedOk(hex("00 B0 00 00 00 FF FF"));
  CHECK(c.ne == 65535);
}

TEST_CASE("case 3E: extended Lc and data") {
  Bytes raw = hex("00 DA 00 00 00 01 2C");
  hp::base::append(raw, filled(300, 0x11));
  const auto c = parsedOk(raw);
  CHECK(c.apduCase == ApduCase::k3);
  CHECK(c.extended);
  CHECK(c.data == filled(300, 0x11));
  CHECK(c.ne == 0);
  // Extended encoding of a short length is legal.
  const auto small = parsedOk(hex("00 DA 00 00 00 00 01 77"));
  CHECK(small.apduCase == ApduCase::k3);
  CHECK(small.data == hex("77"));
}

TEST_CASE("case 4E: extended Lc, data and two-byte Le") {
  Bytes raw = hex("00 2A 9E 9A 00 01 00");
  hp::base::append(raw, filled(256, 0x22));
  hp::base::append(raw, hex("02 00"));
  auto c = parsedOk(raw);
  CHECK(c.apduCase == ApduCase::k4);
  CHECK(c.extended);
  CHECK(c.data.size() == 256);
  CHECK(c.ne == 512);
  raw[raw.size() - 2] = 0;
  raw[raw.size() - 1] = 0;
  c = parsedOk(raw);
  CHECK(c.ne == 65536);
}

TEST_CASE("every malformed length gives 6700") {
  // ISO 7816-4 5.1: fewer than four header bytes.
  CHECK(parsedError({}) == sw::kWrongLength);
  CHECK(parsedError(hex("00")) == sw::kWrongLength);
  CHECK(parsedError(hex("00 A4")) == sw::kWrongLength);
  CHECK(parsedError(hex("00 A4 04")) == sw::kWrongLength);
  // Short Lc larger than the data present.
  CHECK(parsedError(hex("00 20 00 81 04 31 32 33")) == sw::kWrongLength);
  // Short Lc smaller than the data present by more than one Le byte.
  CHECK(parsedError(hex("00 20 00 81 02 31 32 33 34")) == sw::kWrongLength);
  // Two body bytes starting with 00: neither short (Lc 00 is invalid) nor extended (too short).
  CHECK(parsedError(hex("00 B0 00 00 00 05")) == sw::kWrongLength);
  // Extended Lc 0000 is not an encoding of Nc, with or without something after it.
  CHECK(parsedError(hex("00 DA 00 00 00 00 00 01")) == sw::kWrongLength);
  CHECK(parsedError(hex("00 DA 00 00 00 00 00 01 02")) == sw::kWrongLength);
  CHECK(parsedError(hex("00 DA 00 00 00 00 00 01 02 03")) == sw::kWrongLength);
  // Extended Lc larger than the data present.
  CHECK(parsedError(hex("00 DA 00 00 00 00 05 01 02 03")) == sw::kWrongLength);
  // Extended case 4 with a one-byte Le.
  CHECK(parsedError(hex("00 DA 00 00 00 00 02 AA BB 10")) == sw::kWrongLength);
  // Extended case 4 with three Le bytes.
  CHECK(parsedError(hex("00 DA 00 00 00 00 02 AA BB 10 00 00")) == sw::kWrongLength);
}

TEST_CASE("every short body length parses or gives 6700, never anything else") {
  for (size_t n = 0; n < 300; ++n) {
    Bytes raw = hex("00 DA 00 00");
    hp::base::append(raw, filled(n, static_cast<uint8_t>(n)));
    auto r = parseCommandApdu(raw);
    if (!r.ok()) CHECK(r.error() == sw::kWrongLength);
  }
}

TEST_CASE("encodeCommandApdu round-trips through parseCommandApdu") {
  struct Shape {
    size_t nc;
    uint32_t ne;
    bool forceExtended;
    ApduCase expectedCase;
    bool expectedExtended;
  };
  const Shape shapes[] = {
      {0, 0, false, ApduCase::k1, false},      {0, 1, false, ApduCase::k2, false},
      {0, 256, false, ApduCase::k2, false},    {0, 257, false, ApduCase::k2, true},
      {0, 65536, false, ApduCase::k2, true},   {1, 0, false, ApduCase::k3, false},
      {255, 0, false, ApduCase::k3, false},    {256, 0, false, ApduCase::k3, true},
      {10, 16, false, ApduCase::k4, false},    {10, 256, false, ApduCase::k4, false},
      {300, 65536, false, ApduCase::k4, true}, {5, 5, true, ApduCase::k4, true},
      {0, 5, true, ApduCase::k2, true},        {5, 0, true, ApduCase::k3, true},
  };
  for (const Shape& s : shapes) {
    CAPTURE(s.nc);
    CAPTURE(s.ne);
    const Bytes data = filled(s.nc, 0xC3);
    const Bytes raw = encodeCommandApdu(0x80, 0x2A, 0x9E, 0x9A, data, s.ne, s.forceExtended);
    const auto c = parsedOk(raw);
    CHECK(c.cla == 0x80);
    CHECK(c.ins == 0x2A);
    CHECK(c.p1 == 0x9E);
    CHECK(c.p2 == 0x9A);
    CHECK(c.data == data);
    CHECK(c.ne == s.ne);
    CHECK(c.apduCase == s.expectedCase);
    CHECK(c.extended == s.expectedExtended);
  }
  CHECK(encodeCommandApdu(0x00, 0xB0, 0, 0, {}, 256) == hex("00 B0 00 00 00"));
  CHECK(encodeCommandApdu(0x00, 0xB0, 0, 0, {}, 65536) == hex("00 B0 00 00 00 00 00"));
}

#include "tests/accesscard/test_card.hpp"

#include <cstdlib>
#include <iostream>
#include <random>

#include "base/ec_key.hpp"
#include "protocol/apdu/command_apdu.hpp"
#include "tests/support/test_seed.hpp"

namespace hp::card::accesscard::test {

uint64_t testSeed() {
  return hp::test::testSeed("accesscard tests");
}

std::string asciiHex(std::string_view text) {
  return toHex(ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Bytes hexBytes(std::string_view hex) {
  auto b = fromHex(hex);
  REQUIRE_MESSAGE(b.has_value(), "bad hex in test: ", std::string(hex));
  return *b;
}

std::string swHex(uint16_t sw) {
  const Bytes b{static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw)};
  return toHex(b);
}

Bytes sampleAtDistance(unsigned bits) {
  Bytes code = hexBytes(kTemplateHex);
  for (unsigned i = 0; i < bits; ++i) code[i / 8] ^= static_cast<uint8_t>(0x80 >> (i % 8));
  return code;
}

std::string enrollmentHex(ByteView code, uint8_t threshold) {
  const Bytes t{threshold};
  return "7F2E" + toHex(Bytes{static_cast<uint8_t>(2 + code.size() + 3)}) + "81" +
         toHex(Bytes{static_cast<uint8_t>(code.size())}) + toHex(code) + "8201" + toHex(t);
}

std::string sampleHex(ByteView code) {
  return "7F2E" + toHex(Bytes{static_cast<uint8_t>(2 + code.size())}) + "81" +
         toHex(Bytes{static_cast<uint8_t>(code.size())}) + toHex(code);
}

Bytes apdu(uint8_t ins, uint8_t p1, uint8_t p2, std::string_view dataHex, uint32_t ne) {
  return protocol::apdu::encodeCommandApdu(0x00, ins, p1, p2, hexBytes(dataHex), ne);
}

Bytes homeServerPoint() {
  static const Bytes point = [] {
    auto rng = base::makeSeededRng(7);
    auto key = base::EcKeyPair::generate(*rng);
    REQUIRE(key.ok());
    return key.value()->publicPoint();
  }();
  return point;
}

std::string terminalProfileHex() {
  return "800101 81020028 82020014 830101";
}

TestCard::TestCard(uint64_t seed)
    : rng(std::make_unique<SwitchableRng>(base::makeSeededRng(seed))) {
  reopen();
}

void TestCard::reopen() {
  runtime.reset();
  applet.reset();
  auto opened = AccessCardApplet::open(storage, clock, *rng, hp::card::runtime::kTestPinIterations);
  REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
  applet = std::move(opened.value());
  runtime = std::make_unique<card::runtime::CardRuntime>(
      accessCardAtr(), std::vector<card::runtime::Applet*>{applet.get()});
  select();
}

Reply TestCard::send(const Bytes& command) {
  const card::runtime::Response r = runtime->process(command);
  return Reply{r.data, swHex(r.sw)};
}

Reply TestCard::transceive(const Bytes& command) {
  Reply reply = send(command);
  Bytes all = reply.data;
  while (reply.sw.starts_with("61")) {
    reply = send(hexBytes("00C0000000"));
    append(all, reply.data);
  }
  reply.data = std::move(all);
  return reply;
}

void TestCard::select() {
  const Reply r =
      send(protocol::apdu::encodeCommandApdu(0x00, 0xA4, 0x04, 0x00, kAccessCardAid, 256));
  REQUIRE(r.sw == "9000");
}

void TestCard::personalize() {
  REQUIRE(send(apdu(0x24, 0x01, 0x81, asciiHex(kPin))).sw == "9000");
  REQUIRE(send(apdu(0x24, 0x01, 0x83, asciiHex(kPuk))).sw == "9000");
  REQUIRE(send(apdu(0x24, 0x01, 0x91, enrollmentHex(hexBytes(kTemplateHex), kThreshold))).sw ==
          "9000");
  REQUIRE(send(apdu(0x47, 0x80, 0x01, "", 256)).sw == "9000");
  REQUIRE(send(apdu(0xDA, 0xDF, 0x30, asciiHex("terminal-01"))).sw == "9000");
  REQUIRE(send(apdu(0xDA, 0xDF, 0x31, toHex(homeServerPoint()))).sw == "9000");
  REQUIRE(send(apdu(0xDA, 0xDF, 0x32, asciiHex("127.0.0.1:7443"))).sw == "9000");
  REQUIRE(send(apdu(0xDA, 0xDF, 0x33, terminalProfileHex())).sw == "9000");
  REQUIRE(send(apdu(0x44, 0x00, 0x00)).sw == "9000");
}

Reply TestCard::verifyPin(std::string_view pin) {
  return send(apdu(0x20, 0x00, 0x81, asciiHex(pin)));
}

Reply TestCard::verifyBio(ByteView sample) {
  return send(apdu(0x21, 0x00, 0x91, sampleHex(sample)));
}

uint8_t TestCard::status(size_t index) {
  const Reply r = send(apdu(0xCA, 0xDF, 0x01, "", 256));
  REQUIRE(r.sw == "9000");
  REQUIRE(r.data.size() == 18);
  return r.data[index * 3 + 2];
}

}  // namespace hp::card::accesscard::test

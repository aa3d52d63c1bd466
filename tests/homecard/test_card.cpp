#include "tests/homecard/test_card.hpp"

#include "tests/homecard/spec_check.hpp"
#include "tests/support/test_seed.hpp"

#include <cstdio>
#include <cstdlib>
#include <random>

namespace hp::card::homecard::test {

uint64_t testSeed() {
  return hp::test::testSeed("homecard tests");
}

std::string asciiHex(std::string_view text) {
  return toHex(ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Bytes hexBytes(std::string_view hex) {
  auto bytes = fromHex(hex);
  REQUIRE_MESSAGE(bytes.has_value(), "bad hex in test: ", std::string(hex));
  return *bytes;
}

std::string norm(std::string_view hex) {
  return toHex(hexBytes(hex));
}

std::string swHex(uint16_t sw) {
  return toHex(Bytes{static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw)});
}

TestCard::TestCard(std::optional<Bytes> image, uint64_t seed) : rng(base::makeSeededRng(seed)) {
  if (image) storage.setImage(*image);
  reopen();
}

void TestCard::reopen() {
  runtime.reset();
  applet.reset();
  auto opened = HomeCardApplet::open(storage, clock, *rng, hp::card::runtime::kTestPinIterations);
  REQUIRE_MESSAGE(opened.ok(), "open failed");
  applet = std::move(opened.value());
  runtime = std::make_unique<card::runtime::CardRuntime>(
      homeCardAtr(), std::vector<card::runtime::Applet*>{applet.get()});
  runtime->powerOn();
}

Reply TestCard::send(const Bytes& apdu) {
  const card::runtime::Response r = runtime->process(apdu);
  const std::string undocumented = undocumentedStatusWord(apdu, r.sw);
  CHECK_MESSAGE(undocumented.empty(), undocumented, " (apdu_specs), command ", toSpacedHex(apdu));
  return Reply{r.data, swHex(r.sw)};
}

Reply TestCard::send(std::string_view hex) {
  return send(hexBytes(hex));
}

Reply TestCard::transceive(const Bytes& apdu) {
  Reply r = send(apdu);
  Bytes all = r.data;
  while (r.sw.starts_with("61")) {
    r = send("00 C0 00 00 00");
    append(all, r.data);
  }
  r.data = std::move(all);
  return r;
}

Reply TestCard::transceive(std::string_view hex) {
  return transceive(hexBytes(hex));
}

void TestCard::select() {
  REQUIRE(send("00 A4 04 0C 0A F0 48 4F 4D 45 43 41 52 44 01").sw == "9000");
}

void TestCard::personalize() {
  select();
  REQUIRE(send("00 24 01 81 06" + asciiHex(kPin1)).sw == "9000");
  REQUIRE(send("00 24 01 82 06" + asciiHex(kPin2)).sw == "9000");
  REQUIRE(send("00 24 01 83 08" + asciiHex(kPuk)).sw == "9000");
  REQUIRE(send("00 44 00 00").sw == "9000");
}

void TestCard::verifyPin1() {
  REQUIRE(send("00 20 00 81 06" + asciiHex(kPin1)).sw == "9000");
}
void TestCard::verifyPin2() {
  REQUIRE(send("00 20 00 82 06" + asciiHex(kPin2)).sw == "9000");
}

uint8_t TestCard::status(size_t index) {
  const Reply r = send("00 CA DF 01 00");
  REQUIRE(r.sw == "9000");
  REQUIRE(r.data.size() == 18);
  return r.data[index * 3 + 2];
}

const Bytes& cardWithKeysImage() {
  static const Bytes image = [] {
    TestCard card;
    card.personalize();
    card.verifyPin1();
    card.verifyPin2();
    REQUIRE(card.transceive("00 47 80 01 00").sw == "9000");
    REQUIRE(card.transceive("00 47 80 02 00").sw == "9000");
    return *card.storage.image();
  }();
  return image;
}

}  // namespace hp::card::homecard::test

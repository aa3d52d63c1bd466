// pcsc_bridge against the real card processes behind a private pcscd. Run by
// test_bridge_live.sh, which starts the sandbox with the home card and the access card, runs
// the "live:" cases there and the "no pcscd:" case with PCSCLITE_CSOCK_NAME on a dead path
// (libpcsclite reads that variable once per process, hence two runs).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest.h>

#include <string>

#include "host/pcsc_bridge/apdu_client.hpp"
#include "host/pcsc_bridge/card_finder.hpp"
#include "host/pcsc_bridge/pcsc_context.hpp"

namespace hp::pcsc_bridge {
namespace {

// The applications' identifiers (card/homecard/home_card_applet.hpp, card/accesscard/...);
// repeated here because this test speaks to the cards only as a host would, over PC/SC.
const Bytes kHomeAid = *fromHex("F0484F4D454341524401");        // F0 "HOMECARD" 01
const Bytes kAccessAid = *fromHex("F04143434553534341524401");  // F0 "ACCESSCARD" 01
constexpr uint16_t kTagStatus = 0xDF01;

PcscContext establish() {
  auto context = PcscContext::establish();
  REQUIRE_MESSAGE(context, context.error().message);
  return std::move(context.value());
}

std::string findReader(const PcscContext& context, const Bytes& aid) {
  auto reader = findReaderWithAid(context, aid);
  REQUIRE_MESSAGE(reader, reader.error().message);
  return *reader;
}

// SELECT then GET DATA status (ISO 7816-4 11.4.3, P1-P2 = tag), through ApduClient.
ResponseApdu readStatus(Transport& card, const Bytes& aid) {
  ApduClient client(card);
  auto selected = client.select(aid);
  REQUIRE_MESSAGE(selected, selected.error().message);
  REQUIRE(selected->sw == 0x9000);
  auto status = client.transmit(0x00, 0xCA, kTagStatus >> 8, kTagStatus & 0xFF, {}, 256);
  REQUIRE_MESSAGE(status, status.error().message);
  return *status;
}

bool atrNames(const Bytes& atr, const std::string& name) {
  return std::string(atr.begin(), atr.end()).find(name) != std::string::npos;
}

TEST_CASE("live: findReaderWithAid finds each card in its own reader") {
  const PcscContext context = establish();
  auto readers = context.listReaders();
  REQUIRE_MESSAGE(readers, readers.error().message);
  CHECK(readers->size() >= 2);
  const std::string home = findReader(context, kHomeAid);
  const std::string access = findReader(context, kAccessAid);
  CHECK(home != access);
  if (const char* expected = std::getenv("HP_HOME_READER")) CHECK(home == expected);
  if (const char* expected = std::getenv("HP_ACCESS_READER")) CHECK(access == expected);
}

TEST_CASE("live: ApduClient reads the home card's status and ATR") {
  const PcscContext context = establish();
  auto card = context.connect(findReader(context, kHomeAid));
  REQUIRE_MESSAGE(card, card.error().message);
  auto atr = (*card)->atr();
  REQUIRE(atr);
  CHECK(atrNames(*atr, "HOMECARD"));
  const ResponseApdu status = readStatus(**card, kHomeAid);
  CHECK(status.sw == 0x9000);
  // Starts with 80 lifecycle, 81 security state, 82-84 tries left, 85 keys, one byte each
  // (the card may append more objects after them).
  REQUIRE(status.data.size() >= 18);
  for (uint8_t i = 0; i < 6; ++i) {
    CHECK(status.data[3 * i] == 0x80 + i);
    CHECK(status.data[3 * i + 1] == 0x01);
  }
}

TEST_CASE("live: ApduClient reads the access card's status and ATR") {
  const PcscContext context = establish();
  auto card = context.connect(findReader(context, kAccessAid));
  REQUIRE_MESSAGE(card, card.error().message);
  auto atr = (*card)->atr();
  REQUIRE(atr);
  CHECK(atrNames(*atr, "ACCESSCARD"));
  const ResponseApdu status = readStatus(**card, kAccessAid);
  CHECK(status.sw == 0x9000);
  CHECK_FALSE(status.data.empty());
}

TEST_CASE("live: a reset through PC/SC drops the selection") {
  const PcscContext context = establish();
  auto card = context.connect(findReader(context, kHomeAid));
  REQUIRE_MESSAGE(card, card.error().message);
  CHECK(readStatus(**card, kHomeAid).sw == 0x9000);
  auto reset = (*card)->reset();
  REQUIRE_MESSAGE(reset, reset.error().message);
  ApduClient client(**card);
  auto status = client.transmit(0x00, 0xCA, kTagStatus >> 8, kTagStatus & 0xFF, {}, 256);
  REQUIRE_MESSAGE(status, status.error().message);
  CHECK(status->sw != 0x9000);  // no application selected after the reset
}

TEST_CASE("live: an AID no card has gives an error naming every reader tried") {
  const PcscContext context = establish();
  const Bytes unknown = *fromHex("F000000000");
  auto reader = findReaderWithAid(context, unknown);
  REQUIRE_FALSE(reader);
  CHECK(reader.error().message.find("no card with application F000000000") != std::string::npos);
  CHECK(reader.error().message.find("Virtual PCD") != std::string::npos);
}

TEST_CASE("no pcscd: establishing a context says pcscd is not running") {
  auto context = PcscContext::establish();
  REQUIRE_FALSE(context);
  CHECK(context.error().message.find("pcscd is not running") != std::string::npos);
}

}  // namespace
}  // namespace hp::pcsc_bridge

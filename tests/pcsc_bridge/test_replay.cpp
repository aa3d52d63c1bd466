// Record a session on an in-process card, replay it without the card, and check that any
// deviation from the recording is reported at the step where it happens.
#include <doctest.h>

#include "card/runtime/atr.hpp"
#include "card/runtime/card_runtime.hpp"
#include "host/pcsc_bridge/apdu_client.hpp"
#include "host/pcsc_bridge/in_process_transport.hpp"
#include "tests/pcsc_bridge/test_applet.hpp"
#include "tests/support/replay_transport.hpp"

namespace hp::pcsc_bridge {
namespace {

// The session under test: what a protocol layer above ApduClient would do.
Result<Bytes> runSession(Transport& transport) {
  ApduClient client(transport);
  auto selected = client.select(test::kTestAid);
  if (!selected) return selected.error();
  if (!transport.reset()) return makeError("reset failed");
  if (!client.select(test::kTestAid)) return makeError("select failed");
  auto answer = client.transmit(0x80, test::kInsLongAnswer, 0x01, 0x90, {}, 256);
  if (!answer) return answer.error();
  return answer->data;
}

Recording recordSession(Bytes& answer) {
  test::TestApplet applet;
  card::runtime::CardRuntime runtime(card::runtime::makeAtr("TEST"), {&applet});
  InProcessTransport card(runtime, "test card");
  RecordingTransport recorder(card);
  auto result = runSession(recorder);
  REQUIRE(result);
  answer = *result;
  return recorder.recording();
}

TEST_CASE("a recorded session replays to the same answer without the card") {
  Bytes liveAnswer;
  const Recording recording = recordSession(liveAnswer);
  CHECK(liveAnswer.size() == 400);
  // select, reset, select, command + one GET RESPONSE
  REQUIRE(recording.size() == 5);
  CHECK(recording[1].isReset);

  ReplayTransport replay(recording);
  auto replayed = runSession(replay);
  REQUIRE(replayed);
  CHECK(*replayed == liveAnswer);
  CHECK(replay.finished());
}

TEST_CASE("the text form of a recording round-trips") {
  Bytes answer;
  const Recording recording = recordSession(answer);
  const std::string text = formatRecording(recording);
  CHECK(text.find("reset\n") != std::string::npos);
  auto parsed = parseRecording("# a comment\n" + text);
  REQUIRE(parsed);
  CHECK(*parsed == recording);

  CHECK_FALSE(parseRecording("> 00A40400\n"));         // command without response
  CHECK_FALSE(parseRecording("< 9000\n"));             // response without command
  CHECK_FALSE(parseRecording("> 00A4040\n< 9000\n"));  // odd hex
  auto bad = parseRecording("> 0084000008\n> 00\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("line 2") != std::string::npos);
}

TEST_CASE("a replay reports the first command that differs from the recording") {
  ReplayTransport replay(
      {{Bytes{0x00, 0x84, 0x00, 0x00, 0x08}, Bytes{1, 2, 3, 4, 5, 6, 7, 8, 0x90, 0x00}}},
      Bytes{0x3B, 0x00}, "replay of gc.txt");
  auto wrong = replay.transmitRaw(Bytes{0x00, 0x84, 0x00, 0x00, 0x10});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message ==
        "replay of gc.txt: step 1: got command 00 84 00 00 10, recording has 00 84 00 00 08");
  CHECK_FALSE(replay.finished());
  auto resetInstead = replay.reset();
  REQUIRE_FALSE(resetInstead);
  CHECK(resetInstead.error().message.find("got a reset") != std::string::npos);

  auto right = replay.transmitRaw(Bytes{0x00, 0x84, 0x00, 0x00, 0x08});
  REQUIRE(right);
  CHECK(right->size() == 10);
  CHECK(replay.finished());
  auto beyond = replay.transmitRaw(Bytes{0x00, 0x84, 0x00, 0x00, 0x08});
  REQUIRE_FALSE(beyond);
  CHECK(beyond.error().message.find("after the end of the recording (1 steps)") !=
        std::string::npos);
  auto atr = replay.atr();
  REQUIRE(atr);
  CHECK(*atr == Bytes{0x3B, 0x00});
}

}  // namespace
}  // namespace hp::pcsc_bridge

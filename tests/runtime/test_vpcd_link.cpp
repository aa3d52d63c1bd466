// VpcdLink's missed-insertion check (vpcd_link.hpp, requirePowerOn): a loopback listener plays
// vpcd and sends the frames pcscd would; the card must answer an inserted card's commands and
// hang up on a connection whose insertion pcscd missed (a command or a 3rd GET ATR before any
// POWER ON), so pcscd sees the reader empty (docs/design.md, "Card restarts pcscd does not see").
#include <doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include "card/runtime/card_runtime.hpp"
#include "card/runtime/vpcd_link.hpp"
#include "tests/runtime/test_helpers.hpp"

using hp::base::Bytes;
using hp::test::hex;
using namespace hp::card::runtime;

namespace {

constexpr uint8_t kOff = 0x00, kOn = 0x01, kAtr = 0x04;

// Plays vpcd: sends FRAMES on a fresh connection, closes its write side, lets serve() run to
// the end and returns what the card answered plus the link's verdict.
struct Outcome {
  Bytes answers;
  bool missed = false;
};

Outcome play(const std::vector<Bytes>& frames, bool requirePowerOn) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);

  CardRuntime runtime(hex("3B 80 80 01 01"), {});
  VpcdLink link("127.0.0.1", ntohs(addr.sin_port));
  link.requirePowerOn = requirePowerOn;
  REQUIRE(link.connect().ok());
  const int vpcd = ::accept(listener, nullptr, nullptr);
  REQUIRE(vpcd >= 0);
  Bytes stream;
  for (const Bytes& f : frames) {
    stream.push_back(static_cast<uint8_t>(f.size() >> 8));
    stream.push_back(static_cast<uint8_t>(f.size()));
    stream.insert(stream.end(), f.begin(), f.end());
  }
  REQUIRE(::send(vpcd, stream.data(), stream.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(stream.size()));
  ::shutdown(vpcd, SHUT_WR);
  const std::atomic<bool> stop{false};
  (void)link.serve(runtime, stop);
  Outcome out;
  uint8_t buf[4096];
  for (ssize_t n; (n = ::recv(vpcd, buf, sizeof buf, 0)) > 0;)
    out.answers.insert(out.answers.end(), buf, buf + n);
  out.missed = link.missedInsertion;
  ::close(vpcd);
  ::close(listener);
  return out;
}

const Bytes kAtrFrame = hex("0005 3B 80 80 01 01");
const Bytes kGetData = hex("00 CA DF 01 00");

Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Bytes times(const Bytes& b, int n) {
  Bytes out;
  for (int i = 0; i < n; ++i) out.insert(out.end(), b.begin(), b.end());
  return out;
}

}  // namespace

TEST_CASE("vpcd link: a card pcscd saw inserted (GET ATR twice, POWER ON) answers commands") {
  const Outcome o = play({{kAtr}, {kAtr}, {kOn}, {kAtr}, kGetData, {kOff}}, true);
  CHECK_FALSE(o.missed);
  // Three ATRs, then the runtime's answer to GET DATA with nothing selected: 6985.
  CHECK(o.answers == cat(times(kAtrFrame, 3), hex("0002 6985")));
}

TEST_CASE("vpcd link: a command before any POWER ON means pcscd missed the insertion") {
  const Outcome o = play({{kAtr}, kGetData, kGetData}, true);
  CHECK(o.missed);
  CHECK(o.answers == kAtrFrame);  // the command is not answered: the card hangs up
}

TEST_CASE("vpcd link: a 3rd GET ATR before any POWER ON means the same") {
  const Outcome o = play({{kAtr}, {kAtr}, {kAtr}, {kAtr}}, true);
  CHECK(o.missed);
  CHECK(o.answers == times(kAtrFrame, 2));
}

TEST_CASE("vpcd link: without requirePowerOn every command is answered (the fuzz target's model)") {
  const Outcome o = play({{kAtr}, kGetData}, false);
  CHECK_FALSE(o.missed);
  CHECK(o.answers == cat(kAtrFrame, hex("0002 6985")));
}

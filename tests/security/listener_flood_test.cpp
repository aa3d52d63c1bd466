// Issue 9 (2): 64 idle and trickling connections from one address must not shut an honest
// client out, and must not write a log line each. The home server (control channel) and the
// shop (TLS with client certificates) are flooded for 40 s while an honest terminal or shop
// client connects afresh every 5 s: every attempt must succeed, and the refusal and timeout
// lines must stay few.
#include <doctest.h>

#include <chrono>
#include <thread>

#include "protocol/rpc/methods.hpp"
#include "tests/home_server/test_terminal.hpp"
#include "tests/merchant/merchant_fixture.hpp"
#include "tests/merchant/server_process.hpp"
#include "tests/merchant/test_client.hpp"
#include "tests/security/listener_flood.hpp"
#include "tests/tls_proxy/test_pki.hpp"

namespace wire = hp::protocol::rpc;

namespace hp::security::test {

namespace {

constexpr auto kDuration = std::chrono::seconds(40);
constexpr auto kEvery = std::chrono::seconds(5);
constexpr int kAttackers = 64;

// Runs `attempt` every kEvery for kDuration; returns how many attempts failed (and says why).
template <class Attempt>
int honestClient(Attempt attempt) {
  const auto end = std::chrono::steady_clock::now() + kDuration;
  int failures = 0;
  int attempts = 0;
  while (std::chrono::steady_clock::now() < end) {
    const auto next = std::chrono::steady_clock::now() + kEvery;
    ++attempts;
    if (const std::string why = attempt(); !why.empty()) {
      ++failures;
      MESSAGE("honest attempt " << attempts << " failed: " << why);
    }
    std::this_thread::sleep_until(next);
  }
  CHECK(attempts >= 8);
  return failures;
}

}  // namespace

TEST_SUITE("listener_flood_home") {
  TEST_CASE("idle and trickling connections do not shut a registered terminal out") {
    home_server::test::ServerFixture fx;
    home_server::test::TestTerminal terminal("laptop-1", 901);
    REQUIRE(fx.terminals.registerTerminal(terminal.id(), terminal.publicKey()).ok());
    Flood flood(fx.port(), kAttackers, std::string(1, '\0'));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the flood is in place

    const int failures = honestClient([&]() -> std::string {
      auto connection = terminal.connect(fx.port(), fx.serverPublicKey());
      if (!connection) return "connect: " + connection.error().message;
      const protocol::rpc::Response status =
          home_server::test::call(**connection, wire::nameOf<wire::CardStatus>());
      if (!status.ok()) return "card.status: " + status.error->message;
      (void)(*connection)->close();
      return {};
    });
    flood.stop();
    MESSAGE("attacker connections: " << flood.connects()
                                     << ", closed by the server: " << flood.closedByServer());
    CHECK(failures == 0);
    // Every connection refused or timed out: a line each on main; here one per kind and 10 s,
    // plus one summary line each.
    const auto lines = fx.logLines();
    const size_t noisy = countLines(lines, {"refused", "no handshake within"});
    MESSAGE("log lines about refused or timed-out connections: " << noisy);
    CHECK(noisy <= 30);
  }
}

TEST_SUITE("listener_flood_shop") {
  TEST_CASE("idle and trickling connections do not shut a shop's customer out") {
    const auto& pki = tls_proxy::test::testPki();
    const auto& files = merchant::test::merchantFiles();
    merchant::test::TempDir dir;
    merchant::test::ServerProcess shop(
        "SHOP_SERVER", {"--cert", pki.shopCert, "--key", pki.shopKey, "--ca", pki.caCert,
                        "--signing-key", files.shopSigningKey, "--catalogue", files.catalogue,
                        "--db", dir.file("shop.db"), "--exit-with-stdin"});
    // A TLS record header and a ClientHello start, a byte every two seconds.
    Flood flood(shop.port(), kAttackers,
                std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));

    const int failures = honestClient([&]() -> std::string {
      auto client = merchant::test::TestClient::connect(merchant::test::ecUser(shop.port()));
      if (!client) return "handshake: " + merchant::test::TestClient::lastHandshakeError();
      const merchant::test::HttpResult catalogue = client->request("GET", "/catalogue");
      if (catalogue.status != 200) return "GET /catalogue: " + std::to_string(catalogue.status);
      return {};
    });
    flood.stop();
    MESSAGE("attacker connections: " << flood.connects()
                                     << ", closed by the server: " << flood.closedByServer());
    CHECK(failures == 0);
    std::vector<std::string> lines;
    const std::string log = shop.log();
    for (size_t at = 0; at < log.size();) {
      const size_t end = log.find('\n', at);
      lines.push_back(log.substr(at, end - at));
      at = end == std::string::npos ? log.size() : end + 1;
    }
    const size_t noisy = countLines(lines, {"refused", "no TLS handshake within", ": handshake"});
    MESSAGE("log lines about refused or timed-out connections: " << noisy);
    CHECK(noisy <= 30);
    CHECK(shop.stop() == 0);
  }
}

}  // namespace hp::security::test

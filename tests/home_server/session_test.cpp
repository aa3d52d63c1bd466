// SessionManager against `openssl s_server` (tests/tls_proxy's ShopServer and test PKI): the
// second open of a shop is served from the cache with no handshake and no signature; expiry,
// drop and eviction bring a fresh handshake; concurrent opens share one handshake.
#include <doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "host/home_server/sessions/relay.hpp"
#include "host/home_server/sessions/session_manager.hpp"
#include "tests/tls_proxy/shop_server.hpp"
#include "tests/tls_proxy/test_pki.hpp"
#include "tests/tls_proxy/test_signers.hpp"

namespace hp::home_server {

namespace {

using tls_proxy::test::CountingSigner;
using tls_proxy::test::ResumptionKind;
using tls_proxy::test::ShopServer;

struct SessionFixture {
  SessionFixture()
      : signer(tls_proxy::test::loadSigner(tls_proxy::test::testPki().userEcKey,
                                           tls_proxy::test::testPki().userEcCert)),
        log(LogLevel::kDebug, [this](std::string_view line) {
          std::lock_guard lock(logMutex);
          lines.emplace_back(line);
        }) {}

  SessionManagerConfig config() {
    SessionManagerConfig config;
    config.caFile = tls_proxy::test::testPki().caCert;
    config.connectAddress = "127.0.0.1";
    config.lifetimeCapSeconds = 60;
    config.readTimeoutMs = 5000;
    config.now = [this] { return tls_proxy::systemUnixNow() + offsetSeconds.load(); };
    return config;
  }

  static ShopUrl urlOf(const ShopServer& shop) {
    auto url = parseShopUrl("https://localhost:" + std::to_string(shop.port()) + "/");
    REQUIRE(url.ok());
    return url.value();
  }

  CountingSigner signer;
  std::mutex logMutex;
  std::vector<std::string> lines;
  ServerLog log;
  std::atomic<int64_t> offsetSeconds{0};
};

}  // namespace

TEST_SUITE("sessions") {
  TEST_CASE("a second open is cached: no handshake, no signature; expiry means a fresh one") {
    SessionFixture fx;
    ShopServer shop(ResumptionKind::kTicket);
    SessionManager sessions(fx.config(), fx.signer, fx.log);
    const ShopUrl url = SessionFixture::urlOf(shop);

    auto first = sessions.open(url);
    INFO("shop output: " << shop.output());
    REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().message));
    CHECK_FALSE(first->cached);
    CHECK(fx.signer.calls == 1);
    auto blob = tls_proxy::decodeSessionBlob(first->encodedBlob.view());
    REQUIRE(blob.ok());
    CHECK(blob->host == "localhost");
    CHECK(blob->expiresUnix - blob->createdUnix <= 60);  // the configured cap

    auto second = sessions.open(url);
    REQUIRE(second.ok());
    CHECK(second->cached);
    CHECK(fx.signer.calls == 1);  // no card signature
    CHECK(sessions.handshakeCount() == 1);
    CHECK(second->encodedBlob == first->encodedBlob);

    const auto listed = sessions.list();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].shop == url.shopKey());
    // The shop issues tickets, but was asked for a session id (preferSessionIds).
    CHECK_FALSE(listed[0].ticket);
    CHECK_FALSE(sessions.usesTickets(url.shopKey()));

    // 56 s later, less than the 5 s a terminal needs to resume are left: expired.
    fx.offsetSeconds = 56;
    CHECK(sessions.list().empty());
    auto third = sessions.open(url);
    REQUIRE(third.ok());
    CHECK_FALSE(third->cached);
    CHECK(fx.signer.calls == 2);
    CHECK(sessions.handshakeCount() == 2);

    bool sawExpiry = false;
    for (const auto& line : fx.lines)
      sawExpiry |= line.find("cached -> expired") != std::string::npos;
    CHECK(sawExpiry);
  }

  TEST_CASE("drop discards the session; the next open does a full handshake") {
    SessionFixture fx;
    ShopServer shop(ResumptionKind::kSessionId);
    SessionManager sessions(fx.config(), fx.signer, fx.log);
    const ShopUrl url = SessionFixture::urlOf(shop);
    REQUIRE(sessions.open(url).ok());
    CHECK(sessions.drop(url.shopKey()));
    CHECK_FALSE(sessions.drop(url.shopKey()));  // nothing left to drop
    CHECK(sessions.list().empty());
    auto again = sessions.open(url);
    REQUIRE(again.ok());
    CHECK_FALSE(again->cached);
    CHECK(fx.signer.calls == 2);
  }

  TEST_CASE("session ids first; a shop that refused one is asked for tickets from then on") {
    SessionFixture fx;
    ShopServer shop(ResumptionKind::kTicket);
    SessionManager sessions(fx.config(), fx.signer, fx.log);
    const ShopUrl url = SessionFixture::urlOf(shop);
    auto first = sessions.open(url);
    REQUIRE(first.ok());
    auto blob = tls_proxy::decodeSessionBlob(first->encodedBlob.view());
    REQUIRE(blob.ok());
    CHECK_FALSE(blob->hasTicket());
    CHECK(blob->sessionId.size() == 32);
    // A plain drop (the terminal just wants a fresh session) changes nothing ...
    REQUIRE(sessions.drop(url.shopKey()));
    CHECK_FALSE(sessions.usesTickets(url.shopKey()));
    REQUIRE(sessions.open(url).ok());
    // ... a drop because the shop would not resume the session id switches the shop to tickets.
    REQUIRE(sessions.drop(url.shopKey(), /*refusedByShop=*/true));
    CHECK(sessions.usesTickets(url.shopKey()));
    auto withTicket = sessions.open(url);
    REQUIRE(withTicket.ok());
    auto ticketBlob = tls_proxy::decodeSessionBlob(withTicket->encodedBlob.view());
    REQUIRE(ticketBlob.ok());
    CHECK(ticketBlob->hasTicket());
    // Switched off, every shop is asked for tickets, as before.
    SessionManagerConfig always = fx.config();
    always.preferSessionIds = false;
    SessionManager ticketsFirst(always, fx.signer, fx.log);
    auto ticketed = ticketsFirst.open(url);
    REQUIRE(ticketed.ok());
    CHECK(tls_proxy::decodeSessionBlob(ticketed->encodedBlob.view())->hasTicket());
  }

  TEST_CASE("concurrent opens of one shop share a single handshake") {
    SessionFixture fx;
    ShopServer shop(ResumptionKind::kTicket);
    SessionManager sessions(fx.config(), fx.signer, fx.log);
    const ShopUrl url = SessionFixture::urlOf(shop);
    std::atomic<int> succeeded{0}, cached{0};
    std::vector<std::thread> threads;
    threads.reserve(4);
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        auto opened = sessions.open(url);
        if (opened.ok()) {
          ++succeeded;
          if (opened->cached) ++cached;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    CHECK(succeeded == 4);
    CHECK(cached == 3);
    CHECK(fx.signer.calls == 1);
  }

  TEST_CASE("bounded: a full cache evicts the session closest to expiry") {
    SessionFixture fx;
    ShopServer shopA(ResumptionKind::kTicket);
    ShopServer shopB(ResumptionKind::kTicket);
    SessionManagerConfig config = fx.config();
    config.maxSessions = 1;
    SessionManager sessions(config, fx.signer, fx.log);
    REQUIRE(sessions.open(SessionFixture::urlOf(shopA)).ok());
    fx.offsetSeconds = 1;  // B's session ends later than A's
    REQUIRE(sessions.open(SessionFixture::urlOf(shopB)).ok());
    const auto listed = sessions.list();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].shop == SessionFixture::urlOf(shopB).shopKey());
  }

  TEST_CASE("relay: a cached session the shop refuses to resume is dropped and made afresh") {
    SessionFixture fx;
    ShopServer shopA(ResumptionKind::kTicket);
    ShopServer shopB(ResumptionKind::kTicket);
    // The first handshake for B really goes to A (another process, other ticket keys): B's
    // cache entry is then a session B has never seen, as after a shop restart.
    int handshakes = 0;
    SessionManager::Handshake handshake = [&](const tls_proxy::DelegatedHandshakeRequest& request,
                                              tls_proxy::ClientKeySigner& signer) {
      tls_proxy::DelegatedHandshakeRequest redirected = request;
      if (handshakes++ == 0) redirected.port = shopA.port();
      auto session = tls_proxy::performDelegatedHandshake(redirected, signer);
      if (session) session->blob.port = request.port;
      return session;
    };
    SessionManager sessions(fx.config(), fx.signer, fx.log, handshake);
    const ShopUrl url = SessionFixture::urlOf(shopB);
    REQUIRE(sessions.open(url).ok());
    CHECK(fx.signer.calls == 1);

    RelayOptions options;
    options.connectAddress = "127.0.0.1";
    options.readTimeoutMs = 5000;
    options.now = fx.config().now;
    auto relayed = relayRequest(sessions, RelayRequest{url, "GET", {}}, options);
    INFO("shop B output: " << shopB.output());
    REQUIRE_MESSAGE(relayed.ok(), (relayed.ok() ? "" : relayed.error().message));
    CHECK(relayed->status == 200);
    CHECK(handshakes == 2);
    CHECK(fx.signer.calls == 2);
    CHECK(sessions.list().size() == 1);

    // Now the cached session is B's own: the next relay costs no handshake.
    auto again = relayRequest(sessions, RelayRequest{url, "GET", {}}, options);
    REQUIRE(again.ok());
    CHECK(handshakes == 2);
  }

  TEST_CASE("a failed handshake caches nothing and says why") {
    SessionFixture fx;
    ShopServer shop(ResumptionKind::kTicket);
    tls_proxy::test::RefusingSigner refusing(tls_proxy::test::loadSigner(
        tls_proxy::test::testPki().userEcKey, tls_proxy::test::testPki().userEcCert));
    SessionManager sessions(fx.config(), refusing, fx.log);
    auto opened = sessions.open(SessionFixture::urlOf(shop));
    REQUIRE_FALSE(opened.ok());
    CHECK_FALSE(opened.error().message.empty());
    CHECK(sessions.list().empty());
  }
}

}  // namespace hp::home_server

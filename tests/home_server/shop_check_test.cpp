// The shop-check cache's own rules (shop_check.hpp), with handshakes faked: what each one reports
// of the shop's certificate, its lifetime, a clock that went back, its bound. The attacker's test
// with real TLS shops is in policy_test.cpp ("a shop certificate swapped ...").
#include <doctest.h>

#include "host/home_server/sessions/shop_check.hpp"
#include "tests/tls_proxy/test_signers.hpp"

namespace hp::home_server {

namespace {

tls_proxy::CertificateSha256 leafNumber(uint8_t n) {
  tls_proxy::CertificateSha256 leaf{};
  leaf.fill(n);
  return leaf;
}

// A handshake that reports `judged` (if set) and then succeeds or fails.
struct FakeShop {
  std::optional<std::optional<tls_proxy::CertificateSha256>> judged;
  bool succeed = false;
  int calls = 0;
  SessionManager::Handshake handshake() {
    return [this](const tls_proxy::DelegatedHandshakeRequest& request,
                  tls_proxy::ClientKeySigner&) -> Result<tls_proxy::DelegatedSession> {
      ++calls;
      if (judged && request.certificateJudged) request.certificateJudged(*judged);
      if (succeed) return tls_proxy::DelegatedSession{};
      return makeError("handshake failed");
    };
  }
};

struct CheckWorld {
  ServerLog log{LogLevel::kError, [](std::string_view) {}};
  int64_t now = 1'000;
  ShopCheck checks{300, [this] { return now; }, log, 2};
  FakeShop shop;
  SessionManager::Handshake observed = checks.observing(shop.handshake());
  std::unique_ptr<tls_proxy::ClientKeySigner> signer =
      std::make_unique<tls_proxy::test::RefusingSigner>(nullptr);

  void handshakeWith(const std::string& host, uint16_t port) {
    tls_proxy::DelegatedHandshakeRequest request;
    request.host = host;
    request.port = port;
    (void)observed(request, *signer);
  }
};

}  // namespace

TEST_SUITE("sessions") {
  TEST_CASE("shop check: a verified leaf counts for the lifetime, not a second more") {
    CheckWorld world;
    world.shop.judged = std::optional(leafNumber(1));
    world.handshakeWith("shop.test", 443);  // failed (the card refused) after verifying: counts
    CHECK(world.checks.fresh("shop.test:443"));
    CHECK_FALSE(world.checks.fresh("shop.test:8443"));  // per host and port
    world.now += 299;
    CHECK(world.checks.fresh("shop.test:443"));
    world.now += 1;
    CHECK_FALSE(world.checks.fresh("shop.test:443"));
    // A clock that went back does not stretch it either.
    world.handshakeWith("shop.test", 443);
    world.now -= 10;
    CHECK_FALSE(world.checks.fresh("shop.test:443"));
  }

  TEST_CASE("shop check: a certificate that did not verify, or no certificate seen, drops it") {
    CheckWorld world;
    world.shop.judged = std::optional(leafNumber(1));
    world.handshakeWith("shop.test", 443);
    REQUIRE(world.checks.fresh("shop.test:443"));
    world.shop.judged = std::optional<tls_proxy::CertificateSha256>();  // did not verify
    world.handshakeWith("shop.test", 443);
    CHECK_FALSE(world.checks.fresh("shop.test:443"));

    world.shop.judged = std::optional(leafNumber(1));
    world.handshakeWith("shop.test", 443);
    REQUIRE(world.checks.fresh("shop.test:443"));
    world.shop.judged.reset();  // no connection, say: nothing judged, and it failed
    world.handshakeWith("shop.test", 443);
    CHECK_FALSE(world.checks.fresh("shop.test:443"));
    // A success that judged nothing (a fake, or a resumption) leaves it alone.
    world.shop.judged = std::optional(leafNumber(1));
    world.handshakeWith("shop.test", 443);
    world.shop.judged.reset();
    world.shop.succeed = true;
    world.handshakeWith("shop.test", 443);
    CHECK(world.checks.fresh("shop.test:443"));
  }

  TEST_CASE("shop check: another verified leaf replaces the recorded one; bounded") {
    CheckWorld world;
    world.shop.judged = std::optional(leafNumber(1));
    world.handshakeWith("a.test", 443);
    world.now += 100;
    world.shop.judged = std::optional(leafNumber(2));
    world.handshakeWith("a.test", 443);
    REQUIRE(world.checks.freshLeaf("a.test:443").has_value());
    CHECK(*world.checks.freshLeaf("a.test:443") == leafNumber(2));
    world.now += 250;  // counted from the newer check
    CHECK(world.checks.fresh("a.test:443"));
    // Two shops at most here: the third evicts the oldest check.
    world.handshakeWith("b.test", 443);
    world.now += 1;
    world.handshakeWith("c.test", 443);
    CHECK_FALSE(world.checks.fresh("a.test:443"));
    CHECK(world.checks.fresh("b.test:443"));
    CHECK(world.checks.fresh("c.test:443"));
  }

  TEST_CASE("shop check: verify uses the cache first, then the session, then the bare check") {
    CheckWorld world;
    int opens = 0;
    int bare = 0;
    ShopUrl url{"shop.test", 443, "/"};
    auto open = [&](const ShopUrl&) -> Result<void> {
      ++opens;
      return makeError("card refused");
    };
    auto check = [&](const ShopUrl&) -> Result<void> {
      ++bare;
      world.checks.verified("shop.test:443", leafNumber(3));
      return {};
    };
    REQUIRE(world.checks.verify(url, open, check).ok());
    CHECK(opens == 1);
    CHECK(bare == 1);
    REQUIRE(world.checks.verify(url, open, check).ok());
    CHECK(opens == 1);
    CHECK(bare == 1);
    CHECK(world.checks.handshakesSaved() == 1);
    // Nothing verifies: the session's error is the answer.
    world.now += 300;
    auto refused = world.checks.verify(
        url, open, [&](const ShopUrl&) -> Result<void> { return makeError("no"); });
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message == "card refused");
  }
}

}  // namespace hp::home_server

// The small pieces: shop URLs, HTTP response parsing, the terminal directory, the software
// home card's PIN rules and the server key file.
#include <doctest.h>

#include "base/clock.hpp"
#include "base/ec_key.hpp"
#include "base/rng.hpp"
#include "host/home_server/card/home_card.hpp"
#include "host/home_server/daemon/server_key.hpp"
#include "host/home_server/sessions/relay.hpp"
#include "host/home_server/sessions/shop_url.hpp"
#include "host/home_server/terminals/cached_terminal_directory.hpp"
#include "host/home_server/terminals/terminal_directory.hpp"
#include "tests/tls_proxy/test_pki.hpp"
#include "tests/tls_proxy/test_signers.hpp"

namespace hp::home_server {

TEST_SUITE("parts") {
  TEST_CASE("shop URLs: https only, host:port key, path kept") {
    auto url = parseShopUrl("https://Shop.Example:8443/cart?id=3");
    REQUIRE(url.ok());
    CHECK(url->host == "shop.example");
    CHECK(url->port == 8443);
    CHECK(url->path == "/cart?id=3");
    CHECK(url->shopKey() == "shop.example:8443");
    auto bare = parseShopUrl("https://localhost");
    REQUIRE(bare.ok());
    CHECK(bare->port == 443);
    CHECK(bare->path == "/");
    for (const char* bad :
         {"http://shop/", "https://", "https://shop:0/", "https://shop:65536/", "https://shop:/",
          "https://user@shop/", "https://sh op/", "https://shop/a b", "https://shop/#frag",
          "https://-shop/", "https://shop..example/", "https://shop_x/", "ftp://shop/",
          "https://shop:80x/", "https://shop/\r\nHost: evil"}) {
      CAPTURE(bad);
      CHECK_FALSE(parseShopUrl(bad).ok());
    }
    CHECK(parseShopKey("localhost:4433").ok());
    CHECK_FALSE(parseShopKey("localhost").ok());
  }

  TEST_CASE("HTTP responses: headers, Content-Length, chunked bodies") {
    auto plain = parseHttpResponse(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
        "Content-Length: 5\r\n\r\nhello");
    REQUIRE(plain.ok());
    CHECK(plain->status == 200);
    CHECK(plain->headers["content-type"] == "text/plain");
    CHECK(plain->headers["set-cookie"] == "a=1, b=2");
    CHECK(plain->body == bytesOf("hello"));
    auto chunked = parseHttpResponse(
        "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;x=y\r\npedia\r\n"
        "0\r\n\r\n");
    REQUIRE(chunked.ok());
    CHECK(chunked->status == 201);
    CHECK(chunked->body == bytesOf("Wikipedia"));
    for (const char* bad :
         {"", "HTTP/1.1 200 OK\r\n", "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
          "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort",
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
      CAPTURE(bad);
      CHECK_FALSE(parseHttpResponse(bad).ok());
    }
  }

  // Issue 9 (4): a chunk size of 2^64 - 1 made `size + 2` wrap to 1, so the length check
  // passed and the body was copied from an iterator far out of range (a crash on main).
  TEST_CASE("HTTP responses: chunk sizes that overflow are refused, not wrapped") {
    for (
        const char* bad :
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nab\r\n0\r\n\r\n",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFE\r\nab\r\n0\r\n\r\n",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nab\r\n",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc",
         // The data must end with CRLF, not with any two bytes.
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY0\r\n\r\n"}) {
      CAPTURE(bad);
      CHECK_FALSE(parseHttpResponse(bad).ok());
    }
  }

  TEST_CASE("terminal directory: register, look up, revoke, list") {
    MemoryTerminalDirectory directory;
    auto rng = base::makeSeededRng(11);
    auto key = base::EcKeyPair::generate(*rng);
    REQUIRE(key.ok());
    const Bytes point = (*key)->publicPoint();
    CHECK_FALSE(directory.terminalKey("laptop-1").ok());
    REQUIRE(directory.registerTerminal("laptop-1", point).ok());
    auto found = directory.terminalKey("laptop-1");
    REQUIRE(found.ok());
    CHECK(*found == point);
    CHECK_FALSE(directory.registerTerminal("bad id", point).ok());
    CHECK_FALSE(directory.registerTerminal(std::string(33, 'a'), point).ok());
    CHECK_FALSE(directory.registerTerminal("short-key", Bytes(33, 0x02)).ok());
    REQUIRE(directory.revokeTerminal("laptop-1").ok());
    CHECK_FALSE(directory.terminalKey("laptop-1").ok());
    CHECK_FALSE(directory.revokeTerminal("nobody").ok());
    auto all = directory.list();
    REQUIRE(all.ok());
    REQUIRE(all->size() == 1);
    CHECK((*all)[0].revoked);
  }

  TEST_CASE("cached terminal directory: the whole registry held, unknown IDs cost nothing") {
    // Counts what reaches the directory behind the cache (the home card on the product).
    class CountingDirectory final : public TerminalDirectory {
     public:
      Result<Bytes> terminalKey(std::string_view id) override {
        ++lookups;
        return inner.terminalKey(id);
      }
      Result<void> registerTerminal(const std::string& id, const Bytes& key) override {
        return inner.registerTerminal(id, key);
      }
      Result<void> revokeTerminal(const std::string& id) override {
        return inner.revokeTerminal(id);
      }
      Result<std::vector<TerminalEntry>> list() override {
        ++readings;
        if (locked) return makeError("security status not satisfied (SW 6982)");
        return inner.list();
      }
      MemoryTerminalDirectory inner;
      int lookups = 0;
      int readings = 0;
      bool locked = false;
    } behind;
    base::ManualClock clock;
    CachedTerminalDirectory cached(behind, clock, 60'000, 1'000);
    auto rng = base::makeSeededRng(12);
    const Bytes point = base::EcKeyPair::generate(*rng).value()->publicPoint();
    const Bytes other = base::EcKeyPair::generate(*rng).value()->publicPoint();

    // A registry that cannot be read yet (no PIN1) is tried at most once a second.
    behind.locked = true;
    for (int i = 0; i < 50; ++i) CHECK_FALSE(cached.terminalKey("phone-" + std::to_string(i)).ok());
    CHECK(behind.readings == 1);
    clock.advanceMs(1'000);
    behind.locked = false;
    // Unknown IDs are answered from the copy: one reading, then none however many IDs come.
    for (int i = 0; i < 50; ++i) CHECK_FALSE(cached.terminalKey("ghost-" + std::to_string(i)).ok());
    CHECK(behind.readings == 2);
    REQUIRE(cached.registerTerminal("phone-1", point).ok());
    CHECK(cached.terminalKey("phone-1").value() == point);  // the change is read at once
    CHECK(cached.terminalKey("phone-1").value() == point);
    CHECK(cached.terminalKey("phone-1").value() == point);
    CHECK_FALSE(cached.terminalKey("ghost-1").ok());
    CHECK(behind.readings == 3);
    CHECK(behind.lookups == 0);  // never one lookup per ID

    // A revocation through the cache is seen by the very next lookup.
    REQUIRE(cached.revokeTerminal("phone-1").ok());
    CHECK_FALSE(cached.terminalKey("phone-1").ok());

    // Registering again (a new key) replaces the old one at once.
    REQUIRE(behind.inner.registerTerminal("phone-2", point).ok());
    clock.advanceMs(60'000);  // behind the cache's back: seen once the copy is that old
    CHECK(cached.terminalKey("phone-2").value() == point);
    REQUIRE(cached.registerTerminal("phone-2", other).ok());
    CHECK(cached.terminalKey("phone-2").value() == other);

    // A change behind the cache's back is seen once the copy is older than the maximum age.
    REQUIRE(behind.inner.revokeTerminal("phone-2").ok());
    CHECK(cached.terminalKey("phone-2").ok());  // still in the copy
    clock.advanceMs(60'000);
    CHECK_FALSE(cached.terminalKey("phone-2").ok());
    REQUIRE(cached.list().ok());
  }

  TEST_CASE("server key file: P-256 PEM loads and signs; other files are refused") {
    const auto& pki = tls_proxy::test::testPki();
    auto signer = FileServerSigner::load(pki.shopKey);  // an EC P-256 key
    REQUIRE_MESSAGE(signer.ok(), (signer.ok() ? "" : signer.error().message));
    channel::Hash hash{};
    hash.fill(0x5A);
    auto signature = (*signer)->sign(hash);
    REQUIRE(signature.ok());
    CHECK(base::verifyEcdsaP256((*signer)->publicKey(), hash, *signature));
    auto rsa = FileServerSigner::load(pki.userRsaKey);
    REQUIRE_FALSE(rsa.ok());
    CHECK(rsa.error().message.find("P-256") != std::string::npos);
    CHECK_FALSE(FileServerSigner::load(pki.shopCert).ok());  // a certificate, not a key
    CHECK_FALSE(FileServerSigner::load("/nonexistent.pem").ok());
  }
}

}  // namespace hp::home_server

// protocol/url: the union of the terminal's and the home server's former URL rules.
#include <doctest.h>

#include <string>

#include "protocol/url/https_url.hpp"

using hp::protocol::url::isValidHost;
using hp::protocol::url::kMaxUrlLength;
using hp::protocol::url::parseHostPort;
using hp::protocol::url::parseHttpsUrl;

TEST_SUITE("protocol") {
  TEST_CASE("url: host, port and path, with defaults") {
    auto plain = parseHttpsUrl("https://shop.example");
    REQUIRE(plain.ok());
    CHECK(plain->host == "shop.example");
    CHECK(plain->port == 443);
    CHECK(plain->path == "/");
    CHECK(plain->hostHeader() == "shop.example");
    CHECK(plain->shopKey() == "shop.example:443");

    auto full = parseHttpsUrl("https://localhost:4433/cart/items?id=7");
    REQUIRE(full.ok());
    CHECK(full->host == "localhost");
    CHECK(full->port == 4433);
    CHECK(full->path == "/cart/items?id=7");
    CHECK(full->hostHeader() == "localhost:4433");
    CHECK(full->shopKey() == "localhost:4433");

    auto query = parseHttpsUrl("https://127.0.0.1:8443?q=1");
    REQUIRE(query.ok());
    CHECK(query->host == "127.0.0.1");
    CHECK(query->path == "/?q=1");
  }

  // From the home server's copy: one shop, one cache key, whatever the case of its name.
  TEST_CASE("url: host names are lower-cased") {
    auto url = parseHttpsUrl("https://Shop.EXAMPLE:8443/Cart");
    REQUIRE(url.ok());
    CHECK(url->host == "shop.example");
    CHECK(url->path == "/Cart");  // paths are case-sensitive: kept
    CHECK(url->shopKey() == "shop.example:8443");
    CHECK(parseHostPort("Home.Example:1")->host == "home.example");
  }

  // From the terminal's copy: "08" is not a second spelling of port 8.
  TEST_CASE("url: a port with a leading zero is refused") {
    CHECK_FALSE(parseHttpsUrl("https://shop:08/").ok());
    CHECK_FALSE(parseHttpsUrl("https://shop:0443/").ok());
    CHECK_FALSE(parseHostPort("shop:08").ok());
    CHECK_FALSE(parseHostPort("shop:00").ok());
    CHECK(parseHttpsUrl("https://shop:8/")->port == 8);
  }

  // From the home server's copy: no unbounded URLs.
  TEST_CASE("url: at most 2048 characters") {
    const std::string prefix = "https://shop/";
    const std::string longest = prefix + std::string(kMaxUrlLength - prefix.size(), 'a');
    CHECK(parseHttpsUrl(longest).ok());
    CHECK_FALSE(parseHttpsUrl(longest + "a").ok());
  }

  TEST_CASE("url: what either former parser refused is refused") {
    for (const char* bad : {"http://shop.example/",
                            "shop.example",
                            "https://",
                            "ftp://shop/",
                            "HTTPS://shop/",
                            "https://user@shop/",
                            "https://shop:0/",
                            "https://shop:65536/",
                            "https://shop:/",
                            "https://shop:80x/",
                            "https://shop:+80/",
                            "https://shop: 80/",
                            "https://sh_op/",
                            "https://-shop/",
                            "https://shop-/",
                            "https://shop..example/",
                            "https://.shop/",
                            "https://shop./",
                            "https://sh op/",
                            "https://shop/a b",
                            "https://shop/#frag",
                            "https://[::1]/",
                            "https://shop/\r\nHost: evil",
                            "https://shop/\x7f",
                            "https://sh\xc3\xa9p/"}) {
      CAPTURE(bad);
      CHECK_FALSE(parseHttpsUrl(bad).ok());
    }
    CHECK_FALSE(isValidHost(std::string(64, 'a')));
    CHECK(isValidHost(std::string(63, 'a')));
    CHECK_FALSE(isValidHost(std::string(63, 'a') + "." + std::string(63, 'a') + "." +
                            std::string(63, 'a') + "." + std::string(63, 'a')));
  }

  TEST_CASE("url: host:port addresses need a port") {
    auto address = parseHostPort("127.0.0.1:8443");
    REQUIRE(address.ok());
    CHECK(address->host == "127.0.0.1");
    CHECK(address->port == 8443);
    CHECK(parseHostPort("home.example.net:65535")->port == 65535);
    CHECK(parseHostPort("home.example.net:1")->port == 1);
    for (const char* bad : {"127.0.0.1", ":8443", "host:99999", "host:", "host:0", "a b:1"}) {
      CAPTURE(bad);
      CHECK_FALSE(parseHostPort(bad).ok());
    }
  }
}

#include <doctest.h>

// The terminal's addresses, parsed by protocol/url (tests/protocol has the full rule set).
#include "protocol/url/https_url.hpp"

using hp::protocol::url::parseHostPort;
using hp::protocol::url::parseHttpsUrl;

TEST_CASE("url: https URLs with and without port and path") {
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

TEST_CASE("url: what the home server would refuse is refused here") {
  for (const char* bad :
       {"http://shop.example/", "shop.example", "https://", "https://user@shop/", "https://shop:0/",
        "https://shop:65536/", "https://shop:08/", "https://shop:/", "https://sh_op/",
        "https://-shop/", "https://shop..example/", "https://shop/a b", "https://shop/#frag",
        "https://[::1]/"}) {
    INFO(bad);
    CHECK_FALSE(parseHttpsUrl(bad).ok());
  }
}

TEST_CASE("url: the home server address from the access card") {
  auto address = parseHostPort("127.0.0.1:8443");
  REQUIRE(address.ok());
  CHECK(address->host == "127.0.0.1");
  CHECK(address->port == 8443);
  CHECK(parseHostPort("home.example.net:1")->port == 1);
  CHECK_FALSE(parseHostPort("127.0.0.1").ok());
  CHECK_FALSE(parseHostPort(":8443").ok());
  CHECK_FALSE(parseHostPort("host:99999").ok());
}

#include "card/runtime/atr.hpp"
#include "host/terminal/access_card_link.hpp"

TEST_CASE("reader discovery: the access card is recognized by its ATR, no APDU needed") {
  // The ATRs the card processes present (card/accesscard, card/homecard).
  CHECK(hp::terminal::isAccessCardAtr(hp::card::runtime::makeAtr("ACCESSCARD")));
  CHECK_FALSE(hp::terminal::isAccessCardAtr(hp::card::runtime::makeAtr("HOMECARD")));
  CHECK_FALSE(hp::terminal::isAccessCardAtr({}));
}

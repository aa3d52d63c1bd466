// Issue 9 (3): relay.request (and session.open, which makes the TLS handshake) reached any host
// and port: 127.0.0.1:22, the vpcd slot port (a ClientHello was left queued in the card slot).
// Now https only, port 443 unless the shop is configured, and no loopback, link-local or
// private address unless configured; checked after DNS, on the address connected to.
#include <arpa/inet.h>
#include <doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/home_server/sessions/relay_policy.hpp"
#include "protocol/rpc/methods.hpp"
#include "tests/home_server/test_terminal.hpp"

namespace wire = hp::protocol::rpc;

namespace hp::security::test {

namespace {

// A TCP listener on 127.0.0.1 standing for the vpcd slot port: records what arrives.
struct StandIn {
  StandIn() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
  }
  ~StandIn() { ::close(fd); }
  // Bytes received within `ms` (0 if nobody connected).
  size_t received(int ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return 0;
    const int peer = ::accept(fd, nullptr, nullptr);
    if (peer < 0) return 0;
    pollfd q{peer, POLLIN, 0};
    char buffer[4096];
    ssize_t n = ::poll(&q, 1, ms) > 0 ? ::recv(peer, buffer, sizeof buffer, 0) : 0;
    ::close(peer);
    return n > 0 ? static_cast<size_t>(n) : 0;
  }
  int fd = -1;
  uint16_t port = 0;
};

Json::Value urlParams(const std::string& url) {
  Json::Value params(Json::objectValue);
  params["url"] = url;
  return params;
}

home_server::Resolver fixed(const std::vector<std::string>& addresses) {
  return [addresses](const std::string&) -> Result<std::vector<std::string>> { return addresses; };
}

}  // namespace

TEST_SUITE("listener_relay") {
  TEST_CASE("relay.request and session.open cannot reach loopback ports") {
    home_server::test::ServerFixture fx;
    home_server::test::TestTerminal terminal("laptop-1", 901);
    REQUIRE(fx.terminals.registerTerminal(terminal.id(), terminal.publicKey()).ok());
    auto connection = terminal.connect(fx.port(), fx.serverPublicKey());
    REQUIRE(connection.ok());
    // A terminal with live PIN2 authority: session.open and relay.request check it first
    // (docs/control-channel.md, "Authority"), so only then does the relay policy decide.
    REQUIRE(fx.card->verifyPin1(home_server::test::ServerFixture::kPin1)->kind ==
            home_server::PinOutcome::Kind::kAccepted);
    const Json::Value pin2 = wire::PinParams{home_server::test::ServerFixture::kPin2}.toJson();
    REQUIRE(home_server::test::call(**connection, wire::nameOf<wire::CardPin2>(), pin2).ok());
    StandIn slot;
    const std::string slotUrl = "https://127.0.0.1:" + std::to_string(slot.port) + "/";
    for (const std::string& method :
         {wire::nameOf<wire::SessionOpen>(), wire::nameOf<wire::RelayRequest>()}) {
      const protocol::rpc::Response answer =
          home_server::test::call(**connection, method, urlParams(slotUrl));
      REQUIRE(answer.error.has_value());
      INFO(method << ": " << answer.error->code << ": " << answer.error->message);
      CHECK(answer.error->code == "relay_refused");
      CHECK(answer.error->message.find("port") != std::string::npos);
      CHECK(slot.received(300) == 0);  // nothing reached the slot port
    }
    const protocol::rpc::Response ssh = home_server::test::call(
        **connection, wire::nameOf<wire::RelayRequest>(), urlParams("https://127.0.0.1:22/"));
    REQUIRE(ssh.error.has_value());
    CHECK(ssh.error->code == "relay_refused");
    // Port 443, but the name leads to loopback (the fixture connects every name to 127.0.0.1).
    const protocol::rpc::Response home = home_server::test::call(
        **connection, wire::nameOf<wire::RelayRequest>(), urlParams("https://router.test/"));
    REQUIRE(home.error.has_value());
    INFO(home.error->message);
    CHECK(home.error->code == "relay_refused");
    CHECK(home.error->message.find("loopback") != std::string::npos);
  }

  TEST_CASE("the policy: ports, address ranges, configured shops, every resolved address") {
    home_server::RelayPolicyConfig config;
    config.shops = {"shop.test", "bank.test:8443"};
    const home_server::RelayPolicy publicOnly(config, fixed({"192.0.2.10"}));
    // 192.0.2.0/24 is documentation space, so refused; use a public address for the passing case.
    const home_server::RelayPolicy policy(config, fixed({"93.184.216.34"}));
    CHECK(policy.connectAddress("example.test", 443).value() == "93.184.216.34");
    CHECK_FALSE(policy.connectAddress("example.test", 22).ok());
    CHECK_FALSE(publicOnly.connectAddress("example.test", 443).ok());
    // A configured shop: any port (a bare host) or its port, whatever its address.
    const home_server::RelayPolicy local(config, fixed({"127.0.0.1"}));
    CHECK(local.connectAddress("shop.test", 4443).ok());
    CHECK(local.connectAddress("bank.test", 8443).ok());
    CHECK_FALSE(local.connectAddress("bank.test", 8444).ok());
    CHECK_FALSE(local.connectAddress("other.test", 443).ok());
    // One private address among public ones is enough to refuse (no DNS games).
    const home_server::RelayPolicy mixed(config, fixed({"93.184.216.34", "10.0.0.1"}));
    CHECK_FALSE(mixed.connectAddress("example.test", 443).ok());
    for (const char* address : {"127.0.0.1",
                                "127.1.2.3",
                                "10.1.2.3",
                                "172.16.0.1",
                                "172.31.255.255",
                                "192.168.1.1",
                                "169.254.169.254",
                                "0.0.0.0",
                                "100.64.0.1",
                                "224.0.0.1",
                                "255.255.255.255",
                                "::1",
                                "::",
                                "fe80::1",
                                "fc00::1",
                                "fd12:3456::1",
                                "ff02::1",
                                "::ffff:127.0.0.1",
                                "::ffff:10.0.0.1",
                                "64:ff9b::7f00:1",
                                "2002:7f00:1::1"}) {
      INFO(address);
      CHECK_FALSE(home_server::nonPublicReason(address).empty());
      CHECK_FALSE(
          home_server::RelayPolicy(config, fixed({address})).connectAddress("x.test", 443).ok());
    }
    for (const char* address : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "2a00:1450::1"}) {
      INFO(address);
      CHECK(home_server::nonPublicReason(address).empty());
    }
    // allow_private_addresses opens the ranges, not the ports.
    config.allowPrivate = true;
    const home_server::RelayPolicy lan(config, fixed({"192.168.1.20"}));
    CHECK(lan.connectAddress("nas.test", 443).ok());
    CHECK_FALSE(lan.connectAddress("nas.test", 22).ok());
    // The override (tests) is checked like a resolved address.
    CHECK(policy.connectAddress("example.test", 443, "127.0.0.1").ok() == false);
  }
}

}  // namespace hp::security::test

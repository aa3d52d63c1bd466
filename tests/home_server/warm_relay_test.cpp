// Warm relay connections (issue 12, host/home_server/sessions/warm_pool.hpp) against an
// in-process shop (tools/merchant's TLS listener: HTTP/1.1 keep-alive, client certificates
// required). The shop logs one line per request with the client's address and port, so the
// number of distinct ports is the number of TCP connections (and TLS handshakes) it accepted.
#include <doctest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "host/home_server/daemon/admin_socket.hpp"
#include "host/home_server/sessions/relay.hpp"
#include "host/home_server/sessions/session_manager.hpp"
#include "protocol/rpc/methods.hpp"
#include "tests/home_server/test_terminal.hpp"
#include "tests/tls_proxy/test_pki.hpp"
#include "tests/tls_proxy/test_signers.hpp"
#include "tools/merchant/tls_listener.hpp"

namespace hp::home_server {

namespace {

using namespace std::chrono_literals;

// A shop that answers every GET with "page <target>" (GET /big: 100,000 bytes), a POST with
// "posted <body>", and records its request lines.
struct KeepAliveShop {
  explicit KeepAliveShop(uint32_t idleCloseMs = 15'000, size_t maxRequestsPerConnection = 1000) {
    const auto& pki = tls_proxy::test::testPki();
    merchant::TlsServerOptions options;
    options.certFile = pki.shopCert;
    options.keyFile = pki.shopKey;
    options.caFile = pki.caCert;
    options.requestTimeoutMs = idleCloseMs;
    options.maxRequestsPerConnection = maxRequestsPerConnection;
    auto created = merchant::TlsListener::create(
        options,
        [](const merchant::HttpRequest& request, const merchant::PeerIdentity&) {
          if (request.method == "POST")
            return merchant::HttpResponse{200, "posted " + request.body, "text/plain"};
          if (request.target == "/big")
            return merchant::HttpResponse{200, std::string(100'000, 'b'), "text/html"};
          return merchant::HttpResponse{200, "page " + request.target, "text/html"};
        },
        [this](std::string_view line) {
          std::lock_guard lock(mutex);
          lines.emplace_back(line);
        });
    REQUIRE(created.ok());
    listener = std::move(created.value());
    REQUIRE(listener->start().ok());
  }
  ~KeepAliveShop() { listener->stop(); }

  // Requests served, and the client ports they came from ("127.0.0.1:PORT \"GET /a\" 200 ...").
  std::vector<std::string> requestPeers() {
    std::lock_guard lock(mutex);
    std::vector<std::string> peers;
    static const std::regex request(R"(^(\S+) "(GET|POST) )");
    for (const std::string& line : lines) {
      std::smatch match;
      if (std::regex_search(line, match, request)) peers.push_back(match[1]);
    }
    return peers;
  }
  size_t connections() {
    const auto peers = requestPeers();
    return std::set<std::string>(peers.begin(), peers.end()).size();
  }
  std::string log() {
    std::lock_guard lock(mutex);
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    return text;
  }

  std::unique_ptr<merchant::TlsListener> listener;
  std::mutex mutex;
  std::vector<std::string> lines;
};

struct WarmFixture {
  explicit WarmFixture(bool probeBeforeReuse = true)
      : signer(tls_proxy::test::loadSigner(tls_proxy::test::testPki().userEcKey,
                                           tls_proxy::test::testPki().userEcCert)),
        log(LogLevel::kDebug, [](std::string_view) {}) {
    SessionManagerConfig config;
    config.caFile = tls_proxy::test::testPki().caCert;
    config.connectAddress = "127.0.0.1";
    config.readTimeoutMs = 5000;
    config.warm.probeBeforeReuse = probeBeforeReuse;
    sessions = std::make_unique<SessionManager>(config, *signer, log);
    options.connectAddress = "127.0.0.1";
    options.readTimeoutMs = 5000;
  }

  Result<RelayResponse> get(const ShopUrl& shop, const std::string& terminal,
                            const std::string& path = "/") {
    ShopUrl url = shop;
    url.path = path;
    RelayRequest request{url, "GET", {}};
    request.keepFor = terminal;
    return relayRequest(*sessions, request, options);
  }

  static ShopUrl urlOf(const KeepAliveShop& shop) {
    auto url = parseShopUrl("https://localhost:" + std::to_string(shop.listener->port()) + "/");
    REQUIRE(url.ok());
    return url.value();
  }

  std::unique_ptr<tls_proxy::ClientKeySigner> signer;
  ServerLog log;
  std::unique_ptr<SessionManager> sessions;
  RelayOptions options;
};

std::string bodyOf(const Result<RelayResponse>& response) {
  REQUIRE_MESSAGE(response.ok(), (response.ok() ? "" : response.error().message));
  return std::string(response->body.begin(), response->body.end());
}

}  // namespace

TEST_SUITE("warm") {
  TEST_CASE("a second relayed GET to the shop reuses the connection: no connect, no handshake") {
    WarmFixture fx;
    KeepAliveShop shop;
    const ShopUrl url = WarmFixture::urlOf(shop);
    INFO("shop log:\n" << shop.log());
    CHECK(bodyOf(fx.get(url, "t1", "/a")) == "page /a");
    CHECK(fx.sessions->warm().size() == 1);
    CHECK(bodyOf(fx.get(url, "t1", "/b")) == "page /b");
    CHECK(bodyOf(fx.get(url, "t1", "/c")) == "page /c");
    CHECK(shop.requestPeers().size() == 3);
    CHECK(shop.connections() == 1);
    CHECK(fx.sessions->warm().reuses() == 2);
    CHECK(fx.sessions->handshakeCount() == 1);
  }

  TEST_CASE("a POST is never sent over a kept connection, and leaves none") {
    WarmFixture fx;
    KeepAliveShop shop;
    const ShopUrl url = WarmFixture::urlOf(shop);
    CHECK(bodyOf(fx.get(url, "t1", "/a")) == "page /a");
    RelayRequest post{url, "POST", bytesOf("{}")};
    post.keepFor = "t1";
    post.contentType = "application/json";
    REQUIRE(relayRequest(*fx.sessions, post, fx.options).ok());
    CHECK(shop.connections() == 2);
    CHECK(fx.sessions->warm().size() == 1);  // t1's GET connection, untouched
  }

  TEST_CASE("the shop's Connection: close is respected: nothing is kept") {
    WarmFixture fx;
    KeepAliveShop shop(15'000, /*maxRequestsPerConnection=*/1);
    const ShopUrl url = WarmFixture::urlOf(shop);
    CHECK(bodyOf(fx.get(url, "t1", "/a")) == "page /a");
    CHECK(fx.sessions->warm().size() == 0);
    CHECK(bodyOf(fx.get(url, "t1", "/b")) == "page /b");
    CHECK(shop.connections() == 2);
  }

  TEST_CASE("a connection the shop closed when idle: one fresh resumption, the right page") {
    WarmFixture fx;
    KeepAliveShop shop(/*idleCloseMs=*/300);
    const ShopUrl url = WarmFixture::urlOf(shop);
    INFO("shop log:\n" << shop.log());
    CHECK(bodyOf(fx.get(url, "t1", "/a")) == "page /a");
    CHECK(fx.sessions->warm().size() == 1);
    std::this_thread::sleep_for(1200ms);  // the shop's idle limit passes; ours does not
    CHECK(bodyOf(fx.get(url, "t1", "/b")) == "page /b");
    CHECK(shop.requestPeers().size() == 2);  // each request once, none lost or repeated
    CHECK(shop.connections() == 2);
    CHECK(fx.sessions->warm().reuses() == 0);
    CHECK(fx.sessions->handshakeCount() == 1);  // the fresh connection resumed
    const auto lines = shop.log();
    CHECK(lines.find("\"GET /b\" 200 7 key=") != std::string::npos);
  }

  TEST_CASE("a close not seen before sending (it raced the GET): sent once more, fresh") {
    WarmFixture fx(/*probeBeforeReuse=*/false);
    KeepAliveShop shop(/*idleCloseMs=*/300);
    const ShopUrl url = WarmFixture::urlOf(shop);
    INFO("shop log:\n" << shop.log());
    CHECK(bodyOf(fx.get(url, "t1", "/a")) == "page /a");
    std::this_thread::sleep_for(1200ms);
    CHECK(bodyOf(fx.get(url, "t1", "/b")) == "page /b");
    CHECK(fx.sessions->warm().reuses() == 1);  // it was tried...
    CHECK(shop.requestPeers().size() == 2);    // ...and failed unanswered; /b served once, fresh
    CHECK(shop.connections() == 2);
  }

  TEST_CASE("two terminals never share a warm connection") {
    WarmFixture fx;
    KeepAliveShop shop;
    const ShopUrl url = WarmFixture::urlOf(shop);
    CHECK(bodyOf(fx.get(url, "t1", "/1")) == "page /1");
    CHECK(bodyOf(fx.get(url, "t2", "/2")) == "page /2");
    CHECK(fx.sessions->warm().size() == 2);
    CHECK(bodyOf(fx.get(url, "t2", "/3")) == "page /3");
    CHECK(bodyOf(fx.get(url, "t1", "/4")) == "page /4");
    const auto peers = shop.requestPeers();
    REQUIRE(peers.size() == 4);
    CHECK(peers[0] != peers[1]);  // t2's first GET did not take t1's idle connection
    CHECK(peers[2] == peers[1]);  // each terminal back on its own
    CHECK(peers[3] == peers[0]);
  }

  TEST_CASE("an authority that ends closes the terminal's warm connections, and only its") {
    WarmFixture fx;
    KeepAliveShop shop;
    const ShopUrl url = WarmFixture::urlOf(shop);
    CHECK(bodyOf(fx.get(url, "t1", "/1")) == "page /1");
    CHECK(bodyOf(fx.get(url, "t2", "/2")) == "page /2");
    // What AuthorityGuard calls when PIN2 lapses, the channel ends, card.finish or a revocation.
    fx.sessions->dropOwner("t1");
    CHECK(fx.sessions->warm().size() == 1);
    CHECK_FALSE(fx.sessions->warm().holds("t1", url.shopKey()));
    CHECK(bodyOf(fx.get(url, "t1", "/3")) == "page /3");
    const auto peers = shop.requestPeers();
    REQUIRE(peers.size() == 3);
    CHECK(peers[2] != peers[0]);  // not on the dropped connection
    CHECK(fx.sessions->warm().reuses() == 0);
    fx.sessions->dropAll();
    CHECK(fx.sessions->warm().size() == 0);
  }

  TEST_CASE("a connection in use when the authority ends is not put back") {
    WarmFixture fx;
    KeepAliveShop shop;
    const ShopUrl url = WarmFixture::urlOf(shop);
    CHECK(bodyOf(fx.get(url, "t1", "/1")) == "page /1");
    auto connection = fx.sessions->warm().take("t1", url.shopKey());
    REQUIRE(connection != nullptr);
    const uint64_t ticket = 0;  // taken before the lapse below (the pool started at 0)
    fx.sessions->dropOwner("t1");
    fx.sessions->warm().put("t1", url.shopKey(), std::move(connection), ticket);
    CHECK(fx.sessions->warm().size() == 0);
  }

  TEST_CASE("session.open's warm: the first relayed GET costs no connect and no handshake") {
    WarmFixture fx;
    KeepAliveShop shop;
    const ShopUrl url = WarmFixture::urlOf(shop);
    // The terminal's own session, as session.open made it for the hand-out.
    auto opened = fx.sessions->open("t1", url);
    REQUIRE(opened.ok());
    prewarmRelay(*fx.sessions, "t1", url, opened->encodedBlob, !opened->cached, fx.options);
    fx.sessions->warm().waitIdle();
    REQUIRE(fx.sessions->warm().holds("t1", url.shopKey()));
    CHECK(bodyOf(fx.get(url, "t1", "/a")) == "page /a");
    CHECK(fx.sessions->warm().reuses() == 1);
    CHECK(fx.sessions->handshakeCount() == 1);  // no relay session was made: no card signature
    CHECK(shop.connections() == 1);
    // Another terminal's GET does not use it.
    CHECK(bodyOf(fx.get(url, "t2", "/b")) == "page /b");
    CHECK(shop.connections() == 2);
  }
}

namespace {

// A registered terminal's channel to the fixture's server, the home card opened for it: PIN1 at
// the admin socket, PIN2 over the channel.
std::unique_ptr<channel::ChannelConnection> openedChannel(test::ServerFixture& fx,
                                                          test::TestTerminal& terminal) {
  namespace wire = protocol::rpc;
  REQUIRE(fx.terminals.registerTerminal(terminal.id(), terminal.publicKey()).ok());
  auto connection = terminal.connect(fx.port(), fx.serverPublicKey());
  REQUIRE(connection.ok());
  protocol::rpc::Request pin1;
  pin1.id = 1;
  pin1.method = "pin1";
  pin1.params["pin"] = test::ServerFixture::kPin1;
  REQUIRE(adminCall(fx.adminSocket, pin1, 10'000).ok());
  Json::Value pin2;
  pin2["pin"] = test::ServerFixture::kPin2;
  REQUIRE(test::call(**connection, wire::nameOf<wire::CardPin2>(), pin2).ok());
  return std::move(connection.value());
}

}  // namespace

// Through the RPC methods and a real channel: session.open's warm flag, relay.request keyed by
// the caller, and card.finish ending the terminal's warm connection.
TEST_SUITE("warm") {
  TEST_CASE("session.open warm, then relay.request: one connection, one card signature") {
    namespace wire = protocol::rpc;
    test::ServerFixture fx(/*withAdminSocket=*/true);
    KeepAliveShop shop;
    const std::string url = "https://localhost:" + std::to_string(shop.listener->port()) + "/";
    test::TestTerminal terminal("phone-1", 902);
    auto connection = openedChannel(fx, terminal);
    auto& channel = *connection;
    const int signaturesBefore = fx.inProcessCard->signatures();

    Json::Value open;
    open["url"] = url;
    open["warm"] = true;
    SecretBytes handout;
    REQUIRE(test::call(channel, wire::nameOf<wire::SessionOpen>(), open, &handout).ok());
    fx.server->sessions().warm().waitIdle();
    const std::string shopKey = url.substr(8, url.size() - 9);
    CHECK(fx.server->sessions().warm().holds(terminal.id(), shopKey));

    Json::Value get;
    get["url"] = url + "page";
    SecretBytes page;
    protocol::rpc::Response relayed =
        test::call(channel, wire::nameOf<wire::RelayRequest>(), get, &page);
    INFO("shop log:\n" << shop.log());
    REQUIRE_MESSAGE(relayed.ok(), (relayed.error ? relayed.error->message : ""));
    CHECK((*relayed.result)["status"].asInt() == 200);
    CHECK(std::string(page.view().begin(), page.view().end()) == "page /page");
    CHECK(shop.requestPeers().size() == 1);
    CHECK(fx.server->sessions().warm().reuses() == 1);              // the prepared connection
    CHECK(fx.inProcessCard->signatures() == signaturesBefore + 1);  // session.open's only

    // card.finish ends the authority: the warm connection goes with the sessions.
    REQUIRE(test::call(channel, wire::nameOf<wire::CardFinish>()).ok());
    CHECK_FALSE(fx.server->sessions().warm().holds(terminal.id(), shopKey));
    CHECK(fx.server->sessions().warm().size() == 0);
  }

  // issue 12: the page and a POST's body travel as the channel messages' binary attachments
  // (base64 in the JSON cost a third more on the terminal's link); the answer's JSON keeps the
  // status and the kept headers only.
  TEST_CASE("relay.request: page and POST body as attachments, no base64, trimmed headers") {
    namespace wire = protocol::rpc;
    test::ServerFixture fx(/*withAdminSocket=*/true);
    KeepAliveShop shop;
    const std::string url = "https://localhost:" + std::to_string(shop.listener->port()) + "/";
    test::TestTerminal terminal("phone-2", 903);
    auto connection = openedChannel(fx, terminal);
    auto& channel = *connection;

    // A page larger than one channel record (100,000 bytes: the attachment spans records).
    Json::Value get;
    get["url"] = url + "big";
    SecretBytes page;
    protocol::rpc::Response big =
        test::call(channel, wire::nameOf<wire::RelayRequest>(), get, &page);
    INFO("shop log:\n" << shop.log());
    REQUIRE_MESSAGE(big.ok(), (big.error ? big.error->message : ""));
    CHECK((*big.result)["status"].asInt() == 200);
    CHECK_FALSE(big.result->isMember("body"));
    CHECK(page.size() == 100'000);
    CHECK(std::ranges::all_of(page.view(), [](uint8_t c) { return c == 'b'; }));
    // Only content-type is left of the shop's headers (no date, length, connection, server).
    CHECK((*big.result)["headers"].getMemberNames() == std::vector<std::string>{"content-type"});
    CHECK((*big.result)["headers"]["content-type"].asString() == "text/html");

    // A POST's body as the request's attachment, echoed by the shop; binary bytes survive.
    Json::Value post;
    post["url"] = url + "orders";
    post["method"] = "POST";
    const Bytes body{'a', 0x00, 0xff, '\n', 'z'};
    SecretBytes echoed;
    protocol::rpc::Response posted =
        test::call(channel, wire::nameOf<wire::RelayRequest>(), post, &echoed, body);
    REQUIRE_MESSAGE(posted.ok(), (posted.error ? posted.error->message : ""));
    Bytes expected = bytesOf("posted ");
    expected.insert(expected.end(), body.begin(), body.end());
    CHECK(std::ranges::equal(echoed.view(), expected));

    // A GET with an attachment, and the old base64 member, are refused before the shop is asked.
    const size_t requestsBefore = shop.requestPeers().size();
    protocol::rpc::Response getWithBody =
        test::call(channel, wire::nameOf<wire::RelayRequest>(), get, nullptr, body);
    REQUIRE(getWithBody.error.has_value());
    CHECK(getWithBody.error->code == "invalid_params");
    CHECK(getWithBody.error->message == "a GET has no body");
    Json::Value oldForm = post;
    oldForm["body"] = "AAEC";
    protocol::rpc::Response old = test::call(channel, wire::nameOf<wire::RelayRequest>(), oldForm);
    REQUIRE(old.error.has_value());
    CHECK(old.error->code == "invalid_params");
    CHECK(shop.requestPeers().size() == requestsBefore);
  }
}

}  // namespace hp::home_server

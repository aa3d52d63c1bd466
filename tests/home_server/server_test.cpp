// The home server end to end: terminals over the real control channel on loopback, the RPC
// methods of the contract, the session cache against `openssl s_server`, the admin socket,
// refused terminals, malformed requests, and logs without secrets.
#include <arpa/inet.h>
#include <doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/channel/protocol.hpp"
#include "host/home_server/daemon/admin_socket.hpp"
#include "host/rpc/channel_messages.hpp"
#include "host/tls_proxy/resumed_connection.hpp"
#include "host/tls_proxy/session_handout.hpp"
#include "protocol/rpc/base64.hpp"
#include "protocol/rpc/method_table.hpp"
#include "protocol/rpc/methods.hpp"
#include "tests/home_server/test_terminal.hpp"
#include "tests/support/https_get.hpp"
#include "tests/tls_proxy/shop_server.hpp"
#include "tests/tls_proxy/test_pki.hpp"

namespace wire = hp::protocol::rpc;

namespace hp::home_server::test {

namespace {

using tls_proxy::test::ResumptionKind;
using tls_proxy::test::ShopServer;

Json::Value params(std::initializer_list<std::pair<const char*, Json::Value>> members) {
  Json::Value object(Json::objectValue);
  for (const auto& [name, value] : members) object[name] = value;
  return object;
}

protocol::rpc::Response admin(ServerFixture& fx, const std::string& method,
                              const Json::Value& adminParams = Json::Value(Json::objectValue)) {
  protocol::rpc::Request request;
  request.id = 1;
  request.method = method;
  request.params = adminParams;
  auto response = adminCall(fx.adminSocket, request, 10'000);
  REQUIRE_MESSAGE(response.ok(), (response.ok() ? "" : response.error().message));
  return response.value();
}

std::string errorCode(const protocol::rpc::Response& response) {
  return response.error ? response.error->code : "";
}

std::string shopUrl(const ShopServer& shop) {
  return "https://localhost:" + std::to_string(shop.port()) + "/";
}

}  // namespace

TEST_SUITE("server") {
  TEST_CASE("card and session methods through a real channel connection") {
    ServerFixture fx(/*withAdminSocket=*/true);
    ShopServer shop(ResumptionKind::kTicket);
    TestTerminal terminal("laptop-1", 901);
    REQUIRE(fx.terminals.registerTerminal(terminal.id(), terminal.publicKey()).ok());
    auto connection = terminal.connect(fx.port(), fx.serverPublicKey());
    REQUIRE_MESSAGE(connection.ok(), (connection.ok() ? "" : connection.error().message));
    auto& channel = **connection;

    // Before PIN1: inhibited, PIN2 refused: PIN1 first.
    protocol::rpc::Response status = call(channel, wire::nameOf<wire::CardStatus>());
    REQUIRE(status.ok());
    CHECK((*status.result)["state"].asString() == "inhibited");
    CHECK((*status.result)["pin2_tries_left"].asInt() == 3);
    CHECK(errorCode(call(channel, wire::nameOf<wire::CardPin2>(), params({{"pin", "567890"}}))) ==
          "pin1_required");

    // PIN1 at the admin socket (mode 0600).
    struct stat info {};
    REQUIRE(::stat(fx.adminSocket.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    CHECK(errorCode(admin(fx, "pin1", params({{"pin", "9999"}}))) == "pin_wrong");
    protocol::rpc::Response pin1 = admin(fx, "pin1", params({{"pin", ServerFixture::kPin1}}));
    REQUIRE(pin1.ok());
    CHECK((*pin1.result)["state"].asString() == "standby");

    // No PIN2 yet: this terminal holds no authority, so no session (and the answer says so).
    protocol::rpc::Response refused =
        call(channel, wire::nameOf<wire::SessionOpen>(), params({{"url", shopUrl(shop)}}));
    CHECK(errorCode(refused) == "pin2_required");

    protocol::rpc::Response wrong =
        call(channel, wire::nameOf<wire::CardPin2>(), params({{"pin", "000000"}}));
    REQUIRE(errorCode(wrong) == "pin_wrong");
    CHECK(wrong.error->data["tries_left"].asInt() == 2);
    CHECK(errorCode(call(channel, wire::nameOf<wire::CardPin2>(), params({{"pin", "12ab"}}))) ==
          "invalid_params");
    protocol::rpc::Response pin2 =
        call(channel, wire::nameOf<wire::CardPin2>(), params({{"pin", ServerFixture::kPin2}}));
    REQUIRE(pin2.ok());
    CHECK((*pin2.result)["state"].asString() == "crypto");
    const int signaturesBefore = fx.inProcessCard->signatures();

    // Delegate mode: a compact binary hand-out after the JSON, which the terminal resumes with
    // the shop; the JSON says only whether it was cached.
    SecretBytes handout;
    protocol::rpc::Response opened =
        call(channel, wire::nameOf<wire::SessionOpen>(),
             params({{"url", shopUrl(shop)}, {"mode", "delegate"}}), &handout);
    INFO("shop output: " << shop.output());
    REQUIRE_MESSAGE(opened.ok(), (opened.error ? opened.error->message : ""));
    CHECK_FALSE((*opened.result)["cached"].asBool());
    CHECK((*opened.result).getMemberNames() == std::vector<std::string>{"cached"});
    CHECK(handout.size() == 99);  // a session-id session (session_handout.hpp)
    CHECK(fx.inProcessCard->signatures() == signaturesBefore + 1);
    auto blob = tls_proxy::decodeSessionHandout(handout.view(), "localhost", shop.port(),
                                                tls_proxy::systemUnixNow());
    REQUIRE(blob.ok());
    tls_proxy::ResumeOptions resume;
    resume.connectAddress = "127.0.0.1";
    resume.readTimeoutMs = 5000;
    auto resumed = tls_proxy::ResumedConnection::open(blob.value(), resume);
    REQUIRE_MESSAGE(resumed.ok(), (resumed.ok() ? "" : resumed.error().message));
    CHECK((*resumed)->evidence().resumed);
    auto page = tls_proxy::httpsGet(**resumed, "localhost");
    REQUIRE(page.ok());
    CHECK(page->status == 200);
    // s_server serves one connection at a time: let it go before the next handshake.
    (void)(*resumed)->close();
    resumed->reset();

    // Second open: cached, no handshake, no card signature.
    SecretBytes handoutAgain;
    protocol::rpc::Response again = call(channel, wire::nameOf<wire::SessionOpen>(),
                                         params({{"url", shopUrl(shop)}}), &handoutAgain);
    REQUIRE(again.ok());
    CHECK((*again.result)["cached"].asBool());
    auto blobAgain = tls_proxy::decodeSessionHandout(handoutAgain.view(), "localhost", shop.port(),
                                                     tls_proxy::systemUnixNow());
    REQUIRE(blobAgain.ok());
    CHECK(blobAgain->masterSecret == blob->masterSecret);
    CHECK(blobAgain->sessionId == blob->sessionId);
    CHECK(fx.inProcessCard->signatures() == signaturesBefore + 1);

    protocol::rpc::Response listed = call(channel, wire::nameOf<wire::SessionList>());
    REQUIRE(listed.ok());
    REQUIRE((*listed.result)["sessions"].size() == 1);
    const std::string shopKey = "localhost:" + std::to_string(shop.port());
    CHECK((*listed.result)["sessions"][0]["shop"].asString() == shopKey);

    // Expiry (the clock moves past the 60 s cap): a fresh handshake, one more signature.
    fx.clockOffsetSeconds = 61;
    SecretBytes freshHandout;
    protocol::rpc::Response fresh = call(channel, wire::nameOf<wire::SessionOpen>(),
                                         params({{"url", shopUrl(shop)}}), &freshHandout);
    REQUIRE_MESSAGE(fresh.ok(), (fresh.error ? fresh.error->message : ""));
    CHECK_FALSE((*fresh.result)["cached"].asBool());
    CHECK(fx.inProcessCard->signatures() == signaturesBefore + 2);

    // The terminal says the shop refused to resume: drop it.
    protocol::rpc::Response dropped =
        call(channel, wire::nameOf<wire::SessionDrop>(), params({{"shop", shopKey}}));
    REQUIRE(dropped.ok());
    CHECK((*dropped.result)["dropped"].asBool());
    CHECK((*call(channel, wire::nameOf<wire::SessionList>()).result)["sessions"].empty());
    CHECK(errorCode(call(channel, wire::nameOf<wire::SessionDrop>(),
                         params({{"shop", "no port"}}))) == "invalid_params");

    // Relay mode: the server fetches the page itself.
    SecretBytes relayedPage;  // the page is the answer's binary attachment
    protocol::rpc::Response relayed = call(channel, wire::nameOf<wire::RelayRequest>(),
                                           params({{"url", shopUrl(shop)}}), &relayedPage);
    REQUIRE_MESSAGE(relayed.ok(), (relayed.error ? relayed.error->message : ""));
    CHECK((*relayed.result)["status"].asInt() == 200);
    CHECK((*relayed.result)["headers"].isMember("content-type"));
    CHECK_FALSE(relayed.result->isMember("body"));
    CHECK(std::string(relayedPage.view().begin(), relayedPage.view().end()).find("s_server") !=
          std::string::npos);

    protocol::rpc::Response finished = call(channel, wire::nameOf<wire::CardFinish>());
    REQUIRE(finished.ok());
    CHECK((*finished.result)["state"].asString() == "standby");

    protocol::rpc::Response serverStatus = admin(fx, "status");
    REQUIRE(serverStatus.ok());
    CHECK((*serverStatus.result)["card"].asString() == "standby");
    CHECK((*serverStatus.result)["connections"].asInt() == 1);

    REQUIRE(channel.close().ok());
    connection->reset();

    // Logs: state changes as "old -> new", no PIN, no blob.
    CHECK(fx.logContains("home card: standby -> crypto"));
    CHECK(fx.logContains("home card: crypto -> standby"));
    CHECK(fx.logContains("-> cached"));
    for (const std::string& line : fx.logLines()) {
      CAPTURE(line);
      CHECK(line.find(ServerFixture::kPin1) == std::string::npos);
      CHECK(line.find(ServerFixture::kPin2) == std::string::npos);
      CHECK(line.find("000000") == std::string::npos);
      CHECK(line.find(toHex(ByteView(blob->masterSecret.view()).first(12))) == std::string::npos);
      CHECK(line.find(protocol::rpc::base64Encode(blob->masterSecret.view()).substr(0, 16)) ==
            std::string::npos);
    }
  }

  TEST_CASE("the purse methods are served; a card without a purse says so and nothing moves") {
    ServerFixture fx(/*withAdminSocket=*/false);
    TestTerminal terminal("laptop-3", 903);
    REQUIRE(fx.terminals.registerTerminal(terminal.id(), terminal.publicKey()).ok());
    auto connection = terminal.connect(fx.port(), fx.serverPublicKey());
    REQUIRE_MESSAGE(connection.ok(), (connection.ok() ? "" : connection.error().message));
    auto& channel = **connection;
    // PIN2 authority first: the money-moving methods check it before their params.
    REQUIRE(fx.card->verifyPin1(ServerFixture::kPin1)->kind == PinOutcome::Kind::kAccepted);
    REQUIRE(call(channel, wire::nameOf<wire::CardPin2>(), params({{"pin", ServerFixture::kPin2}}))
                .ok());
    CHECK(errorCode(call(channel, wire::nameOf<wire::PurseBalance>())) == "no_purse");
    CHECK(errorCode(call(channel, wire::nameOf<wire::PurseHistory>())) == "no_purse");
    Json::Value pay;
    pay["url"] = "https://localhost:1/";
    pay["order_ref"] = "o-1";
    pay["currency"] = "EUR";
    pay["amount"] = 100;
    pay["shop_id"] = "elsewhere";
    CHECK(errorCode(call(channel, wire::nameOf<wire::PursePay>(), pay)) == "shop_mismatch");
    Json::Value topup;
    topup["bank_url"] = "https://localhost:2";
    topup["account"] = "alice";
    topup["amount"] = 100;
    // No purse.pending_vouchers_db in this server's config: top-ups are refused.
    CHECK(errorCode(call(channel, wire::nameOf<wire::PurseTopup>(), topup)) == "invalid_params");
    CHECK(errorCode(call(channel, wire::nameOf<wire::PurseCancel>(),
                         params({{"cancellation", "AAAA"}}))) == "invalid");
  }

  TEST_CASE("each method of the contract is served where its access rule says, and only there") {
    ServerFixture fx(/*withAdminSocket=*/true);
    TestTerminal terminal("laptop-9", 909);
    REQUIRE(fx.terminals.registerTerminal(terminal.id(), terminal.publicKey()).ok());
    auto connection = terminal.connect(fx.port(), fx.serverPublicKey());
    REQUIRE(connection.ok());
    auto& channel = **connection;
    REQUIRE(
        admin(fx, wire::nameOf<wire::AdminPin1>(), params({{"pin", ServerFixture::kPin1}})).ok());
    // A member no method has: the method must exist where it is called and read its params
    // through the contract (invalid_params), unless its access rule refuses the caller first.
    const Json::Value unknown = params({{"no_such_member", 1}});
    for (const wire::MethodInfo& method : wire::methodTable()) {
      const std::string name(method.name);
      INFO(name);
      switch (method.access) {
        case wire::Access::kTerminal:
          CHECK(errorCode(call(channel, name, unknown)) == "invalid_params");
          CHECK(errorCode(admin(fx, name, unknown)) == "method_not_found");
          break;
        case wire::Access::kTerminalPin2:
          // Admitted before its params are read: no PIN2 given on this terminal.
          CHECK(errorCode(call(channel, name, unknown)) == "pin2_required");
          CHECK(errorCode(admin(fx, name, unknown)) == "method_not_found");
          break;
        case wire::Access::kAdmin:
          CHECK(errorCode(admin(fx, name, unknown)) == "invalid_params");
          CHECK(errorCode(call(channel, name, unknown)) == "method_not_found");
          break;
      }
    }
  }

  TEST_CASE("malformed RPC requests are answered with errors; the connection lives on") {
    ServerFixture fx;
    TestTerminal terminal("laptop-2", 902);
    REQUIRE(fx.terminals.registerTerminal(terminal.id(), terminal.publicKey()).ok());
    auto connection = terminal.connect(fx.port(), fx.serverPublicKey());
    REQUIRE(connection.ok());
    auto& channel = **connection;
    struct Case {
      std::string text;
      const char* code;
    };
    const Case cases[] = {
        {"not json", "parse_error"},
        {"", "parse_error"},
        {R"({"v":2,"id":1,"method":"card.status"})", "unsupported_version"},
        {R"({"v":1,"id":1,"method":"card.explode"})", "method_not_found"},
        {R"({"v":1,"id":1,"method":"card.status","params":{"x":1}})", "invalid_params"},
        {R"({"v":1,"id":1,"method":"card.pin2","params":{}})", "invalid_params"},
        {R"({"v":1,"id":1,"method":"card.pin2","params":{"pin":1234}})", "invalid_params"},
        {R"({"v":1,"id":1,"method":"session.open","params":{"url":"http://x/"}})",
         "invalid_params"},
        {R"({"v":1,"id":1,"method":"session.open","params":{"url":"https://x/","mode":"relay"}})",
         "invalid_params"},
        {R"({"v":1,"id":1,"method":"relay.request","params":{"url":"https://x/","method":"PUT"}})",
         "invalid_params"},
        {R"({"v":1,"id":1,"method":"relay.request","params":{"url":"https://x/","body":"!!"}})",
         "invalid_params"},
        {R"({"v":1,"id":1,"method":"card.status","params":[]})", "invalid_request"},
    };
    // session.open and relay.request check the caller's PIN2 authority before their params.
    REQUIRE(fx.card->verifyPin1(ServerFixture::kPin1)->kind == PinOutcome::Kind::kAccepted);
    REQUIRE(call(channel, wire::nameOf<wire::CardPin2>(), params({{"pin", ServerFixture::kPin2}}))
                .ok());
    for (const Case& testCase : cases) {
      CAPTURE(testCase.text);
      const protocol::rpc::Response response = callRaw(channel, testCase.text);
      CHECK(errorCode(response) == testCase.code);
    }
    CHECK(call(channel, wire::nameOf<wire::CardStatus>()).ok());

    // A message over the 1 MiB bound (17 full records, all marked "more"): the server drops
    // this connection only.
    Bytes fragment(channel::kMaxRecordPlaintext, 'x');
    fragment[0] = rpc::kMoreFragments;
    for (int i = 0; i < 17; ++i) {
      if (!channel.send(fragment).ok()) break;
    }
    auto dropped = channel.receive();
    CHECK_FALSE((dropped.ok() && dropped->has_value()));

    // A record with an unknown fragment flag: the same.
    auto second = terminal.connect(fx.port(), fx.serverPublicKey());
    REQUIRE(second.ok());
    CHECK(call(**second, wire::nameOf<wire::CardStatus>()).ok());
    REQUIRE((*second)->send(Bytes{0x07, '{', '}'}).ok());
    auto end = (*second)->receive();
    CHECK_FALSE((end.ok() && end->has_value()));
    auto third = terminal.connect(fx.port(), fx.serverPublicKey());
    REQUIRE(third.ok());
    CHECK(call(**third, wire::nameOf<wire::CardStatus>()).ok());
    CHECK(fx.logContains("exceeds"));
    CHECK(fx.logContains("unknown fragment flag"));
  }

  TEST_CASE("unknown and revoked terminals are refused; garbage does not stop the server") {
    ServerFixture fx(/*withAdminSocket=*/true);
    TestTerminal stranger("stranger", 903);
    CHECK_FALSE(stranger.connect(fx.port(), fx.serverPublicKey()).ok());

    // Garbage instead of a handshake.
    {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(fx.port());
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
      const char garbage[] = "GET / HTTP/1.1\r\n\r\n";
      REQUIRE(::write(fd, garbage, sizeof garbage - 1) > 0);
      char byte = 0;
      (void)::read(fd, &byte, 1);  // the server answers (alert) or closes
      ::close(fd);
    }

    TestTerminal terminal("laptop-3", 904);
    protocol::rpc::Response registered =
        admin(fx, wire::nameOf<wire::TerminalRegister>(),
              params({{"id", terminal.id()}, {"key", toHex(terminal.publicKey())}}));
    REQUIRE_MESSAGE(registered.ok(), (registered.error ? registered.error->message : ""));
    CHECK(errorCode(admin(fx, wire::nameOf<wire::TerminalRegister>(),
                          params({{"id", "x"}, {"key", "zz"}}))) == "invalid_params");
    auto connection = terminal.connect(fx.port(), fx.serverPublicKey());
    REQUIRE_MESSAGE(connection.ok(), (connection.ok() ? "" : connection.error().message));
    CHECK(call(**connection, wire::nameOf<wire::CardStatus>()).ok());
    REQUIRE((*connection)->close().ok());
    REQUIRE(terminal.hasTicket());

    // Resumption with the ticket works while registered.
    auto resumedConnection = terminal.connect(fx.port(), fx.serverPublicKey(), true);
    REQUIRE(resumedConnection.ok());
    CHECK(terminal.lastResumed);
    REQUIRE((*resumedConnection)->close().ok());
    // A channel held open across the revocation (the terminal keeps its channel between
    // requests) is closed by it.
    auto held = terminal.connect(fx.port(), fx.serverPublicKey(), true);
    REQUIRE(held.ok());
    CHECK(call(**held, wire::nameOf<wire::CardStatus>()).ok());

    protocol::rpc::Response listed = admin(fx, wire::nameOf<wire::TerminalList>());
    REQUIRE(listed.ok());
    REQUIRE((*listed.result)["terminals"].size() == 1);
    CHECK_FALSE((*listed.result)["terminals"][0]["revoked"].asBool());

    REQUIRE(admin(fx, wire::nameOf<wire::TerminalRevoke>(), params({{"id", terminal.id()}})).ok());
    CHECK(errorCode(admin(fx, wire::nameOf<wire::TerminalRevoke>(), params({{"id", "nobody"}}))) ==
          "not_found");
    // The held channel is gone: reading from it finds the connection ended (the server shut it
    // down, without a close record), not an answer.
    auto afterRevoke = rpc::receiveMessage(**held);
    CHECK_FALSE(afterRevoke.ok());
    CHECK(fx.logContains("revoked (1 open channel(s) closed)"));
    // Neither a full handshake nor the old ticket gets in.
    CHECK_FALSE(terminal.connect(fx.port(), fx.serverPublicKey()).ok());
    CHECK_FALSE(terminal.connect(fx.port(), fx.serverPublicKey(), true).ok());
    CHECK((*admin(fx, wire::nameOf<wire::TerminalList>()).result)["terminals"][0]["revoked"]
              .asBool());
    CHECK(fx.logContains("terminal laptop-3: registered -> revoked"));
    CHECK(fx.logContains("refused"));
  }

  TEST_CASE("connections beyond the bound are refused, the others keep working") {
    ServerFixture fx;  // maxConnections = 4
    TestTerminal terminal("laptop-4", 905);
    REQUIRE(fx.terminals.registerTerminal(terminal.id(), terminal.publicKey()).ok());
    std::vector<std::unique_ptr<channel::ChannelConnection>> open;
    for (int i = 0; i < 4; ++i) {
      auto connection = terminal.connect(fx.port(), fx.serverPublicKey());
      REQUIRE(connection.ok());
      CHECK(call(**connection, wire::nameOf<wire::CardStatus>()).ok());
      open.push_back(std::move(connection.value()));
    }
    // The fifth is known only at the end of its handshake: the server then closes it unserved.
    auto fifth = terminal.connect(fx.port(), fx.serverPublicKey());
    if (fifth.ok()) {
      (void)rpc::sendMessage(**fifth, R"({"v":1,"id":1,"method":"card.status","params":{}})");
      auto answer = rpc::receiveMessage(**fifth);
      CHECK((!answer.ok() || !answer->has_value()));
    }
    CHECK(fx.logContains("terminals already connected"));
    for (auto& connection : open) CHECK(call(*connection, wire::nameOf<wire::CardStatus>()).ok());
  }

  TEST_CASE("a second server refuses an admin socket that is in use") {
    ServerFixture fx(/*withAdminSocket=*/true);
    protocol::rpc::Dispatcher nothing;
    ServerLog quiet(LogLevel::kError, [](std::string_view) {});
    AdminSocketServer second(fx.adminSocket, nothing, quiet);
    auto started = second.start();
    REQUIRE_FALSE(started.ok());
    CHECK(started.error().message.find("another server") != std::string::npos);
  }
}

}  // namespace hp::home_server::test

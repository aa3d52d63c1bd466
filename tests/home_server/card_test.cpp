// The card-backed pieces (CardHomeCard, CardTerminalDirectory over host/card_adapters) on the
// real home card applet in this process (tests/card_adapters' fixture), and the whole server on
// top: a terminal registered in the card's registry connects, PIN1 goes through the admin
// socket, and session.open authenticates to `openssl s_server` with the card's own key.
#include <doctest.h>

#include <chrono>

#include "host/home_server/card/card_home_card.hpp"
#include "host/home_server/daemon/admin_socket.hpp"
#include "protocol/rpc/base64.hpp"
#include "protocol/rpc/methods.hpp"
#include "tests/card_adapters/fixture.hpp"
#include "tests/home_server/test_terminal.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/tls_proxy/shop_server.hpp"
#include "tests/tls_proxy/test_pki.hpp"

namespace wire = hp::protocol::rpc;

namespace hp::home_server {

namespace {

namespace at = card_adapters::test;

// A certificate for the card's EC or RSA key issued by the test PKI's CA (which s_server
// trusts for client certificates), so the shop accepts the card-held key.
Bytes certificateFromTestCa(const card_adapters::HomePublicKey& key) {
  return at::makeCertificate(key, "User on the home card",
                             tls_proxy::test::testPki().dir + "/ca.key", "CN=homeproxy test CA");
}

}  // namespace

TEST_SUITE("card") {
  TEST_CASE("card-backed home card: PINs, states, the lazily opened signer") {
    at::HomeCard homeCard;
    CardHomeCard card(*homeCard.client, tls_proxy::KeyType::kEcP256,
                      homeCard.client->readCardAuthKey().value(), "\"test reader\"");
    auto status = card.status();
    REQUIRE(status.ok());
    CHECK(status->lifecycle == "operational");
    CHECK(status->security == "inhibited");
    // Before PIN1 the card gives neither certificate nor signature.
    CHECK(card.signer().certificateDer().empty());
    CHECK_FALSE(card.signer().signHash(MBEDTLS_MD_SHA256, Bytes(32, 1)).ok());

    auto wrong = card.verifyPin1("000000");
    REQUIRE(wrong.ok());
    CHECK(wrong->kind == PinOutcome::Kind::kWrong);
    CHECK(wrong->triesLeft == 2);
    REQUIRE(card.verifyPin1(std::string(at::kHomePin1))->kind == PinOutcome::Kind::kAccepted);
    CHECK(card.status()->security == "standby");
    CHECK(card.status()->pin1TriesLeft == 3);

    const auto key = at::must(homeCard.client->readPublicKey(card_adapters::HomeKeyRef::kEc));
    const Bytes certificate = at::makeCertificate(key, "User");
    at::mustOk(homeCard.client->putCertificate(card_adapters::HomeKeyRef::kEc, certificate));
    CHECK(card.signer().certificateDer() == certificate);
    CHECK_FALSE(card.signer().signHash(MBEDTLS_MD_SHA256, Bytes(32, 1)).ok());  // no PIN2 yet

    REQUIRE(card.verifyPin2(std::string(at::kHomePin2))->kind == PinOutcome::Kind::kAccepted);
    CHECK(card.status()->security == "crypto");
    const Bytes hash(32, 0x42);
    auto signature = card.signer().signHash(MBEDTLS_MD_SHA256, hash);
    REQUIRE(signature.ok());
    CHECK(at::verifiesWithCertificate(certificate, MBEDTLS_MD_SHA256, hash, *signature));
    REQUIRE(card.finish().ok());
    CHECK(card.status()->security == "standby");
  }

  TEST_CASE("card-backed terminal directory: the card's terminal registry") {
    at::HomeCard homeCard;
    CardHomeCard card(*homeCard.client, tls_proxy::KeyType::kEcP256,
                      homeCard.client->readCardAuthKey().value(), "\"test reader\"");
    CardTerminalDirectory directory(*homeCard.client);
    test::TestTerminal terminal("desk-7", 1001);
    // Inhibited: the registry cannot be read, so nobody gets in.
    CHECK_FALSE(directory.terminalKey("desk-7").ok());
    REQUIRE(card.verifyPin1(std::string(at::kHomePin1))->kind == PinOutcome::Kind::kAccepted);
    CHECK_FALSE(directory.terminalKey("desk-7").ok());
    REQUIRE(directory.registerTerminal("desk-7", terminal.publicKey()).ok());
    auto key = directory.terminalKey("desk-7");
    REQUIRE(key.ok());
    CHECK(*key == terminal.publicKey());
    // Registering again replaces the key.
    test::TestTerminal replacement("desk-7", 1002);
    REQUIRE(directory.registerTerminal("desk-7", replacement.publicKey()).ok());
    CHECK(*directory.terminalKey("desk-7") == replacement.publicKey());
    auto all = directory.list();
    REQUIRE(all.ok());
    REQUIRE(all->size() == 1);
    CHECK((*all)[0].id == "desk-7");
    REQUIRE(directory.revokeTerminal("desk-7").ok());
    CHECK_FALSE(directory.terminalKey("desk-7").ok());
    CHECK_FALSE(directory.revokeTerminal("desk-7").ok());
    CHECK(directory.list()->empty());
  }

  TEST_CASE(
      "the server on the card: registry lookup, PIN1 by admin, a session with the card's key") {
    // Both user key types of the home card: ECDSA P-256 and RSA-2048.
    for (const bool rsa : {false, true}) {
      CAPTURE(rsa);
      const card_adapters::HomeKeyRef keyRef =
          rsa ? card_adapters::HomeKeyRef::kRsa : card_adapters::HomeKeyRef::kEc;
      at::HomeCard homeCard;
      CardHomeCard card(*homeCard.client,
                        rsa ? tls_proxy::KeyType::kRsa2048 : tls_proxy::KeyType::kEcP256,
                        homeCard.client->readCardAuthKey().value(), "\"test reader\"");
      CardTerminalDirectory directory(*homeCard.client);
      tls_proxy::test::ShopServer shop(tls_proxy::test::ResumptionKind::kTicket);

      const hp::test::TempDir dir;  // the admin socket's; outlives the server below
      const std::string adminSocket = dir.file("admin.sock");
      auto serverRng = base::makeSeededRng(4242);
      auto serverKey = base::EcKeyPair::generate(*serverRng);
      REQUIRE(serverKey.ok());
      channel::SoftwareServerSigner serverSigner(std::move(serverKey.value()), *serverRng);
      channel::SystemWallClock wallClock;
      HomeServerConfig config;
      config.listenPort = 0;
      config.trustStoreCaFile = tls_proxy::test::testPki().caCert;
      config.serverKeyFile = "(injected)";
      config.adminSocketPath = adminSocket;
      config.relay.shops = {"localhost"};  // the test shop, on 127.0.0.1 (relay_policy.hpp)
      HomeServerParts parts;
      parts.card = &card;
      parts.terminals = &directory;
      parts.serverSigner = &serverSigner;
      parts.wallClock = &wallClock;
      parts.shopConnectAddress = "127.0.0.1";
      parts.logSink = [](std::string_view) {};
      HomeServer server(config, parts);
      REQUIRE(server.start().ok());

      const auto adminCallOk = [&](const std::string& method, Json::Value params) {
        protocol::rpc::Request request;
        request.id = 5;
        request.method = method;
        request.params = std::move(params);
        auto response = adminCall(adminSocket, request, 10'000);
        REQUIRE(response.ok());
        return response.value();
      };
      test::TestTerminal terminal("desk-8", 1003);
      Json::Value pin1;
      pin1["pin"] = std::string(at::kHomePin1);
      REQUIRE(adminCallOk("pin1", pin1).ok());
      Json::Value registration;
      registration["id"] = terminal.id();
      registration["key"] = toHex(terminal.publicKey());
      REQUIRE(adminCallOk(wire::nameOf<wire::TerminalRegister>(), registration).ok());

      const auto key = at::must(homeCard.client->readPublicKey(keyRef));
      at::mustOk(homeCard.client->putCertificate(keyRef, certificateFromTestCa(key)));

      auto connection = terminal.connect(server.port(), serverSigner.publicKey());
      REQUIRE_MESSAGE(connection.ok(), (connection.ok() ? "" : connection.error().message));
      const Json::Value pin2 = wire::PinParams{std::string(at::kHomePin2)}.toJson();
      REQUIRE(test::call(**connection, wire::nameOf<wire::CardPin2>(), pin2).ok());
      const uint64_t apdusBefore = homeCard.client->commands().commandsSent();
      Json::Value open;
      open["url"] = "https://localhost:" + std::to_string(shop.port()) + "/";
      const auto firstStart = std::chrono::steady_clock::now();
      SecretBytes handout;
      protocol::rpc::Response first =
          test::call(**connection, wire::nameOf<wire::SessionOpen>(), open, &handout);
      const auto firstMicros = std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - firstStart)
                                   .count();
      INFO("shop output: " << shop.output());
      REQUIRE_MESSAGE(first.ok(), (first.error ? first.error->message : ""));
      CHECK(homeCard.client->commands().commandsSent() > apdusBefore);
      // The second open is cached: no signature, only the state read.
      const uint64_t apdusAfterFirst = homeCard.client->commands().commandsSent();
      const auto secondStart = std::chrono::steady_clock::now();
      protocol::rpc::Response second =
          test::call(**connection, wire::nameOf<wire::SessionOpen>(), open, &handout);
      const auto secondMicros = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - secondStart)
                                    .count();
      // Figures for the report, not assertions (wall clock depends on the machine).
      MESSAGE("session.open over the channel, in-process card: fresh ", firstMicros, " us, ",
              apdusAfterFirst - apdusBefore, " card APDUs; cached ", secondMicros,
              " us, no APDU (a state read younger than authority.card_check_ms vouches)");
      REQUIRE(second.ok());
      CHECK((*second.result)["cached"].asBool());
      CHECK_FALSE(handout.empty());
      // No card APDU: the first visit's read of the card's state (GET DATA) is younger than
      // authority.card_check_ms (1 s), so it still vouches for the card (issue 8's target: a
      // cached visit costs no card APDU). Older reads are repeated (tests/security).
      CHECK(homeCard.client->commands().commandsSent() == apdusAfterFirst);
      REQUIRE((*connection)->close().ok());
      server.stop();
    }
  }
}

}  // namespace hp::home_server

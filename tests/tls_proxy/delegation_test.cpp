// End to end against `openssl s_server`: the home side does the full handshake with the user's
// (external) key, hands the session over as a blob, and a separate connection resumes it.
#include <doctest.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include "host/tls_proxy/delegated_handshake.hpp"
#include "host/tls_proxy/resumed_connection.hpp"
#include "tests/support/https_get.hpp"
#include "tests/tls_proxy/shop_server.hpp"
#include "tests/tls_proxy/test_pki.hpp"
#include "tests/tls_proxy/test_signers.hpp"

namespace hp::tls_proxy {

namespace {

using test::ResumptionKind;

ResumeOptions resumeOptions() {
  ResumeOptions options;
  options.connectAddress = "127.0.0.1";
  options.readTimeoutMs = 5000;
  return options;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The shop's status page line "Master-Key: <hex>" of the current connection.
std::string masterKeyOnStatusPage(const std::string& page) {
  const auto at = page.find("Master-Key: ");
  if (at == std::string::npos) return {};
  return page.substr(at + 12, 96);
}

void delegateAndResume(ResumptionKind kind, const std::string& keyPath, const std::string& certPath,
                       const std::string& userName) {
  test::ShopServer shop(kind);
  test::CountingSigner signer(test::loadSigner(keyPath, certPath));

  auto delegated = performDelegatedHandshake(test::loopbackShopRequest(shop.port()), signer);
  INFO("shop output: " << shop.output());
  REQUIRE_MESSAGE(delegated.ok(), (delegated.ok() ? "" : delegated.error().message));
  // One card signature per full handshake (CertificateVerify), none later.
  CHECK(delegated->signerCalls == 1);
  CHECK(signer.calls == 1);
  const SessionBlob& blob = delegated->blob;
  CHECK(blob.extendedMasterSecret);
  CHECK(blob.host == "localhost");
  CHECK(blob.port == shop.port());
  CHECK(lower(toHex(blob.shopCertificateSha256)) ==
        lower(test::sha256OfPemCertificateHex(test::testPki().shopCert)));
  CHECK(blob.expiresUnix > blob.createdUnix);
  if (kind == ResumptionKind::kTicket) {
    CHECK(blob.hasTicket());
    CHECK(blob.ticketLifetimeSeconds > 0);
  } else {
    CHECK_FALSE(blob.hasTicket());
    CHECK(blob.sessionId.size() == 32);
  }

  // The hand-over: bytes only, as between two processes.
  auto encoded = encodeSessionBlob(blob);
  REQUIRE(encoded.ok());
  auto received = decodeSessionBlob(encoded->view());
  REQUIRE(received.ok());

  auto connection = ResumedConnection::open(*received, resumeOptions());
  REQUIRE_MESSAGE(connection.ok(), (connection.ok() ? "" : connection.error().message));
  const ResumptionEvidence evidence = (*connection)->evidence();
  CHECK(evidence.resumed);
  // Nothing but hellos (and possibly a fresh ticket) in the clear: no Certificate, key exchange
  // or CertificateVerify, and no certificate ever reached X.509 code on this side.
  CHECK(evidence.clearHandshakeTypesSent == std::vector<uint8_t>{handshake_type::kClientHello});
  REQUIRE_FALSE(evidence.clearHandshakeTypesReceived.empty());
  CHECK(evidence.clearHandshakeTypesReceived.front() == handshake_type::kServerHello);
  for (uint8_t type : evidence.clearHandshakeTypesReceived) {
    CHECK((type == handshake_type::kServerHello || type == handshake_type::kNewSessionTicket));
  }
  CHECK(evidence.certificateVerifications == 0);
  CHECK_FALSE(evidence.peerCertificatePresent);
  CHECK(signer.calls == 1);

  auto response = httpsGet(**connection, "localhost");
  REQUIRE_MESSAGE(response.ok(), (response.ok() ? "" : response.error().message));
  CHECK(response->status == 200);
  // s_server's status page: the session was reused, with the user's certificate and the very
  // master secret the home side negotiated.
  CHECK(response->raw.find("Reused, TLSv1.2") != std::string::npos);
  CHECK(response->raw.find("Client certificate") != std::string::npos);
  CHECK(response->raw.find("CN=" + userName) != std::string::npos);
  CHECK(lower(masterKeyOnStatusPage(response->raw)) == lower(toHex(blob.masterSecret.view())));

  const std::string path = kind == ResumptionKind::kTicket ? "ticket" : "session id";
  CHECK((*connection)->close().ok());
  const WireStats resumedTotal = (*connection)->wire();
  connection = makeError("closed");  // s_server -www serves one connection at a time

  if (kind == ResumptionKind::kTicket) {
    // The ticket alone is enough (RFC 5077, 3.4: the client makes up the session id).
    SessionBlob ticketOnly = *received;
    ticketOnly.sessionId.clear();
    auto again = ResumedConnection::open(ticketOnly, resumeOptions());
    if (!again.ok()) FAIL_CHECK(again.error().message);
    REQUIRE(again.ok());
    CHECK((*again)->evidence().resumed);
  }

  MESSAGE(userName << ", " << path << " (" << delegated->ciphersuiteName << "): full handshake "
                   << delegated->wire.bytesSent << " B sent + " << delegated->wire.bytesReceived
                   << " B received = " << delegated->wire.total() << " B; resumption "
                   << evidence.handshakeWire.bytesSent << " + "
                   << evidence.handshakeWire.bytesReceived << " = "
                   << evidence.handshakeWire.total() << " B (with GET and close: "
                   << resumedTotal.total() << " B); blob " << encoded->size() << " B");
}

}  // namespace

TEST_SUITE("delegation") {
  TEST_CASE("EC user, session-id shop: delegate, then resume and fetch") {
    const auto& pki = test::testPki();
    delegateAndResume(ResumptionKind::kSessionId, pki.userEcKey, pki.userEcCert, "User EC");
  }

  TEST_CASE("EC user, ticket shop: delegate, then resume and fetch") {
    const auto& pki = test::testPki();
    delegateAndResume(ResumptionKind::kTicket, pki.userEcKey, pki.userEcCert, "User EC");
  }

  TEST_CASE("RSA user, session-id shop: delegate, then resume and fetch") {
    const auto& pki = test::testPki();
    delegateAndResume(ResumptionKind::kSessionId, pki.userRsaKey, pki.userRsaCert, "User RSA");
  }

  TEST_CASE("RSA user, ticket shop: delegate, then resume and fetch") {
    const auto& pki = test::testPki();
    delegateAndResume(ResumptionKind::kTicket, pki.userRsaKey, pki.userRsaCert, "User RSA");
  }

  TEST_CASE("a shop not issued by the trust store is refused with a clear error") {
    test::ShopServer shop(ResumptionKind::kSessionId);
    test::CountingSigner signer(
        test::loadSigner(test::testPki().userEcKey, test::testPki().userEcCert));
    DelegatedHandshakeRequest request = test::loopbackShopRequest(shop.port());
    request.caFile = test::testPki().otherCaCert;
    auto result = performDelegatedHandshake(request, signer);
    REQUIRE_FALSE(result.ok());
    MESSAGE(result.error().message);
    CHECK(result.error().message.find("not issued by a CA in the trust store") !=
          std::string::npos);
    // The card was never asked to sign for an unverified shop.
    CHECK(signer.calls == 0);
  }

  TEST_CASE("a shop certificate for another host name is refused with a clear error") {
    test::ShopServer shop(ResumptionKind::kSessionId);
    test::CountingSigner signer(
        test::loadSigner(test::testPki().userEcKey, test::testPki().userEcCert));
    DelegatedHandshakeRequest request = test::loopbackShopRequest(shop.port());
    request.host = "shop.example.com";
    auto result = performDelegatedHandshake(request, signer);
    REQUIRE_FALSE(result.ok());
    MESSAGE(result.error().message);
    CHECK(result.error().message.find("does not match the host name 'shop.example.com'") !=
          std::string::npos);
    CHECK(signer.calls == 0);
  }

  TEST_CASE("a card that refuses to sign fails the handshake with its reason") {
    test::ShopServer shop(ResumptionKind::kSessionId);
    test::RefusingSigner signer(
        test::loadSigner(test::testPki().userEcKey, test::testPki().userEcCert));
    auto result = performDelegatedHandshake(test::loopbackShopRequest(shop.port()), signer);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message.find("client key signer failed") != std::string::npos);
    CHECK(result.error().message.find("6982") != std::string::npos);
  }

  TEST_CASE(
      "certificateJudged: the verified leaf, also when the signer refuses; none for a bad one") {
    test::ShopServer shop(ResumptionKind::kSessionId);
    const auto& pki = test::testPki();
    const std::string shopLeaf = test::sha256OfPemCertificateHex(pki.shopCert);
    std::vector<std::optional<CertificateSha256>> judged;
    DelegatedHandshakeRequest request = test::loopbackShopRequest(shop.port());
    request.certificateJudged = [&judged](const std::optional<CertificateSha256>& leaf) {
      judged.push_back(leaf);
    };
    test::CountingSigner signer(test::loadSigner(pki.userEcKey, pki.userEcCert));
    auto delegated = performDelegatedHandshake(request, signer);
    REQUIRE(delegated.ok());
    REQUIRE(judged.size() == 1);
    REQUIRE(judged[0].has_value());
    CHECK(toHex(ByteView(judged[0]->data(), judged[0]->size())) == shopLeaf);
    // The shop closed after our close_notify well within the bound (it answers at once here).
    CHECK(delegated->closeWaitMicros < 900'000);

    // A card that will not sign (standby): the chain and name verified before it was asked.
    test::RefusingSigner refusing(test::loadSigner(pki.userEcKey, pki.userEcCert));
    REQUIRE_FALSE(performDelegatedHandshake(request, refusing).ok());
    REQUIRE(judged.size() == 2);
    REQUIRE(judged[1].has_value());
    CHECK(toHex(ByteView(judged[1]->data(), judged[1]->size())) == shopLeaf);

    // A trust store that does not know the shop's CA: judged, and not verified.
    request.caFile = pki.otherCaCert;
    REQUIRE_FALSE(performDelegatedHandshake(request, signer).ok());
    REQUIRE(judged.size() == 3);
    CHECK_FALSE(judged[2].has_value());

    // Nothing listening: no certificate judged at all.
    uint16_t closedPort = 0;
    {
      test::ShopServer gone(ResumptionKind::kSessionId);
      closedPort = gone.port();
    }
    request.caFile = pki.caCert;
    request.port = closedPort;
    REQUIRE_FALSE(performDelegatedHandshake(request, signer).ok());
    CHECK(judged.size() == 3);
  }

  TEST_CASE("a session the shop does not know is refused by the terminal, no full handshake") {
    for (ResumptionKind kind : {ResumptionKind::kSessionId, ResumptionKind::kTicket}) {
      CAPTURE(static_cast<int>(kind));
      test::ShopServer shop(kind);
      test::CountingSigner signer(
          test::loadSigner(test::testPki().userEcKey, test::testPki().userEcCert));
      auto delegated = performDelegatedHandshake(test::loopbackShopRequest(shop.port()), signer);
      REQUIRE(delegated.ok());
      // Same shop, same suite, but a session id / ticket the shop never issued.
      SessionBlob forged = delegated->blob;
      std::fill(forged.sessionId.begin(), forged.sessionId.end(), 0x42);
      std::fill(forged.ticket.begin(), forged.ticket.end(), 0x42);
      auto connection = ResumedConnection::open(forged, resumeOptions());
      REQUIRE_FALSE(connection.ok());
      MESSAGE(connection.error().message);
      CHECK(connection.error().message.find(
                "shop refused to resume; ask the home server for a fresh session") !=
            std::string::npos);
    }
  }

  TEST_CASE("an expired blob is refused before connecting") {
    test::ShopServer shop(ResumptionKind::kSessionId);
    test::CountingSigner signer(
        test::loadSigner(test::testPki().userEcKey, test::testPki().userEcCert));
    auto delegated = performDelegatedHandshake(test::loopbackShopRequest(shop.port()), signer);
    REQUIRE(delegated.ok());
    CHECK(delegated->blob.expiresUnix - delegated->blob.createdUnix == 300);
    ResumeOptions options = resumeOptions();
    const int64_t expiry = delegated->blob.expiresUnix;
    options.now = [expiry] { return expiry; };
    auto connection = ResumedConnection::open(delegated->blob, options);
    REQUIRE_FALSE(connection.ok());
    CHECK(connection.error().message.find("expired") != std::string::npos);
    // One second earlier it still resumes.
    options.now = [expiry] { return expiry - 1; };
    auto stillValid = ResumedConnection::open(delegated->blob, options);
    REQUIRE_MESSAGE(stillValid.ok(), (stillValid.ok() ? "" : stillValid.error().message));
    CHECK((*stillValid)->evidence().resumed);
  }

  TEST_CASE("nothing listening: the connection error is clear") {
    uint16_t closedPort = 0;
    {
      test::ShopServer shop(ResumptionKind::kSessionId);
      closedPort = shop.port();
    }  // killed: the port is closed now
    test::CountingSigner signer(
        test::loadSigner(test::testPki().userEcKey, test::testPki().userEcCert));
    DelegatedHandshakeRequest request;
    request.host = "localhost";
    request.connectAddress = "127.0.0.1";
    request.port = closedPort;
    request.caFile = test::testPki().caCert;
    auto result = performDelegatedHandshake(request, signer);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message.find("could not connect") != std::string::npos);
  }
}

}  // namespace hp::tls_proxy

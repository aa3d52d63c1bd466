#include "tools/bench/bench_proxy_world.hpp"

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "base/tlv.hpp"

namespace hp::bench {

namespace {

template <typename T>
Result<T> fromCard(card_adapters::CardResult<T> result) {
  if (!result) return card_adapters::toError(result.error());
  if constexpr (std::is_void_v<T>) {
    return {};
  } else {
    return std::move(result.value());
  }
}

// Personalization commands (the clients only cover what hosts do in operation), as in
// tests/card_adapters/fixture.cpp.
Result<void> run(card_adapters::CardCommands& commands, uint8_t ins, uint8_t p1, uint8_t p2,
                 ByteView data = {}, uint32_t ne = 0) {
  auto r = commands.run("personalization", 0x00, ins, p1, p2, data, ne);
  if (!r) return card_adapters::toError(r.error());
  return {};
}

// An X.509 certificate for the home card's EC key issued by the benchmark's root CA (which the
// shop trusts for client certificates), so the shop accepts the card-held key.
Result<Bytes> certificateFromRoot(const PkiFiles& pki, const Bytes& point, base::Rng& rng) {
  mbedtls_pk_context issuer, subject;
  mbedtls_x509write_cert writer;
  mbedtls_mpi serial;
  mbedtls_pk_init(&issuer);
  mbedtls_pk_init(&subject);
  mbedtls_x509write_crt_init(&writer);
  mbedtls_mpi_init(&serial);
  Bytes der;
  bool ok = mbedtls_pk_parse_keyfile(&issuer, pki.rootKey().c_str(), nullptr) == 0 &&
            mbedtls_pk_setup(&subject, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) == 0;
  if (ok) {
    mbedtls_ecp_keypair* ec = mbedtls_pk_ec(subject);
    ok = mbedtls_ecp_group_load(&ec->grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
         mbedtls_ecp_point_read_binary(&ec->grp, &ec->Q, point.data(), point.size()) == 0;
  }
  if (ok) {
    mbedtls_x509write_crt_set_version(&writer, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&writer, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&writer, &subject);
    mbedtls_x509write_crt_set_issuer_key(&writer, &issuer);
    ok = mbedtls_x509write_crt_set_subject_name(&writer, "CN=User on the home card") == 0 &&
         mbedtls_x509write_crt_set_issuer_name(&writer, "CN=homeproxy bench root") == 0 &&
         mbedtls_mpi_lset(&serial, 7) == 0 &&
         mbedtls_x509write_crt_set_serial(&writer, &serial) == 0 &&
         mbedtls_x509write_crt_set_validity(&writer, "20250101000000", "20350101000000") == 0;
  }
  if (ok) {
    Bytes buffer(4096);
    const int length = mbedtls_x509write_crt_der(&writer, buffer.data(), buffer.size(),
                                                 &base::Rng::mbedtlsCallback, &rng);
    ok = length > 0;
    if (ok) der.assign(buffer.end() - length, buffer.end());  // mbedTLS writes at the end
  }
  mbedtls_mpi_free(&serial);
  mbedtls_x509write_crt_free(&writer);
  mbedtls_pk_free(&subject);
  mbedtls_pk_free(&issuer);
  if (!ok) return makeError("cannot issue the home card's certificate with " + pki.rootKey());
  return der;
}

template <typename Applet>
Result<void> bootCard(InProcessCard<Applet>& card, uint64_t seed, Bytes atr,
                      const char* description) {
  card.rng = base::makeSeededRng(seed);
  auto applet = Applet::open(card.storage, card.clock, *card.rng);
  if (!applet) return applet.error();
  card.applet = std::move(applet.value());
  card.runtime = std::make_unique<card::runtime::CardRuntime>(
      std::move(atr), std::vector<card::runtime::Applet*>{card.applet.get()});
  card.transport = std::make_unique<pcsc_bridge::InProcessTransport>(*card.runtime, description);
  card.counted = std::make_unique<CountingTransport>(*card.transport);
  return {};
}

}  // namespace

Result<std::unique_ptr<Shop>> Shop::start(const PkiFiles& pki, bool tickets) {
  std::vector<std::string> args = {
      "openssl",      "s_server",     "-accept",     "127.0.0.1:0", "-cert",
      pki.shopCert(), "-key",         pki.shopKey(), "-cert_chain", pki.intermediateCert(),
      "-CAfile",      pki.rootCert(), "-Verify",     "3",           "-tls1_2",
      "-www"};
  if (!tickets) args.push_back("-no_ticket");
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (pipe(fds) != 0) return makeError("pipe failed");
  std::unique_ptr<Shop> shop(new Shop());
  const pid_t parent = getpid();
  shop->pid_ = fork();
  if (shop->pid_ < 0) return makeError("fork failed");
  if (shop->pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the benchmark
    if (getppid() != parent) _exit(1);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    execvp("openssl", argv.data());
    _exit(127);
  }
  close(fds[1]);
  shop->outputFd_ = fds[0];
  // It listens before printing "ACCEPT 127.0.0.1:<port>".
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string text;
  while (shop->port_ == 0 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{shop->outputFd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buffer[512];
    const ssize_t n = read(shop->outputFd_, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    const auto at = text.find("ACCEPT 127.0.0.1:");
    const auto end = at == std::string::npos ? at : text.find('\n', at);
    if (end != std::string::npos) {
      shop->port_ = static_cast<uint16_t>(std::stoi(text.substr(at + 17, end - at - 17)));
    }
  }
  if (shop->port_ == 0) return makeError("s_server did not start: " + text);
  shop->drainer_ = std::thread([fd = shop->outputFd_] {
    char buffer[4096];
    while (read(fd, buffer, sizeof buffer) > 0) {
    }
  });
  return shop;
}

Shop::~Shop() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (drainer_.joinable()) drainer_.join();  // EOF once the child is gone
  if (outputFd_ >= 0) close(outputFd_);
}

Result<std::unique_ptr<HomeSide>> HomeSide::start(const PkiFiles& pki) {
  std::unique_ptr<HomeSide> side(new HomeSide());
  if (auto booted = bootCard(side->card, 0x40E, card::homecard::homeCardAtr(), "homecard");
      !booted) {
    return booted.error();
  }
  side->client = std::make_unique<card_adapters::HomeCardClient>(*side->card.counted);
  if (auto r = fromCard(side->client->select()); !r) return r.error();
  auto& commands = side->client->commands();
  const auto ascii = [](const char* text) { return bytesOf(text); };
  for (const auto& r :
       {run(commands, 0x24, 0x01, 0x81, ascii(kPin1)),
        run(commands, 0x24, 0x01, 0x82, ascii(kPin2)),
        run(commands, 0x24, 0x01, 0x83, ascii("12345678")), run(commands, 0x44, 0, 0)}) {
    if (!r) return r.error();
  }
  auto cardKey = fromCard(side->client->readCardAuthKey());
  if (!cardKey) return cardKey.error();
  for (auto pin : {side->client->verifyPin1Protected(*cardKey, kPin1),
                   side->client->verifyPin2Protected(*cardKey, kPin2)}) {
    if (!pin || !pin->verified()) return makeError("home card refused a PIN while personalizing");
  }
  auto key = fromCard(side->client->generateKey(card_adapters::HomeKeyRef::kEc));
  if (!key) return key.error();
  auto certificate = certificateFromRoot(pki, key->point, *side->card.rng);
  if (!certificate) return certificate.error();
  if (auto r = fromCard(side->client->putCertificate(card_adapters::HomeKeyRef::kEc, *certificate));
      !r) {
    return r.error();
  }

  side->homeCard = std::make_unique<home_server::CardHomeCard>(
      *side->client, tls_proxy::KeyType::kEcP256, *cardKey, "the bench's card");
  side->directory = std::make_unique<home_server::CardTerminalDirectory>(*side->client);
  side->serverRng = base::makeSeededRng(4242);
  auto serverKey = base::EcKeyPair::generate(*side->serverRng);
  if (!serverKey) return serverKey.error();
  side->serverSigner = std::make_unique<channel::SoftwareServerSigner>(std::move(serverKey.value()),
                                                                       *side->serverRng);
  home_server::HomeServerConfig config;
  config.listenPort = 0;
  config.maxConnections = 8;
  config.trustStoreCaFile = pki.rootCert();
  config.serverKeyFile = "(injected)";
  config.adminSocketPath = "";
  config.relay.shops = {"localhost"};  // the bench shops, on 127.0.0.1 (relay_policy.hpp)
  home_server::HomeServerParts parts;
  parts.card = side->homeCard.get();
  parts.terminals = side->directory.get();
  parts.serverSigner = side->serverSigner.get();
  parts.wallClock = &side->wallClock;
  parts.shopConnectAddress = "127.0.0.1";
  parts.logSink = [](std::string_view) {};
  side->server = std::make_unique<home_server::HomeServer>(config, parts);
  if (auto started = side->server->start(); !started) return started.error();
  return side;
}

HomeSide::~HomeSide() {
  if (server) server->stop();
}

Result<std::unique_ptr<AccessSide>> AccessSide::create(const Bytes& homeServerKey,
                                                       const std::string& terminalId,
                                                       const std::string& homeAddress) {
  std::unique_ptr<AccessSide> side(new AccessSide());
  if (auto booted = bootCard(side->card, 0xACCE, card::accesscard::accessCardAtr(), "accesscard");
      !booted) {
    return booted.error();
  }
  side->client = std::make_unique<card_adapters::AccessCardClient>(*side->card.counted);
  if (auto r = fromCard(side->client->select()); !r) return r.error();
  auto& c = side->client->commands();
  // Profile: as in tests/card_adapters/fixture.cpp (narrow phone layout).
  const Bytes profile{0x80, 0x01, 0x02, 0x81, 0x02, 0x00, 0x50,
                      0x82, 0x02, 0x00, 0x18, 0x83, 0x01, 0x02};
  for (const auto& r :
       {run(c, 0x24, 0x01, 0x81, bytesOf(kPin)), run(c, 0x24, 0x01, 0x83, bytesOf("87654321")),
        run(c, 0x47, 0x80, 0x01, {}, 256), run(c, 0xDA, 0xDF, 0x30, bytesOf(terminalId)),
        run(c, 0xDA, 0xDF, 0x31, homeServerKey), run(c, 0xDA, 0xDF, 0x32, bytesOf(homeAddress)),
        run(c, 0xDA, 0xDF, 0x33, profile), run(c, 0x44, 0, 0)}) {
    if (!r) return r.error();
  }
  if (auto pin = side->client->verifyPin(kPin); !pin || !pin->verified()) {
    return makeError("access card refused its PIN");
  }
  return side;
}

long peakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace hp::bench

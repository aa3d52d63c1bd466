// The shop check of a PIN-only payment (issue 13) and the close wait of a full delegated
// handshake, over a slow link: run by run_shop_check_bench.sh, which makes the PKI and starts
// `openssl s_server` shops (one with session ids only, one with tickets); here each sits behind
// an in-process DelayRelay (default 10 ms each way = 20 ms round trip, connect costing one round
// trip as on a real link). Figures (median, mean, p99, max of --rounds runs):
//   before       the check as it was per PIN-only payment: the session's handshake, refused by the
//                card in standby, then a handshake that stops at the signature (2 handshakes);
//   after-first  the first payment to a shop now: the session's handshake alone (it verified the
//                shop before the card refused);
//   after-repeat a repeated payment within the lifetime: the "certificate checked at" cache;
//   full-sid     a full delegated handshake with a session-id shop (a card that signs), and in it
//                the wait for the shop's close after our close_notify;
//   full-ticket  the same with a ticket shop (no wait).
// The card's own time (its refusal, its signature) is not in these: a software key stands in.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "host/home_server/sessions/shop_check.hpp"
#include "host/tls_proxy/software_signer.hpp"
#include "tools/bench/bench_stats.hpp"
#include "tools/bench/delay_relay.hpp"

namespace hp::bench {

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string ca, userCert, userKey;
  uint16_t sessionIdPort = 0, ticketPort = 0;
  uint32_t oneWayMs = 10;
  int rounds = 30;
};

// The home card in standby: its certificate, and 6982 for every signature.
class StandbyCard final : public tls_proxy::ClientKeySigner {
 public:
  explicit StandbyCard(tls_proxy::ClientKeySigner& user) : user_(user) {}
  tls_proxy::KeyType keyType() const override { return user_.keyType(); }
  Bytes certificateDer() const override { return user_.certificateDer(); }
  Result<Bytes> signHash(mbedtls_md_type_t, ByteView) override {
    return makeError("card answered 6982 (standby)");
  }

 private:
  tls_proxy::ClientKeySigner& user_;
};

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void print(const char* name, const std::vector<double>& ms, const char* note) {
  std::vector<double> us;
  us.reserve(ms.size());
  for (double v : ms) us.push_back(v * 1000);
  const Stats s = summarize(us);
  std::printf("%-13s median %9.3f ms  mean %9.3f  p99 %9.3f  max %9.3f  (n=%zu) %s\n", name,
              s.medianUs / 1000, s.meanUs / 1000, s.p99Us / 1000, s.maxUs / 1000, ms.size(), note);
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--ca") {
      o.ca = value;
    } else if (flag == "--user-cert") {
      o.userCert = value;
    } else if (flag == "--user-key") {
      o.userKey = value;
    } else if (flag == "--session-id-port") {
      o.sessionIdPort = static_cast<uint16_t>(std::atoi(value));
    } else if (flag == "--ticket-port") {
      o.ticketPort = static_cast<uint16_t>(std::atoi(value));
    } else if (flag == "--one-way-ms") {
      o.oneWayMs = static_cast<uint32_t>(std::atoi(value));
    } else if (flag == "--rounds") {
      o.rounds = std::atoi(value);
    } else {
      return false;
    }
  }
  return !o.ca.empty() && !o.userCert.empty() && !o.userKey.empty() && o.sessionIdPort != 0 &&
         o.ticketPort != 0 && o.rounds > 0;
}

// One purse shop check (ShopCheck::verify) the way the home server wires it.
struct CheckWorld {
  home_server::ServerLog log{home_server::LogLevel::kError, [](std::string_view) {}};
  home_server::ShopCheck checks;
  home_server::SessionManager::Handshake observed;
  home_server::SessionManager sessions;
  tls_proxy::ClientKeySigner& card;
  std::string ca;
  int handshakes = 0;

  CheckWorld(uint32_t lifetime, const std::string& caFile, tls_proxy::ClientKeySigner& standby)
      : checks(lifetime, tls_proxy::systemUnixNow, log),
        observed(checks.observing(
            [this](const tls_proxy::DelegatedHandshakeRequest& request,
                   tls_proxy::ClientKeySigner& signer) -> Result<tls_proxy::DelegatedSession> {
              ++handshakes;
              return tls_proxy::performDelegatedHandshake(request, signer);
            })),
        sessions(sessionConfig(caFile), standby, log, observed),
        card(standby),
        ca(caFile) {}

  static home_server::SessionManagerConfig sessionConfig(const std::string& caFile) {
    home_server::SessionManagerConfig config;
    config.caFile = caFile;
    config.connectAddress = "127.0.0.1";
    return config;
  }

  bool verify(uint16_t port) {
    home_server::ShopUrl url{"localhost", port, "/"};
    auto verified = checks.verify(
        url,
        [this](const home_server::ShopUrl& shop) -> Result<void> {
          auto opened = sessions.open(shop);
          if (!opened) return opened.error();
          return {};
        },
        [this](const home_server::ShopUrl& shop) -> Result<void> {
          tls_proxy::DelegatedHandshakeRequest request;
          request.host = shop.host;
          request.port = shop.port;
          request.caFile = ca;
          request.connectAddress = "127.0.0.1";
          if (home_server::ShopCheck::checkWithoutSignature(observed, request, card)) return {};
          return makeError("the shop's certificate did not verify");
        });
    if (!verified) std::fprintf(stderr, "check failed: %s\n", verified.error().message.c_str());
    return verified.ok();
  }
};

int run(const Options& o) {
  auto user = tls_proxy::SoftwareSigner::fromPemFiles(o.userKey, o.userCert);
  if (!user) {
    std::fprintf(stderr, "user key: %s\n", user.error().message.c_str());
    return 1;
  }
  StandbyCard standby(**user);
  auto sidRelay = DelayRelay::start(o.sessionIdPort, o.oneWayMs);
  auto ticketRelay = DelayRelay::start(o.ticketPort, o.oneWayMs);
  if (!sidRelay || !ticketRelay) {
    std::fprintf(stderr, "relay: could not start\n");
    return 1;
  }
  (*sidRelay)->setConnectRoundTrip(true);
  (*ticketRelay)->setConnectRoundTrip(true);
  const uint16_t sid = (*sidRelay)->port();
  const uint16_t ticket = (*ticketRelay)->port();
  std::printf("link: %u ms each way (%u ms round trip), connect one round trip; %d rounds\n",
              o.oneWayMs, 2 * o.oneWayMs, o.rounds);

  std::vector<double> before, afterFirst, afterRepeat, fullSid, closeWait, fullTicket;
  int beforeHandshakes = 0, firstHandshakes = 0;
  for (int i = 0; i < o.rounds; ++i) {
    {
      CheckWorld old(0, o.ca, standby);  // lifetime 0: nothing counts, as before the cache
      const auto start = Clock::now();
      if (!old.verify(sid)) return 1;
      before.push_back(msSince(start));
      beforeHandshakes += old.handshakes;
    }
    CheckWorld now(300, o.ca, standby);
    auto start = Clock::now();
    if (!now.verify(sid)) return 1;
    afterFirst.push_back(msSince(start));
    firstHandshakes += now.handshakes;
    start = Clock::now();
    if (!now.verify(sid)) return 1;
    afterRepeat.push_back(msSince(start));

    for (uint16_t port : {sid, ticket}) {
      tls_proxy::DelegatedHandshakeRequest request;
      request.host = "localhost";
      request.port = port;
      request.caFile = o.ca;
      request.connectAddress = "127.0.0.1";
      request.offerTickets = port == ticket;
      start = Clock::now();
      auto full = tls_proxy::performDelegatedHandshake(request, **user);
      if (!full) {
        std::fprintf(stderr, "full handshake: %s\n", full.error().message.c_str());
        return 1;
      }
      (port == sid ? fullSid : fullTicket).push_back(msSince(start));
      if (port == sid) closeWait.push_back(full->closeWaitMicros / 1000.0);
    }
  }
  print("before", before, "(session handshake refused by the card + stop-at-signature)");
  std::printf("              handshakes per check: %.1f\n",
              static_cast<double>(beforeHandshakes) / o.rounds);
  print("after-first", afterFirst, "(the session handshake alone)");
  std::printf("              handshakes per check: %.1f\n",
              static_cast<double>(firstHandshakes) / o.rounds);
  print("after-repeat", afterRepeat, "(cached: no handshake)");
  print("full-sid", fullSid, "(full delegated handshake, session-id shop, incl. close wait)");
  print("  close-wait", closeWait, "(of which: waiting for the shop's close)");
  print("full-ticket", fullTicket, "(full delegated handshake, ticket shop: no wait)");
  return 0;
}

}  // namespace

}  // namespace hp::bench

int main(int argc, char** argv) {
  hp::bench::Options options;
  if (!hp::bench::parse(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: bench_shop_check --ca CA.pem --user-cert U.pem --user-key U.key "
                 "--session-id-port P --ticket-port P [--one-way-ms 10] [--rounds 30]\n");
    return 2;
  }
  return hp::bench::run(options);
}

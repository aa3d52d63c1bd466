// The real home card applet in this process, personalized and operational, with the home
// server's card-backed HomeCard on top: what the home server's tests and benches use instead of
// a PC/SC card (CardRuntime over pcsc::InProcessTransport, MemoryStorage, a ManualClock that
// stands still, a seeded RNG). It starts inhibited, as after a power-up, and PINs go to it
// sealed to its card authentication key, as they do in the daemon.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "base/clock.hpp"
#include "base/rng.hpp"
#include "card/homecard/home_card_applet.hpp"
#include "card/runtime/card_runtime.hpp"
#include "card/runtime/storage.hpp"
#include "host/card_adapters/home_card_client.hpp"
#include "host/home_server/card/card_home_card.hpp"
#include "host/pcsc_bridge/in_process_transport.hpp"

namespace hp::home_server::test {

struct InProcessHomeCardOptions {
  std::string pin1 = "123456";
  std::string pin2 = "654321";
  std::string puk = "12345678";
  uint64_t seed = 1;
  // The EC user key's certificate is issued by this CA (PEM key file, issuer name), so shops
  // that trust the CA accept the card-held key. Empty: the card holds no certificate.
  std::string issuerKeyFile;
  std::string issuerName;
  std::string commonName = "User on the home card";
};

class InProcessHomeCard {
 public:
  static Result<std::unique_ptr<InProcessHomeCard>> create(const InProcessHomeCardOptions& options);
  InProcessHomeCard(const InProcessHomeCard&) = delete;
  InProcessHomeCard& operator=(const InProcessHomeCard&) = delete;

  HomeCard& card() { return *homeCard_; }
  card_adapters::HomeCardClient& client() { return *client_; }
  // PSO: COMPUTE DIGITAL SIGNATURE commands the card answered with 9000 (its TLS signatures).
  int signatures() const { return transport_->signatures.load(); }

 private:
  // Counts the card's signatures on their way back, as a shop-side observer would.
  class CountingTransport final : public pcsc_bridge::Transport {
   public:
    explicit CountingTransport(pcsc_bridge::Transport& inner) : inner_(inner) {}
    Result<Bytes> transmitRaw(ByteView command) override;
    Result<void> reset() override { return inner_.reset(); }
    Result<Bytes> atr() override { return inner_.atr(); }
    std::string describe() const override { return inner_.describe(); }
    std::atomic<int> signatures{0};

   private:
    pcsc_bridge::Transport& inner_;
  };

  InProcessHomeCard() = default;
  Result<void> open(const Bytes& image, uint64_t seed);

  card::runtime::MemoryStorage storage_;
  base::ManualClock clock_;
  std::unique_ptr<base::Rng> rng_;
  std::unique_ptr<card::homecard::HomeCardApplet> applet_;
  std::unique_ptr<card::runtime::CardRuntime> runtime_;
  std::unique_ptr<pcsc_bridge::InProcessTransport> inProcess_;
  std::unique_ptr<CountingTransport> transport_;
  std::unique_ptr<card_adapters::HomeCardClient> client_;
  std::unique_ptr<CardHomeCard> homeCard_;
};

}  // namespace hp::home_server::test

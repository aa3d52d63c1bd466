// A home card with a purse for the purse tests: personalized, an EC key, a bank ("bank",
// registry 03) and two shops ("shop.example", "other.example", registry 02) registered, the
// purse initialized in EUR, and the card left in the crypto state. The bank's and shops' keys
// live here, so tests can sign vouchers and cancellations as they would.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/ec_key.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tests/homecard/test_card.hpp"

namespace hp::card::homecard::test {

// A signing party (bank or shop): its registry ID and P-256 key.
struct Party {
  Bytes id;
  std::unique_ptr<base::EcKeyPair> key;
  Bytes point() const { return key->publicPoint(); }
  // "u16 len || body || signature" over the labelled hash, as the real party signs.
  Bytes sign(std::string_view label, const Bytes& body, base::Rng& rng) const;
};

// PURSE STATUS decoded.
struct PurseStatus {
  std::array<uint8_t, protocol::purse::kPurseIdSize> purseId{};
  std::string currency;
  uint64_t balance = 0;
  uint64_t maxBalance = 0;
  uint32_t lastTxn = 0;
  uint32_t creditSeq = 0;
  uint32_t oldestLoggedTxn = 0;
};

inline constexpr uint64_t kDefaultMax = 100'000;  // 1000.00 EUR

class PurseCard {
 public:
  explicit PurseCard(uint64_t maxBalance = kDefaultMax, uint64_t seed = testSeed());

  PurseStatus status();
  Bytes cardPoint();  // the user's EC public key, which signs the records

  // Command APDUs (Le 00).
  static Bytes debitApdu(uint64_t timeMs, std::string_view shop, std::string_view orderRef,
                         std::string_view currency, uint64_t amount);
  static Bytes creditApdu(uint64_t timeMs, const Bytes& signedVoucher);
  static Bytes cancelApdu(uint64_t timeMs, const Bytes& signedCancellation);
  static Bytes readLogApdu(uint32_t fromTxn, uint32_t le = 256);

  // A voucher for this purse (unless changed by the caller), signed by `signer` (default bank).
  protocol::purse::Voucher voucher(uint32_t creditSeq, uint64_t amount);
  Bytes signVoucher(const protocol::purse::Voucher& v, const Party* signer = nullptr);
  protocol::purse::Cancellation cancellation(const Party& shop, uint32_t txn,
                                             std::string_view orderRef, uint64_t amount);
  Bytes signCancellation(const protocol::purse::Cancellation& c, const Party* signer = nullptr);

  // Shortcuts that REQUIRE 9000 and return the signed record.
  Bytes pay(std::string_view orderRef, uint64_t amount, std::string_view shop = "shop.example");
  Bytes topUp(uint64_t amount);  // with the next credit_seq and a fresh voucher ID

  // Checks a signed record with the card's key; returns it decoded.
  protocol::purse::PurseRecord verifiedRecord(const Bytes& signedRecord);

  TestCard card;
  std::unique_ptr<base::Rng> partyRng;
  Party bank;
  Party shop;
  Party otherShop;
  std::array<uint8_t, protocol::purse::kPurseIdSize> purseId{};
  uint64_t clockMs = 1'700'000'000'000;

 private:
  Bytes cardPoint_;
};

// A PurseCard without the purse initialized (for PURSE INIT tests): same parties registered.
void registerParties(TestCard& card, const Party& bank, const Party& shop, const Party& otherShop);

}  // namespace hp::card::homecard::test

// The fixed parties of the purse record fuzz target and of its seed generator: one client key
// (from a fixed seed), one order to pay and refund, one bank voucher. The seeds are records the
// real encoder made and this key signed for exactly these, so the fuzzer starts past every
// "malformed" and "wrong order" refusal, at the signature check.
#pragma once

#include <memory>

#include "base/ec_key.hpp"
#include "base/rng.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tools/fuzz/fuzz_check.hpp"
#include "tools/shop_server/payment_check.hpp"
#include "tools/shop_server/refund_check.hpp"

namespace hp::fuzz {

inline base::EcKeyPair& purseClientKey() {
  static std::unique_ptr<base::EcKeyPair> key = [] {
    auto rng = base::makeSeededRng(0x9e3779b9);
    auto generated = base::EcKeyPair::generate(*rng);
    FUZZ_CHECK(generated.ok());
    return std::move(generated.value());
  }();
  return *key;
}

inline std::array<uint8_t, protocol::purse::kPurseIdSize> fuzzPurseId() {
  return {0x50, 0x55, 0x52, 0x53, 0x45, 0x00, 0x00, 0x01};
}

inline shop_server::ExpectedPayment fuzzPayment() {
  return {"shop-1", "order-42", "EUR", 1250};
}

inline shop_server::ExpectedRefund fuzzRefund() {
  const auto purse = fuzzPurseId();
  return {"shop-1", "order-42", Bytes(purse.begin(), purse.end()), 7, "EUR", 1250};
}

inline protocol::purse::Voucher fuzzVoucher() {
  protocol::purse::Voucher voucher;
  voucher.bankId = Bytes{'b', 'a', 'n', 'k', '-', '1'};
  voucher.purseId = fuzzPurseId();
  voucher.voucherId.fill(0xB7);
  voucher.creditSeq = 3;
  voucher.currency = "EUR";
  voucher.amount = 5000;
  return voucher;
}

}  // namespace hp::fuzz

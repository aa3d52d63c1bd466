// libFuzzer target: the servers' checks of card-signed purse records: the shop's payment and
// refund checks (tools/shop_server) and the bank's credit check (tools/bank_server), and under
// them the strict decoders of protocol/purse/purse_records.cpp.
//
// Every input goes to all three checks (with the fixed order, voucher and client key of
// fuzz_purse_fixture.hpp) and to every decoder. A check that accepts returns a record of its
// kind, for exactly the expected order or voucher, whose signature verifies under the client key;
// a refusal is a 4xx. A decoder that accepts gives back the input when encoding the result.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tools/bank_server/credit_check.hpp"
#include "tools/fuzz/fuzz_check.hpp"
#include "tools/fuzz/fuzz_purse_fixture.hpp"

namespace {

namespace purse = hp::protocol::purse;
using hp::base::Bytes;
using hp::base::ByteView;

template <typename Decoded>
void checkRoundTrip(ByteView raw, const std::optional<Decoded>& decoded) {
  if (!decoded) return;
  const Bytes encoded = purse::encode(*decoded);
  FUZZ_CHECK(encoded == Bytes(raw.begin(), raw.end()));
}

// An accepted record was really signed by the client key over exactly the record.
void checkSigned(ByteView raw, const purse::PurseRecord& record, const Bytes& point) {
  auto parts = purse::splitSigned(raw);
  FUZZ_CHECK(parts.has_value());
  FUZZ_CHECK(purse::verifySigned(point, purse::kRecordLabel, *parts));
  auto decoded = purse::decodePurseRecord(parts->body);
  FUZZ_CHECK(decoded.has_value() && *decoded == record);
}

template <typename Error>
void checkRefusal(const Error& error) {
  FUZZ_CHECK(error.status >= 400 && error.status <= 499);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView raw(data, size);
  const std::optional<Bytes> point = hp::fuzz::purseClientKey().publicPoint();
  const std::string description = "an EC P-256 key";

  const auto payment = hp::fuzz::fuzzPayment();
  if (auto paid = hp::shop_server::checkPayment(payment, point, description, raw)) {
    FUZZ_CHECK(paid->entry.kind == purse::EntryKind::kDebit);
    FUZZ_CHECK(paid->entry.amount == payment.amount && paid->entry.currency == payment.currency);
    checkSigned(raw, *paid, *point);
  } else {
    checkRefusal(paid.error());
  }

  const auto refund = hp::fuzz::fuzzRefund();
  if (auto refunded = hp::shop_server::checkRefund(refund, point, description, raw)) {
    FUZZ_CHECK(refunded->entry.kind == purse::EntryKind::kRefund);
    FUZZ_CHECK(refunded->entry.relatedTxn == refund.paymentTxn);
    checkSigned(raw, *refunded, *point);
  } else {
    checkRefusal(refunded.error());
  }

  const auto voucher = hp::fuzz::fuzzVoucher();
  if (auto credited = hp::bank_server::checkCreditRecord(voucher, point, description, raw)) {
    FUZZ_CHECK(credited->entry.kind == purse::EntryKind::kCredit);
    FUZZ_CHECK(credited->purseId == voucher.purseId && credited->entry.amount == voucher.amount);
    checkSigned(raw, *credited, *point);
  } else {
    checkRefusal(credited.error());
  }

  // No client EC key: refused before anything is decoded.
  FUZZ_CHECK(!hp::shop_server::checkPayment(payment, std::nullopt, "an RSA key", raw).ok());

  checkRoundTrip(raw, purse::decodeLogEntry(raw));
  checkRoundTrip(raw, purse::decodePurseRecord(raw));
  checkRoundTrip(raw, purse::decodeVoucher(raw));
  checkRoundTrip(raw, purse::decodeCancellation(raw));
  checkRoundTrip(raw, purse::decodeReceipt(raw));
  return 0;
}

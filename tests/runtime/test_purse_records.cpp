// purse_records: canonical encodings round-trip, strict decoding refuses malformed input, and a
// signature made for one kind of object never verifies as another or after any change.
#include <doctest.h>

#include "base/ec_key.hpp"
#include "base/rng.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tests/runtime/test_helpers.hpp"

using hp::base::Bytes;
using namespace hp::base;
using namespace hp::protocol::purse;

namespace {

PurseRecord samplePayment() {
  PurseRecord r;
  r.purseId = {1, 2, 3, 4, 5, 6, 7, 8};
  r.entry.txn = 7;
  r.entry.kind = EntryKind::kDebit;
  r.entry.timeMs = 1'800'000'000'000ULL;
  r.entry.currency = "EUR";
  r.entry.amount = 1250;
  r.entry.balanceAfter = 8750;
  r.entry.party = hp::base::bytesOf("shop.example");
  r.entry.reference = hp::base::bytesOf("order-0001");
  return r;
}

Voucher sampleVoucher() {
  Voucher v;
  v.bankId = hp::base::bytesOf("bank");
  v.purseId = {1, 2, 3, 4, 5, 6, 7, 8};
  v.voucherId.fill(0xAB);
  v.creditSeq = 3;
  v.currency = "EUR";
  v.amount = 5000;
  return v;
}

}  // namespace

TEST_CASE("purse records: encodings round-trip") {
  const PurseRecord record = samplePayment();
  const auto back = decodePurseRecord(encode(record));
  REQUIRE(back.has_value());
  CHECK(*back == record);
  CHECK(decodeLogEntry(encode(record.entry)) == record.entry);
  CHECK(decodeVoucher(encode(sampleVoucher())) == sampleVoucher());

  Cancellation c{hp::base::bytesOf("shop.example"), record.purseId, 7,
                 hp::base::bytesOf("order-0001"),   "EUR",          1250};
  CHECK(decodeCancellation(encode(c)) == c);
  Receipt rc{hp::base::bytesOf("shop.example"),
             hp::base::bytesOf("order-0001"),
             record.purseId,
             7,
             "EUR",
             1250};
  CHECK(decodeReceipt(encode(rc)) == rc);
}

TEST_CASE("purse records: malformed input is refused") {
  const Bytes good = encode(samplePayment());
  // Every truncation and one trailing byte.
  for (size_t n = 0; n < good.size(); ++n) {
    CHECK_FALSE(decodePurseRecord(Bytes(good.begin(), good.begin() + static_cast<long>(n))));
  }
  Bytes longer = good;
  longer.push_back(0);
  CHECK_FALSE(decodePurseRecord(longer));

  PurseRecord bad = samplePayment();
  bad.entry.currency = "eur";
  CHECK_FALSE(decodePurseRecord(encode(bad)));
  bad = samplePayment();
  bad.entry.party.clear();
  CHECK_FALSE(decodePurseRecord(encode(bad)));
  bad = samplePayment();
  bad.entry.reference.assign(33, 'x');
  CHECK_FALSE(decodePurseRecord(encode(bad)));
  bad = samplePayment();
  bad.entry.amount = 0;
  CHECK_FALSE(decodePurseRecord(encode(bad)));
  Bytes badKind = good;
  badKind[kPurseIdSize + 4] = 0x04;  // entry kind after purse ID and txn
  CHECK_FALSE(decodePurseRecord(badKind));
  CHECK_FALSE(validCurrency("EU"));
  CHECK(validCurrency("JPY"));
}

TEST_CASE("purse records: signatures are bound to label, body and key") {
  auto rng = makeSeededRng(41);
  auto key = EcKeyPair::generate(*rng);
  auto other = EcKeyPair::generate(*rng);
  REQUIRE(key.ok());
  REQUIRE(other.ok());
  const Bytes body = encode(sampleVoucher());
  const auto hash = signedHash(kVoucherLabel, body);
  auto sig = key.value()->signHash(hash, *rng);
  REQUIRE(sig.ok());
  const Bytes wire = appendSignature(body, sig.value());

  const auto parts = splitSigned(wire);
  REQUIRE(parts.has_value());
  CHECK(parts->body == body);
  CHECK(verifySigned(key.value()->publicPoint(), kVoucherLabel, *parts));
  CHECK_FALSE(verifySigned(other.value()->publicPoint(), kVoucherLabel, *parts));
  CHECK_FALSE(verifySigned(key.value()->publicPoint(), kRecordLabel, *parts));

  // Any flipped byte of the body or signature fails.
  for (size_t i = 2; i < wire.size(); ++i) {
    Bytes changed = wire;
    changed[i] ^= 0x01;
    const auto p = splitSigned(changed);
    if (p) CHECK_FALSE(verifySigned(key.value()->publicPoint(), kVoucherLabel, *p));
  }
  CHECK_FALSE(splitSigned(Bytes{0x00}));
  CHECK_FALSE(splitSigned(body));  // no length prefix: lengths do not add up
  Bytes noSignature = appendSignature(body, {});
  CHECK_FALSE(splitSigned(noSignature));
}

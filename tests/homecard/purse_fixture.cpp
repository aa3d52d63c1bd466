#include "tests/homecard/purse_fixture.hpp"

#include "base/byte_codec.hpp"
#include "base/tlv.hpp"
#include "protocol/apdu/command_apdu.hpp"

namespace hp::card::homecard::test {

namespace purse = protocol::purse;

namespace {
Party makeParty(std::string_view id, base::Rng& rng) {
  auto key = base::EcKeyPair::generate(rng);
  REQUIRE(key.ok());
  return Party{bytesOf(id), std::move(key.value())};
}

void addToRegistry(TestCard& card, uint8_t registry, const Party& party) {
  Bytes data = base::makeTlv(0xC0, party.id);
  base::appendTlv(data, 0xC1, party.point());
  REQUIRE(card.send(protocol::apdu::encodeCommandApdu(0x80, 0xE2, registry, 0x00, data, 0)).sw ==
          "9000");
}

Bytes withTime(uint64_t timeMs, const Bytes& rest) {
  base::ByteWriter w;
  w.u64(timeMs);
  w.raw(rest);
  return w.take();
}
}  // namespace

Bytes Party::sign(std::string_view label, const Bytes& body, base::Rng& rng) const {
  const auto hash = purse::signedHash(label, body);
  auto signature = key->signHash(hash, rng);
  REQUIRE(signature.ok());
  return purse::appendSignature(body, signature.value());
}

void registerParties(TestCard& card, const Party& bank, const Party& shop, const Party& otherShop) {
  addToRegistry(card, 0x03, bank);
  addToRegistry(card, 0x02, shop);
  addToRegistry(card, 0x02, otherShop);
}

PurseCard::PurseCard(uint64_t maxBalance, uint64_t seed)
    : card(std::nullopt, seed),
      partyRng(base::makeSeededRng(seed ^ 0xBA4C)),
      bank(makeParty("bank", *partyRng)),
      shop(makeParty("shop.example", *partyRng)),
      otherShop(makeParty("other.example", *partyRng)) {
  card.personalize();
  card.verifyPin1();
  card.verifyPin2();
  REQUIRE(card.transceive("00 47 80 01 00").sw == "9000");
  registerParties(card, bank, shop, otherShop);
  base::ByteWriter w;
  w.raw(bytesOf("EUR"));
  w.u64(maxBalance);
  const auto r = card.send(protocol::apdu::encodeCommandApdu(0x80, 0x30, 0, 0, w.take(), 256));
  REQUIRE(r.sw == "9000");
  REQUIRE(r.data.size() == purse::kPurseIdSize);
  std::copy(r.data.begin(), r.data.end(), purseId.begin());
  const auto key = card.transceive("00 47 81 01 00");
  REQUIRE(key.sw == "9000");
  REQUIRE(key.data.size() == 70);
  cardPoint_.assign(key.data.begin() + 5, key.data.end());
}

Bytes PurseCard::cardPoint() {
  return cardPoint_;
}

PurseStatus PurseCard::status() {
  const auto r = card.send("00 CA DF 40 00");
  REQUIRE(r.sw == "9000");
  REQUIRE(r.data.size() == 39);
  base::ByteReader in(r.data);
  PurseStatus s;
  for (uint8_t& b : s.purseId) b = in.u8();
  for (int i = 0; i < 3; ++i) s.currency.push_back(static_cast<char>(in.u8()));
  s.balance = in.u64();
  s.maxBalance = in.u64();
  s.lastTxn = in.u32();
  s.creditSeq = in.u32();
  s.oldestLoggedTxn = in.u32();
  REQUIRE(in.ok());
  REQUIRE(in.atEnd());
  return s;
}

Bytes PurseCard::debitApdu(uint64_t timeMs, std::string_view shop, std::string_view orderRef,
                           std::string_view currency, uint64_t amount) {
  base::ByteWriter w;
  w.u64(timeMs);
  w.u8(static_cast<uint8_t>(shop.size()));
  w.raw(bytesOf(shop));
  w.u8(static_cast<uint8_t>(orderRef.size()));
  w.raw(bytesOf(orderRef));
  w.raw(bytesOf(currency));
  w.u64(amount);
  return protocol::apdu::encodeCommandApdu(0x80, 0x32, 0, 0, w.take(), 256);
}

Bytes PurseCard::creditApdu(uint64_t timeMs, const Bytes& signedVoucher) {
  return protocol::apdu::encodeCommandApdu(0x80, 0x34, 0, 0, withTime(timeMs, signedVoucher), 256);
}

Bytes PurseCard::cancelApdu(uint64_t timeMs, const Bytes& signedCancellation) {
  return protocol::apdu::encodeCommandApdu(0x80, 0x36, 0, 0, withTime(timeMs, signedCancellation),
                                           256);
}

Bytes PurseCard::readLogApdu(uint32_t fromTxn, uint32_t le) {
  base::ByteWriter w;
  w.u32(fromTxn);
  return protocol::apdu::encodeCommandApdu(0x80, 0x38, 0, 0, w.take(), le);
}

purse::Voucher PurseCard::voucher(uint32_t creditSeq, uint64_t amount) {
  purse::Voucher v;
  v.bankId = bank.id;
  v.purseId = purseId;
  const Bytes id = partyRng->bytes(purse::kVoucherIdSize);
  std::copy(id.begin(), id.end(), v.voucherId.begin());
  v.creditSeq = creditSeq;
  v.currency = "EUR";
  v.amount = amount;
  return v;
}

Bytes PurseCard::signVoucher(const purse::Voucher& v, const Party* signer) {
  return (signer != nullptr ? *signer : bank)
      .sign(purse::kVoucherLabel, purse::encode(v), *partyRng);
}

purse::Cancellation PurseCard::cancellation(const Party& by, uint32_t txn,
                                            std::string_view orderRef, uint64_t amount) {
  purse::Cancellation c;
  c.shopId = by.id;
  c.purseId = purseId;
  c.txn = txn;
  c.orderRef = bytesOf(orderRef);
  c.currency = "EUR";
  c.amount = amount;
  return c;
}

Bytes PurseCard::signCancellation(const purse::Cancellation& c, const Party* signer) {
  const Party& by = signer != nullptr ? *signer : (c.shopId == otherShop.id ? otherShop : shop);
  return by.sign(purse::kCancellationLabel, purse::encode(c), *partyRng);
}

Bytes PurseCard::pay(std::string_view orderRef, uint64_t amount, std::string_view shopId) {
  const auto r = card.send(debitApdu(++clockMs, shopId, orderRef, "EUR", amount));
  REQUIRE(r.sw == "9000");
  return r.data;
}

Bytes PurseCard::topUp(uint64_t amount) {
  const auto r =
      card.send(creditApdu(++clockMs, signVoucher(voucher(status().creditSeq + 1, amount))));
  REQUIRE(r.sw == "9000");
  return r.data;
}

purse::PurseRecord PurseCard::verifiedRecord(const Bytes& signedRecord) {
  const auto parts = purse::splitSigned(signedRecord);
  REQUIRE(parts.has_value());
  REQUIRE(purse::verifySigned(cardPoint_, purse::kRecordLabel, *parts));
  const auto record = purse::decodePurseRecord(parts->body);
  REQUIRE(record.has_value());
  CHECK(record->purseId == purseId);
  return *record;
}

}  // namespace hp::card::homecard::test

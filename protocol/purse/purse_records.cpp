#include "protocol/purse/purse_records.hpp"

#include <algorithm>

#include "base/byte_codec.hpp"
#include "base/ec_key.hpp"
#include "base/labelled_hash.hpp"

namespace hp::protocol::purse {
namespace {

void putId(ByteWriter& out, ByteView id) {
  out.u8(static_cast<uint8_t>(id.size()));
  out.raw(id);
}

void putCurrency(ByteWriter& out, const std::string& code) {
  out.raw(ByteView(reinterpret_cast<const uint8_t*>(code.data()), code.size()));
}

template <size_t N>
void putFixed(ByteWriter& out, const std::array<uint8_t, N>& bytes) {
  out.raw(bytes);
}

template <size_t N>
std::array<uint8_t, N> readFixed(ByteReader& in) {
  std::array<uint8_t, N> out{};
  const ByteView raw = in.take(N);  // empty when short: the reader has failed then
  std::copy(raw.begin(), raw.end(), out.begin());
  return out;
}

void putEntry(ByteWriter& out, const LogEntry& e) {
  out.u32(e.txn);
  out.u8(static_cast<uint8_t>(e.kind));
  out.u64(e.timeMs);
  putCurrency(out, e.currency);
  out.u64(e.amount);
  out.u64(e.balanceAfter);
  putId(out, e.party);
  putId(out, e.reference);
  out.u32(e.relatedTxn);
}

LogEntry readEntry(ByteReader& in, bool& ok) {
  LogEntry e;
  e.txn = in.u32();
  const uint8_t kind = in.u8();
  if (kind < 0x01 || kind > 0x03) ok = false;
  e.kind = static_cast<EntryKind>(kind);
  e.timeMs = in.u64();
  e.currency = readCurrency(in);
  e.amount = in.u64();
  e.balanceAfter = in.u64();
  e.party = readId(in, kMaxPartyIdSize);
  e.reference = readId(in, kMaxReferenceSize);
  e.relatedTxn = in.u32();
  if (e.txn == 0 || e.amount == 0) ok = false;
  return e;
}

template <class T, class F>
std::optional<T> decodeWhole(ByteView in, F&& read) {
  ByteReader reader(in);
  bool ok = true;
  T value = read(reader, ok);
  if (!ok || !reader.ok() || !reader.atEnd()) return std::nullopt;
  return value;
}

}  // namespace

Bytes readId(ByteReader& in, size_t maxSize) {
  return copyOf(in.shortBlob(1, maxSize));
}

std::string readCurrency(ByteReader& in) {
  const ByteView raw = in.take(kCurrencySize);
  std::string code(raw.begin(), raw.end());
  if (!validCurrency(code)) in.fail();
  return code;
}

bool validCurrency(std::string_view code) {
  return code.size() == kCurrencySize &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

Bytes encode(const LogEntry& entry) {
  ByteWriter out;
  putEntry(out, entry);
  return out.take();
}

Bytes encode(const PurseRecord& record) {
  ByteWriter out;
  putFixed(out, record.purseId);
  putEntry(out, record.entry);
  return out.take();
}

Bytes encode(const Voucher& v) {
  ByteWriter out;
  putId(out, v.bankId);
  putFixed(out, v.purseId);
  putFixed(out, v.voucherId);
  out.u32(v.creditSeq);
  putCurrency(out, v.currency);
  out.u64(v.amount);
  return out.take();
}

Bytes encode(const Cancellation& c) {
  ByteWriter out;
  putId(out, c.shopId);
  putFixed(out, c.purseId);
  out.u32(c.txn);
  putId(out, c.orderRef);
  putCurrency(out, c.currency);
  out.u64(c.amount);
  return out.take();
}

Bytes encode(const Receipt& r) {
  ByteWriter out;
  putId(out, r.shopId);
  putId(out, r.orderRef);
  putFixed(out, r.purseId);
  out.u32(r.txn);
  putCurrency(out, r.currency);
  out.u64(r.amount);
  return out.take();
}

std::optional<LogEntry> decodeLogEntry(ByteView in) {
  return decodeWhole<LogEntry>(in, [](ByteReader& r, bool& ok) { return readEntry(r, ok); });
}

std::optional<PurseRecord> decodePurseRecord(ByteView in) {
  return decodeWhole<PurseRecord>(in, [](ByteReader& r, bool& ok) {
    PurseRecord record;
    record.purseId = readFixed<kPurseIdSize>(r);
    record.entry = readEntry(r, ok);
    return record;
  });
}

std::optional<Voucher> decodeVoucher(ByteView in) {
  return decodeWhole<Voucher>(in, [](ByteReader& r, bool& ok) {
    Voucher v;
    v.bankId = readId(r, kMaxPartyIdSize);
    v.purseId = readFixed<kPurseIdSize>(r);
    v.voucherId = readFixed<kVoucherIdSize>(r);
    v.creditSeq = r.u32();
    v.currency = readCurrency(r);
    v.amount = r.u64();
    if (v.creditSeq == 0 || v.amount == 0) ok = false;
    return v;
  });
}

std::optional<Cancellation> decodeCancellation(ByteView in) {
  return decodeWhole<Cancellation>(in, [](ByteReader& r, bool& ok) {
    Cancellation c;
    c.shopId = readId(r, kMaxPartyIdSize);
    c.purseId = readFixed<kPurseIdSize>(r);
    c.txn = r.u32();
    c.orderRef = readId(r, kMaxReferenceSize);
    c.currency = readCurrency(r);
    c.amount = r.u64();
    if (c.txn == 0 || c.amount == 0) ok = false;
    return c;
  });
}

std::optional<Receipt> decodeReceipt(ByteView in) {
  return decodeWhole<Receipt>(in, [](ByteReader& r, bool& ok) {
    Receipt rc;
    rc.shopId = readId(r, kMaxPartyIdSize);
    rc.orderRef = readId(r, kMaxReferenceSize);
    rc.purseId = readFixed<kPurseIdSize>(r);
    rc.txn = r.u32();
    rc.currency = readCurrency(r);
    rc.amount = r.u64();
    if (rc.txn == 0 || rc.amount == 0) ok = false;
    return rc;
  });
}

std::array<uint8_t, 32> signedHash(std::string_view label, ByteView body) {
  return labelledSha256(label, {body});
}

Bytes appendSignature(ByteView body, ByteView derSignature) {
  Bytes out;
  out.reserve(2 + body.size() + derSignature.size());
  appendU16(out, static_cast<uint16_t>(body.size()));
  append(out, body);
  append(out, derSignature);
  return out;
}

std::optional<SignedParts> splitSigned(ByteView in) {
  if (in.size() < 2) return std::nullopt;
  const size_t bodySize = (static_cast<size_t>(in[0]) << 8) | in[1];
  if (bodySize == 0 || in.size() - 2 <= bodySize) return std::nullopt;
  const size_t signatureSize = in.size() - 2 - bodySize;
  if (signatureSize > kMaxSignatureSize) return std::nullopt;
  SignedParts parts;
  parts.body.assign(in.begin() + 2, in.begin() + 2 + static_cast<long>(bodySize));
  parts.signature.assign(in.begin() + 2 + static_cast<long>(bodySize), in.end());
  return parts;
}

bool verifySigned(ByteView point, std::string_view label, const SignedParts& signedObject) {
  const auto hash = signedHash(label, signedObject.body);
  return verifyEcdsaP256(point, hash, signedObject.signature);
}

}  // namespace hp::protocol::purse

// The signed objects of the e-money purse (docs/emoney.md): the card's log entries (a payment
// record is a signed DEBIT entry), the bank's top-up vouchers, the shop's cancellations and
// receipts. Shared by the home card, which builds, signs and checks them, and the hosts (home
// server, shop, bank, tests), which check them: one encoding in one place, so the parties can
// never drift apart. Pure: no I/O; the signatures are ECDSA P-256 over a labelled SHA-256.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/byte_codec.hpp"
#include "base/bytes.hpp"

namespace hp::protocol::purse {

inline constexpr size_t kPurseIdSize = 8;
inline constexpr size_t kVoucherIdSize = 16;
inline constexpr size_t kMaxPartyIdSize = 32;    // shop and bank IDs (the card's registry IDs)
inline constexpr size_t kMaxReferenceSize = 32;  // order references
inline constexpr size_t kCurrencySize = 3;       // ISO 4217 alphabetic code, upper case
inline constexpr size_t kMaxSignatureSize = 72;  // DER ECDSA P-256
// A DEBIT of at most this many minor units needs PIN1 only, not PIN2 (docs/emoney.md, "PIN-only
// payments"): the card's own cap under the home server's per-terminal pin_only_max.
inline constexpr uint64_t kPinOnlyDebitMax = 2500;
// The most the card debits with PIN1 alone in total between two PIN2 verifications (the EMV
// contactless cumulative counter): a home server that keeps PIN1 open cannot repeat the 25.00
// without the user; past it DEBIT answers 6982 like any payment that needs PIN2.
inline constexpr uint64_t kPinOnlyCumulativeMax = 5000;

// Domain-separation labels: a signature made for one kind of object never verifies as another.
inline constexpr std::string_view kRecordLabel = "homeproxy purse v1 record";
inline constexpr std::string_view kVoucherLabel = "homeproxy purse v1 voucher";
inline constexpr std::string_view kCancellationLabel = "homeproxy purse v1 cancellation";
inline constexpr std::string_view kReceiptLabel = "homeproxy shop v1 receipt";

enum class EntryKind : uint8_t { kDebit = 0x01, kCredit = 0x02, kRefund = 0x03 };

// One entry of the card's decision log. Every purse change makes exactly one, numbered by the
// card's transaction counter (txn, 1, 2, 3, ... never reused), so a gap in a read-out is visible.
struct LogEntry {
  uint32_t txn = 0;
  EntryKind kind = EntryKind::kDebit;
  uint64_t timeMs = 0;  // supplied by the host; the card has no trusted clock
  std::string currency;
  uint64_t amount = 0;
  uint64_t balanceAfter = 0;
  Bytes party;              // debit, refund: the shop's ID; credit: the bank's ID
  Bytes reference;          // debit, refund: the order reference; credit: the 16-byte voucher ID
  uint32_t relatedTxn = 0;  // refund: the txn of the cancelled debit; otherwise 0
  bool operator==(const LogEntry&) const = default;
};

// A log entry as the card signs it: the purse ID binds it to one card.
struct PurseRecord {
  std::array<uint8_t, kPurseIdSize> purseId{};
  LogEntry entry;
  bool operator==(const PurseRecord&) const = default;
};

// A bank's promise to credit one purse: usable once, at exactly one credit sequence number.
struct Voucher {
  Bytes bankId;
  std::array<uint8_t, kPurseIdSize> purseId{};
  std::array<uint8_t, kVoucherIdSize> voucherId{};
  uint32_t creditSeq = 0;  // must be the card's credit counter + 1 when it is taken
  std::string currency;
  uint64_t amount = 0;
  bool operator==(const Voucher&) const = default;
};

// A shop's sign-off that one payment (by its txn on one purse) is cancelled and to be refunded.
struct Cancellation {
  Bytes shopId;
  std::array<uint8_t, kPurseIdSize> purseId{};
  uint32_t txn = 0;
  Bytes orderRef;
  std::string currency;
  uint64_t amount = 0;
  bool operator==(const Cancellation&) const = default;
};

// A shop's receipt for a payment it accepted.
struct Receipt {
  Bytes shopId;
  Bytes orderRef;
  std::array<uint8_t, kPurseIdSize> purseId{};
  uint32_t txn = 0;
  std::string currency;
  uint64_t amount = 0;
  bool operator==(const Receipt&) const = default;
};

// Canonical encodings (big-endian integers; IDs and references as u8 length || bytes).
Bytes encode(const LogEntry& entry);
Bytes encode(const PurseRecord& record);
Bytes encode(const Voucher& voucher);
Bytes encode(const Cancellation& cancellation);
Bytes encode(const Receipt& receipt);

// Strict decoders: nullopt for any malformed input (bounds, empty or over-long IDs, a currency
// that is not three upper-case letters, an unknown entry kind, trailing bytes).
std::optional<LogEntry> decodeLogEntry(ByteView in);
std::optional<PurseRecord> decodePurseRecord(ByteView in);
std::optional<Voucher> decodeVoucher(ByteView in);
std::optional<Cancellation> decodeCancellation(ByteView in);
std::optional<Receipt> decodeReceipt(ByteView in);

// SHA-256(len(label) (1) || label || body): what the signer's key signs.
std::array<uint8_t, 32> signedHash(std::string_view label, ByteView body);

// "u16 len(body) || body || DER signature": how every signed object travels.
Bytes appendSignature(ByteView body, ByteView derSignature);
struct SignedParts {
  Bytes body;
  Bytes signature;
};
// Splits a signed object; nullopt if the lengths do not add up or the signature is empty or
// longer than kMaxSignatureSize. The body is not decoded here.
std::optional<SignedParts> splitSigned(ByteView in);

// ECDSA P-256 check of a signed object's signature with an uncompressed point.
bool verifySigned(ByteView point, std::string_view label, const SignedParts& signedObject);

bool validCurrency(std::string_view code);

// The fields the purse commands' data shares with the records (card/homecard/purse.cpp reads
// them too); an invalid field fails the reader as a shortfall does.
Bytes readId(ByteReader& in, size_t maxSize);  // u8 length (1..maxSize) || bytes
std::string readCurrency(ByteReader& in);      // kCurrencySize upper-case letters

}  // namespace hp::protocol::purse

// The bank's ledger in SQLite: accounts bound to their owner's certificate key, and top-up
// vouchers issued -> settled. An account is charged only at settlement, in the same transaction
// as the voucher's conditional UPDATE (WHERE status = 'issued'), so a voucher is charged at most
// once whatever retries or crashes happen. While issued, a voucher's amount is "pending":
// available = balance - pending. A unique index allows one live (issued or settled) voucher per
// card slot (purse ID, credit_seq).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "host/sqlite/sqlite_db.hpp"

namespace hp::bank_server {

struct Account {
  std::string id;
  std::string owner;  // key fingerprint of the owner's certificate (merchant::PeerIdentity)
  std::string currency;
  uint64_t balance = 0;
  uint64_t pending = 0;  // sum of this account's issued vouchers
};

struct VoucherRow {
  std::string voucherId;  // upper-case hex of the 16 bytes
  std::string requestId;
  std::string account;
  std::string purseId;  // upper-case hex of the 8 bytes
  uint32_t creditSeq = 0;
  std::string currency;
  uint64_t amount = 0;
  std::string status;  // issued | settled | void
  Bytes signedVoucher;
  Bytes record;  // the card's credit record, once settled
  int64_t issuedMs = 0;
};

inline constexpr const char* kIssued = "issued";
inline constexpr const char* kSettled = "settled";

enum class IssueOutcome { kIssued, kInsufficientFunds };

class BankStore {
 public:
  static Result<std::unique_ptr<BankStore>> open(sqlite::Database& db);

  // false if the ID is taken.
  Result<bool> openAccount(const Account& account, int64_t nowMs);
  Result<std::optional<Account>> findAccount(const std::string& id);
  Result<std::vector<Account>> accounts();

  Result<std::optional<VoucherRow>> findVoucher(const std::string& voucherId);
  Result<std::optional<VoucherRow>> findByRequest(const std::string& requestId);
  // The issued or settled voucher for a card slot, if any.
  Result<std::optional<VoucherRow>> findLiveForSlot(const std::string& purseId, uint32_t creditSeq);
  // Checks available funds and inserts the voucher in one transaction.
  Result<IssueOutcome> issue(const VoucherRow& voucher);
  // issued -> void (an expired voucher superseded by a new one for its slot); false if it was
  // not issued. The account's pending amount drops by it.
  Result<bool> voidIssued(const std::string& voucherId);
  // issued (or void: an expired voucher the card took after all) -> settled and the account
  // charged, in one transaction; a void one first voids the issued replacement of its slot.
  // False if it was settled already or its slot has another settled voucher.
  Result<bool> settle(const std::string& voucherId, ByteView record, int64_t nowMs);

 private:
  explicit BankStore(sqlite::Database& db) : db_(db) {}
  Result<std::optional<VoucherRow>> findOne(const std::string& where, const std::string& a,
                                            std::optional<int64_t> b = std::nullopt);
  sqlite::Database& db_;
};

}  // namespace hp::bank_server

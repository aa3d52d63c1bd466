// The home server's top-ups in flight (docs/emoney.md, purse.topup): a voucher request is stored
// *before* the bank is asked, the bank's voucher as soon as it arrives and the card's credit
// record once the card took it, and the row goes only when the bank confirmed the settlement. A
// crash or a lost connection at any point therefore leaves a row that reconciliation finishes
// by re-asking with the same request ID (the bank answers the same voucher) and re-presenting
// the voucher (CREDIT is idempotent on the card): the money arrives exactly once. SQLite, one
// file; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "host/sqlite/sqlite_db.hpp"

namespace hp::home_server {

struct PendingVoucher {
  std::string requestId;  // hex, random: the bank's idempotency key
  std::string bankUrl;    // https://host[:port][/base]
  std::string account;
  std::string purseIdHex;
  uint32_t creditSeq = 0;
  std::string currency;
  uint64_t amount = 0;
  Bytes voucher;  // the bank's signed voucher; empty until issued
  Bytes record;   // the card's signed credit record; empty until credited
  int64_t createdMs = 0;
};

class PendingVoucherStore {
 public:
  // Creates the file and its table when missing; ":memory:" for a store that dies with us.
  static Result<std::unique_ptr<PendingVoucherStore>> open(const std::string& path);
  PendingVoucherStore(const PendingVoucherStore&) = delete;
  PendingVoucherStore& operator=(const PendingVoucherStore&) = delete;

  Result<void> add(const PendingVoucher& pending);
  Result<void> setVoucher(const std::string& requestId, ByteView voucher);
  Result<void> setRecord(const std::string& requestId, ByteView record);
  // Settled at the bank, or refused for good (nothing was charged).
  Result<void> remove(const std::string& requestId);
  // Oldest first.
  Result<std::vector<PendingVoucher>> all();

 private:
  explicit PendingVoucherStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  Result<void> setBlob(const char* column, const std::string& requestId, ByteView value);
  std::mutex mutex_;
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace hp::home_server

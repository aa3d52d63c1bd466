// purse.*: the e-money purse on the home card (docs/emoney.md). Reads need the channel only;
// the methods that move money sign with the card's key and need the caller's PIN2 authority.
// Amounts are whole minor units (JSON integer tokens only, 1..2^53).
#pragma once

#include <vector>

#include "protocol/purse/purse_records.hpp"
#include "protocol/rpc/fields.hpp"

namespace hp::protocol::rpc {

inline constexpr size_t kMaxPurseUrl = 2048;
// A positive amount in minor units; beyond 2^53 some JSON peers lose precision, and no purse
// holds that much.
inline constexpr uint64_t kMaxAmount = 1ull << 53;

struct PurseBalance {
  static constexpr std::string_view kName = "purse.balance";
  static constexpr std::string_view kFamily = "purse";
  static constexpr Access kAccess = Access::kTerminal;
  using Params = NoParams;
  struct Result {
    static constexpr std::array<std::string_view, 5> kFields{"purse_id", "currency", "balance",
                                                             "max", "last_txn"};
    std::string purseId;  // hex
    std::string currency;
    uint64_t balance = 0;
    uint64_t max = 0;
    uint32_t lastTxn = 0;
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

// One purse log entry as the methods show it: party and order reference as text, a credit's
// reference (the voucher ID) in hex.
struct PurseLogEntry {
  static constexpr std::array<std::string_view, 9> kFields{"txn",      "kind",      "time_ms",
                                                           "currency", "amount",    "balance_after",
                                                           "party",    "reference", "related_txn"};
  uint32_t txn = 0;
  std::string kind;  // "debit" | "credit" | "refund"
  uint64_t timeMs = 0;
  std::string currency;
  uint64_t amount = 0;
  uint64_t balanceAfter = 0;
  std::string party;
  std::string reference;
  uint32_t relatedTxn = 0;
  Json::Value toJson() const;
  static RpcResult<PurseLogEntry> fromJson(const Json::Value& json);
};

struct PurseHistory {
  static constexpr std::string_view kName = "purse.history";
  static constexpr std::string_view kFamily = "purse";
  static constexpr Access kAccess = Access::kTerminal;
  struct Params {
    static constexpr std::array<std::string_view, 1> kFields{"from_txn?"};
    std::optional<uint32_t> fromTxn;  // absent: from the first (1)
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  struct Result {
    static constexpr std::array<std::string_view, 1> kFields{"entries"};
    using Item = PurseLogEntry;  // the list's elements
    std::vector<PurseLogEntry> entries;
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

// Pays the order `order_ref` of the shop at `url` (the host the server verifies; `shop_id`, when
// given, must name it). The result's `payment` is the card's signed record for the shop.
struct PursePay {
  static constexpr std::string_view kName = "purse.pay";
  static constexpr std::string_view kFamily = "purse";
  static constexpr Access kAccess = Access::kTerminalPin2;
  struct Params {
    static constexpr std::array<std::string_view, 5> kFields{"url", "order_ref", "currency",
                                                             "amount", "shop_id?"};
    std::string url;
    std::string orderRef;
    std::string currency;
    uint64_t amount = 0;
    std::optional<std::string> shopId;
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  struct Result {
    static constexpr std::array<std::string_view, 4> kFields{"payment", "txn", "balance",
                                                             "certificate?"};
    Bytes payment;  // base64 on the wire
    uint32_t txn = 0;
    uint64_t balance = 0;
    // For a till: the user's certificate (DER, base64 on the wire), which the shop checks the
    // payment record against when the till posts it over its own TLS session.
    std::optional<Bytes> certificate;
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

// Takes the shop's signed cancellation and refunds the payment it names.
struct PurseCancel {
  static constexpr std::string_view kName = "purse.cancel";
  static constexpr std::string_view kFamily = "purse";
  static constexpr Access kAccess = Access::kTerminalPin2;
  struct Params {
    static constexpr std::array<std::string_view, 1> kFields{"cancellation"};
    Bytes cancellation;  // base64 on the wire, at most 1024 characters
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  struct Result {
    static constexpr std::array<std::string_view, 4> kFields{"refund", "txn", "refunded",
                                                             "balance"};
    Bytes refund;  // base64 on the wire
    uint32_t txn = 0;
    uint64_t refunded = 0;
    uint64_t balance = 0;
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

// Tops the purse up from `account` at the bank at `bank_url`.
struct PurseTopup {
  static constexpr std::string_view kName = "purse.topup";
  static constexpr std::string_view kFamily = "purse";
  static constexpr Access kAccess = Access::kTerminalPin2;
  struct Params {
    static constexpr std::array<std::string_view, 3> kFields{"bank_url", "account", "amount"};
    std::string bankUrl;
    std::string account;
    uint64_t amount = 0;
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  struct Result {
    static constexpr std::array<std::string_view, 4> kFields{"voucher_id", "txn", "balance",
                                                             "settled"};
    std::string voucherId;  // hex
    uint32_t txn = 0;
    uint64_t balance = 0;
    bool settled = false;
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

}  // namespace hp::protocol::rpc

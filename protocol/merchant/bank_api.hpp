// The bank's HTTP API (docs/emoney.md, "Bank API"): each message a struct with its JSON mapping
// and limits, written and read by the bank (tools/bank_server) and the home server's top-ups
// (host/home_server/purse/purse_topup.cpp) alike, so a renamed member is a compile error.
// fromJson refuses with the message the bank answers as 400 bad_request.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::protocol::merchant {

inline constexpr size_t kMaxRequestId = 64;
inline constexpr size_t kMaxAccountId = 64;
inline constexpr uint64_t kMaxCreditSeq = 0xFFFFFFFFull;

// POST /topups: a voucher for the purse's next credit slot. Retried with the same request_id
// after a lost answer; the bank answers the same voucher.
struct TopupRequest {
  static constexpr std::string_view kPath = "/topups";
  std::string requestId;
  std::string account;
  std::string purseId;  // hex of the purse ID (as toHex writes it after fromJson)
  uint32_t creditSeq = 0;
  std::string currency;  // ISO 4217
  uint64_t amount = 0;   // minor units, > 0
  Json::Value toJson() const;
  static hp::base::Result<TopupRequest> fromJson(const Json::Value& body);
};

// 201 to a top-up: the signed voucher.
struct TopupAnswer {
  std::string voucherId;  // hex
  Bytes voucher;          // the bank's signed voucher (protocol/purse)
  Json::Value toJson() const;
  static hp::base::Result<TopupAnswer> fromJson(const Json::Value& body);
};

// POST /topups/{voucher_id}/confirm: the card's credit record for the voucher.
struct ConfirmTopup {
  static std::string path(const std::string& voucherIdHex) {
    return "/topups/" + voucherIdHex + "/confirm";
  }
  Bytes record;
  Json::Value toJson() const;
  static hp::base::Result<ConfirmTopup> fromJson(const Json::Value& body);
};

// 200 to a confirmation.
struct ConfirmTopupAnswer {
  std::string status;  // "settled"
  Json::Value toJson() const;
};

// 200 to GET /accounts/{id}.
struct AccountAnswer {
  std::string account;
  std::string currency;
  uint64_t balance = 0;
  uint64_t pending = 0;  // issued vouchers not yet confirmed
  Json::Value toJson() const;
};

}  // namespace hp::protocol::merchant

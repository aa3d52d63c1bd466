// The purse's RPC error codes (docs/emoney.md, "Home server") and the mapping from the card's
// status words to them. A status word alone is ambiguous (6985 is "already used" for a voucher
// but "already refunded" for a cancellation), so the mapping takes the operation; where even
// that is not enough the caller reads the card's log and picks the precise code itself.
#pragma once

#include <string>

#include "host/home_server/card/home_card.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::home_server {

namespace purse_code {
inline constexpr const char* kNoPurse = "no_purse";            // 6985 on any command
inline constexpr const char* kPin1Required = "pin1_required";  // 6982: status, log
inline constexpr const char* kPin2Required = "pin2_required";  // 6982: debit, credit, cancel
inline constexpr const char* kInsufficientFunds = "insufficient_funds";  // 9401
inline constexpr const char* kOverMaximum = "over_maximum";              // 9402
inline constexpr const char* kInvalid = "invalid";                       // 6A80
inline constexpr const char* kUnknownParty = "unknown_party";            // 6A88: shop or bank
inline constexpr const char* kUnknownPayment = "unknown_payment";        // 6A88: cancel
inline constexpr const char* kConflict = "conflict";                     // 6985: debit
inline constexpr const char* kAlreadyUsed = "already_used";              // 6985: credit
inline constexpr const char* kAlreadyRefunded = "already_refunded";      // 6985: cancel
inline constexpr const char* kShopMismatch = "shop_mismatch";  // the order names another shop
inline constexpr const char* kBankRefused = "bank_refused";    // the bank answered 4xx
inline constexpr const char* kTopupPending = "topup_pending";  // an earlier top-up is unfinished
}  // namespace purse_code

enum class PurseOperation { kStatus, kReadLog, kDebit, kCredit, kCancel };

// An amount as the user types and reads it: 95000, "EUR" -> "950.00 EUR" (every purse currency
// here has two decimals, like the terminal's money.hpp).
std::string moneyText(uint64_t minor, const std::string& currency);

// The general mapping of a card refusal; `subject` names what was refused, for the message.
protocol::rpc::RpcError purseError(PurseOperation operation, const PurseError& error,
                                   const std::string& subject);

}  // namespace hp::home_server

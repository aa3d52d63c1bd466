#include "host/home_server/purse/purse_errors.hpp"

#include <cstdio>

namespace hp::home_server {

namespace {

std::string swText(uint16_t sw) {
  char text[8];
  std::snprintf(text, sizeof text, "%04X", sw);
  return text;
}

}  // namespace

std::string moneyText(uint64_t minor, const std::string& currency) {
  char cents[4];
  std::snprintf(cents, sizeof cents, "%02u", static_cast<unsigned>(minor % 100));
  return std::to_string(minor / 100) + "." + cents + (currency.empty() ? "" : " " + currency);
}

protocol::rpc::RpcError purseError(PurseOperation operation, const PurseError& error,
                                   const std::string& subject) {
  using protocol::rpc::makeRpcError;
  Json::Value data;
  data["sw"] = swText(error.sw);
  const bool moves = operation == PurseOperation::kDebit || operation == PurseOperation::kCredit ||
                     operation == PurseOperation::kCancel;
  switch (error.sw) {
    case 0x9401:
      return makeRpcError(purse_code::kInsufficientFunds,
                          subject + ": insufficient funds in the purse", data);
    case 0x9402:
      return makeRpcError(purse_code::kOverMaximum,
                          subject + ": the purse would exceed its maximum balance", data);
    case 0x6982:
      return moves
                 ? makeRpcError(purse_code::kPin2Required,
                                subject + ": the home card needs PIN2 (terminal pin2)", data)
                 : makeRpcError(purse_code::kPin1Required,
                                subject + ": the home card needs PIN1 (at the home server)", data);
    case 0x6A80:
      return makeRpcError(purse_code::kInvalid,
                          subject +
                              ": refused as invalid (malformed, another purse, another "
                              "currency or a signature that does not verify)",
                          data);
    case 0x6A88:
      return operation == PurseOperation::kCancel
                 ? makeRpcError(purse_code::kUnknownPayment,
                                subject +
                                    ": the card has no such payment (someone else's, too "
                                    "old, or the shop is not registered)",
                                data)
                 : makeRpcError(purse_code::kUnknownParty,
                                subject + ": the party is not in the home card's registry", data);
    case 0x6985:
      switch (operation) {
        case PurseOperation::kDebit:
          return makeRpcError(purse_code::kConflict,
                              subject + ": conflicts with an earlier payment", data);
        case PurseOperation::kCredit:
          return makeRpcError(purse_code::kAlreadyUsed,
                              subject + ": the voucher was already used or is out of order", data);
        case PurseOperation::kCancel:
          return makeRpcError(purse_code::kAlreadyRefunded,
                              subject + ": the payment was already refunded", data);
        case PurseOperation::kStatus:
        case PurseOperation::kReadLog:
          break;
      }
      return makeRpcError(purse_code::kNoPurse, subject + ": the home card has no purse", data);
    case 0:
      return makeRpcError(protocol::rpc::code::kCardError, subject + ": " + error.message);
    default:
      break;
  }
  return makeRpcError(protocol::rpc::code::kCardError, subject + ": " + error.message, data);
}

}  // namespace hp::home_server

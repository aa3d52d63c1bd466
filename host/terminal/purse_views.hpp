// The purse commands' output as tables (layout.hpp lays them out for the access card's
// profile): built from the home server's and the shop's JSON answers. Pure, so the wording and
// the amounts are tested without a card.
#pragma once

#include <json/json.h>

#include "host/terminal/layout.hpp"

namespace hp::terminal {

// purse.balance's result.
Table balanceTable(const Json::Value& balance);
// purse.history's entries; `currency` when an entry lacks one.
Table historyTable(const Json::Value& entries);
// buy: the order (shop's POST /orders answer), the payment (purse.pay) and the shop's answer.
Table receiptTable(const Json::Value& order, const Json::Value& payment,
                   const Json::Value& shopAnswer);
Table topupTable(const Json::Value& topup, const std::string& account, uint64_t amount,
                 const std::string& currency);
Table cancelTable(const std::string& orderRef, const Json::Value& refund,
                  const std::string& currency);

// "2026-12-01 13:45:12Z" from milliseconds since 1970.
std::string utcTime(uint64_t unixMs);

}  // namespace hp::terminal

// PurseService's top-ups (docs/emoney.md, "Home server"): asking the bank for a voucher, keeping it
// as pending until the card has taken it, and re-presenting unfinished ones (reconcile).
#include <algorithm>

#include "host/home_server/purse/purse_errors.hpp"
#include "host/home_server/purse/purse_service.hpp"
#include "host/home_server/purse/purse_service_detail.hpp"
#include "protocol/merchant/api_body.hpp"
#include "protocol/merchant/bank_api.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::home_server {

namespace {

namespace purse = protocol::purse;
namespace api = protocol::merchant;
using protocol::rpc::makeRpcError;
using protocol::rpc::RpcError;
using purse_detail::decodeSignedRecord;
using purse_detail::invalid;
using purse_detail::upstream;

// The bank's base URL as stored with a pending voucher: "https://host:port/base" (no trailing
// slash), so "/topups" appends to it.
std::string bankBase(const ShopUrl& bank) {
  std::string path = bank.path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  return "https://" + bank.shopKey() + path;
}

struct BankAnswer {
  int status = 0;
  Json::Value body;
};

// POSTs JSON to the bank. A transport failure or a 5xx is an upstream_error (worth retrying); a
// 4xx comes back as an answer for the caller to judge.
PurseAnswer<BankAnswer> postJson(const HttpsCall& https, const std::string& base,
                                 const std::string& path, const Json::Value& body) {
  auto url = parseShopUrl(base + path);
  if (!url) return invalid("bank URL: " + url.error().message);
  RelayRequest request{*url, "POST", bytesOf(protocol::rpc::encodeJson(body))};
  request.contentType = "application/json";
  auto response = https(request);
  if (!response) return upstream("the bank is unreachable: " + response.error().message);
  if (response->status >= 500) {
    return upstream("the bank answered HTTP " + std::to_string(response->status));
  }
  BankAnswer answer;
  answer.status = response->status;
  const std::string bodyText(response->body.begin(), response->body.end());
  auto parsed = protocol::rpc::parseJson(bodyText);
  if (parsed && parsed->isObject()) answer.body = std::move(parsed.value());
  return answer;
}

std::string bankErrorText(const BankAnswer& answer) {
  return api::describeAnswer(answer.status, answer.body);
}

// In the user's terms: "top-up: 950.00 EUR would take the purse over its maximum of 1000.00 EUR
// (balance 100.00 EUR, at most 900.00 EUR more)".
std::string overMaximumText(uint64_t amount, const PurseStatus& status) {
  const std::string& c = status.currency;
  return "top-up: " + moneyText(amount, c) + " would take the purse over its maximum of " +
         moneyText(status.maxBalance, c) + " (balance " + moneyText(status.balance, c) +
         ", at most " + moneyText(status.maxBalance - status.balance, c) + " more)";
}

bool cardTakesItLater(uint16_t sw) {
  // Over the maximum (spend first), PIN2 not given, no answer: the voucher is still good.
  return sw == 0x9402 || sw == 0x6982 || sw == 0;
}

}  // namespace

PurseAnswer<TopupDone> PurseService::topup(const ShopUrl& bank, const std::string& account,
                                           uint64_t amount) {
  if (!parts_.pending) {
    return makeRpcError(protocol::rpc::code::kInvalidParams,
                        "top-up needs purse.pending_vouchers_db in the home server's config");
  }
  std::lock_guard lock(mutex_);
  auto status = parts_.card->purseStatus();
  if (!status) return purseError(PurseOperation::kStatus, status.error(), "top-up");
  // Checked before the bank is asked: a voucher the card cannot take would block the card's
  // next credit slot at the bank until it is taken.
  auto card = parts_.card->status();
  if (card && card->security != "crypto") {
    return makeRpcError(purse_code::kPin2Required,
                        "top-up: the home card needs PIN2 (terminal pin2)");
  }
  if (amount > status->maxBalance - status->balance) {
    return makeRpcError(purse_code::kOverMaximum, overMaximumText(amount, *status));
  }
  const std::string purseHex = toHex(status->purseId);
  auto pending = parts_.pending->all();
  if (!pending) return makeRpcError(protocol::rpc::code::kInternal, pending.error().message);
  for (const PendingVoucher& earlier : *pending) {
    if (earlier.purseIdHex != purseHex) continue;
    // The slot (credit_seq) of a top-up the card has not taken yet is the one this request
    // would ask for: finish it first. One the card took and the bank has yet to confirm is no
    // obstacle (its confirmation is retried).
    auto finished = advanceLocked(earlier, *status);
    if (!finished && expireLocked(earlier, *status)) continue;
    if (!finished) {
      return makeRpcError(purse_code::kTopupPending,
                          "top-up: an earlier top-up of " +
                              moneyText(earlier.amount, earlier.currency) +
                              " is not finished yet (" + finished.error().message + ")");
    }
    status = parts_.card->purseStatus();
    if (!status) return purseError(PurseOperation::kStatus, status.error(), "top-up");
  }
  if (amount > status->maxBalance - status->balance) {
    return makeRpcError(purse_code::kOverMaximum, overMaximumText(amount, *status));
  }
  PendingVoucher row;
  row.requestId = parts_.newRequestId();
  if (row.requestId.empty())
    return makeRpcError(protocol::rpc::code::kInternal, "no random request ID");
  row.bankUrl = bankBase(bank);
  row.account = account;
  row.purseIdHex = purseHex;
  row.creditSeq = status->creditSeq + 1;
  row.currency = status->currency;
  row.amount = amount;
  row.createdMs = static_cast<int64_t>(parts_.nowMs());
  if (auto added = parts_.pending->add(row); !added) {
    return makeRpcError(protocol::rpc::code::kInternal, added.error().message);
  }
  return advanceLocked(std::move(row), *status);
}

// Long on purpose (issue 11): each outcome of a top-up next to the step that causes it.
// NOLINTNEXTLINE(readability-function-size)
PurseAnswer<TopupDone> PurseService::advanceLocked(PendingVoucher pending,
                                                   const PurseStatus& status) {
  if (pending.purseIdHex != toHex(status.purseId)) {
    return invalid("the pending top-up " + pending.requestId + " is for another purse");
  }
  const auto drop = [&](RpcError error) {
    // Refused for good: the bank charges only at confirmation, so nothing was spent.
    (void)parts_.pending->remove(pending.requestId);
    parts_.log->warn("purse: top-up " + pending.requestId + " dropped: " + error.message);
    return error;
  };
  if (pending.voucher.empty()) {
    const api::TopupRequest request{pending.requestId, pending.account,  pending.purseIdHex,
                                    pending.creditSeq, pending.currency, pending.amount};
    auto answer = postJson(parts_.https, pending.bankUrl, std::string(api::TopupRequest::kPath),
                           request.toJson());
    if (!answer) {
      // The bank may have issued the voucher and only its answer was lost: the same request
      // (same request_id) is asked again by reconciliation, and the top-up then completes.
      RpcError error = answer.error();
      error.message += "; the top-up request is kept and retried until the bank answers";
      return error;
    }
    if (answer->status != 200 && answer->status != 201) {
      return drop(makeRpcError(purse_code::kBankRefused,
                               "the bank refused the top-up: " + bankErrorText(*answer)));
    }
    auto issued = api::TopupAnswer::fromJson(answer->body);
    auto voucherParts = issued ? purse::splitSigned(issued->voucher) : std::nullopt;
    auto voucher = voucherParts ? purse::decodeVoucher(voucherParts->body) : std::nullopt;
    if (!voucher || toHex(voucher->purseId) != pending.purseIdHex ||
        voucher->creditSeq != pending.creditSeq || voucher->currency != pending.currency ||
        voucher->amount != pending.amount) {
      return drop(invalid("the bank's voucher does not match the request"));
    }
    if (auto stored = parts_.pending->setVoucher(pending.requestId, issued->voucher); !stored) {
      return makeRpcError(protocol::rpc::code::kInternal, stored.error().message);
    }
    pending.voucher = std::move(issued->voucher);
  }
  auto voucherParts = purse::splitSigned(pending.voucher);
  auto voucher = voucherParts ? purse::decodeVoucher(voucherParts->body) : std::nullopt;
  if (!voucher) return drop(invalid("the stored voucher is malformed"));
  const std::string voucherIdHex = toHex(voucher->voucherId);
  if (pending.record.empty()) {
    // CREDIT is idempotent: a voucher the card already took answers its original record.
    auto record = parts_.card->purseCredit(parts_.nowMs(), pending.voucher);
    if (!record) {
      RpcError error =
          purseError(PurseOperation::kCredit, record.error(), "voucher " + voucherIdHex);
      if (cardTakesItLater(record.error().sw)) return error;
      return drop(error);
    }
    auto decoded = decodeSignedRecord(*record);
    if (!decoded || decoded->entry.kind != purse::EntryKind::kCredit) {
      return makeRpcError(protocol::rpc::code::kCardError, "the card's credit record is malformed");
    }
    if (auto stored = parts_.pending->setRecord(pending.requestId, *record); !stored) {
      return makeRpcError(protocol::rpc::code::kInternal, stored.error().message);
    }
    pending.record = std::move(record.value());
    parts_.log->info("purse: credited " + std::to_string(decoded->entry.amount) + " " +
                     decoded->entry.currency + " (txn " + std::to_string(decoded->entry.txn) + ")");
    changed(decoded->entry.txn);
  }
  auto decoded = decodeSignedRecord(pending.record);
  if (!decoded) return drop(invalid("the stored credit record is malformed"));
  TopupDone done{voucherIdHex, decoded->entry.txn, decoded->entry.balanceAfter, false};
  auto answer = postJson(parts_.https, pending.bankUrl, api::ConfirmTopup::path(voucherIdHex),
                         api::ConfirmTopup{pending.record}.toJson());
  if (!answer) {
    parts_.log->warn("purse: confirming voucher " + voucherIdHex +
                     " later: " + answer.error().message);
    return done;
  }
  if (answer->status != 200) {
    // The card holds the money and the bank will not settle: an operator must look; the row
    // stays so the evidence (voucher and record) is kept.
    parts_.log->error("purse: the bank refuses to settle voucher " + voucherIdHex + ": " +
                      bankErrorText(*answer));
    return done;
  }
  if (auto removed = parts_.pending->remove(pending.requestId); !removed) {
    parts_.log->warn("purse: " + removed.error().message);
  }
  done.settled = true;
  return done;
}

bool PurseService::expireLocked(const PendingVoucher& pending, const PurseStatus& status) {
  const uint64_t now = parts_.nowMs();
  const uint64_t created = static_cast<uint64_t>(std::max<int64_t>(pending.createdMs, 0));
  // Only a slot the card has not used: a credit the card took is finished, never dropped.
  if (!pending.record.empty() || status.creditSeq >= pending.creditSeq ||
      now < created + parts_.pendingExpiryMs) {
    return false;
  }
  if (!parts_.pending->remove(pending.requestId)) return false;
  parts_.log->warn("purse: top-up " + pending.requestId + " of " +
                   moneyText(pending.amount, pending.currency) + " expired after " +
                   std::to_string((now - created) / 1000) +
                   " s without reaching the card: dropped (nothing was charged; the bank voids "
                   "its voucher when the slot is asked for again)");
  return true;
}

Result<size_t> PurseService::reconcile() {
  if (!parts_.pending) return size_t{0};
  std::lock_guard lock(mutex_);
  auto pending = parts_.pending->all();
  if (!pending) return pending.error();
  if (pending->empty()) return size_t{0};
  auto status = parts_.card->purseStatus();
  if (!status) return makeError("purse status: " + status.error().message);
  size_t settled = 0;
  for (const PendingVoucher& row : *pending) {
    auto done = advanceLocked(row, *status);
    if (done && done->settled) {
      ++settled;
    } else if (!done && expireLocked(row, *status)) {
      // dropped, logged
    } else if (!done) {
      parts_.log->warn("purse: top-up " + row.requestId +
                       " still pending: " + done.error().message);
    }
    if (auto again = parts_.card->purseStatus(); again) status = std::move(again);
  }
  return settled;
}

}  // namespace hp::home_server

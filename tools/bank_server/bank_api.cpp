#include "tools/bank_server/bank_api.hpp"

#include "protocol/merchant/bank_api.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tools/bank_server/credit_check.hpp"
#include "tools/merchant/json_http.hpp"

namespace hp::bank_server {

namespace purse = protocol::purse;
namespace api = protocol::merchant;
using merchant::HttpRequest;
using merchant::HttpResponse;
using merchant::PeerIdentity;

namespace {

HttpResponse voucherAnswer(const VoucherRow& voucher) {
  return merchant::jsonResponse(
      201, api::TopupAnswer{voucher.voucherId, voucher.signedVoucher}.toJson());
}

// The voucher as signed, rebuilt from its row (the row holds the signed bytes too, but the
// check compares fields).
std::optional<purse::Voucher> voucherOf(const VoucherRow& row) {
  const auto parts = purse::splitSigned(row.signedVoucher);
  return parts ? purse::decodeVoucher(parts->body) : std::nullopt;
}

}  // namespace

HttpResponse BankApi::storageFailure(const Error& error) {
  if (parts_.log) parts_.log("storage: " + error.message);
  return merchant::errorResponse(500, "storage_error", "the bank could not access its ledger");
}

HttpResponse BankApi::handle(const HttpRequest& request, const PeerIdentity& peer) {
  std::lock_guard lock(mutex_);
  const auto path = merchant::pathSegments(request.target);
  auto wrongMethod = [&](const char* allowed) {
    return request.method == allowed
               ? std::optional<HttpResponse>()
               : merchant::errorResponse(405, "method_not_allowed",
                                         request.target + " takes " + allowed);
  };
  if (path.size() == 2 && path[0] == "accounts") {
    if (auto refused = wrongMethod("GET")) return *refused;
    return showAccount(path[1], peer);
  }
  if (path.size() == 1 && path[0] == "topups") {
    if (auto refused = wrongMethod("POST")) return *refused;
    return topUp(request, peer);
  }
  if (path.size() == 3 && path[0] == "topups" && path[2] == "confirm") {
    if (auto refused = wrongMethod("POST")) return *refused;
    return confirm(path[1], request, peer);
  }
  return merchant::errorResponse(404, "not_found", "no such resource: " + request.target);
}

HttpResponse BankApi::showAccount(const std::string& id, const PeerIdentity& peer) {
  auto account = parts_.store->findAccount(id);
  if (!account) return storageFailure(account.error());
  if (!*account || (*account)->owner != peer.keyFingerprint) {
    return merchant::errorResponse(404, "no_such_account",
                                   "no account " + id + " for this client certificate");
  }
  const Account& found = **account;
  return merchant::jsonResponse(
      200, api::AccountAnswer{found.id, found.currency, found.balance, found.pending}.toJson());
}

// Long on purpose (issue 11): the top-up's idempotency and voucher rules, in checking order.
// NOLINTNEXTLINE(readability-function-size)
HttpResponse BankApi::topUp(const HttpRequest& request, const PeerIdentity& peer) {
  auto body = merchant::parseJsonObject(request.body);
  if (!body) return merchant::errorResponse(400, "bad_request", body.error().message);
  auto topup = api::TopupRequest::fromJson(*body);
  if (!topup) return merchant::errorResponse(400, "bad_request", topup.error().message);
  const std::string& requestId = topup->requestId;
  const std::string& accountId = topup->account;
  const std::string& purseKey = topup->purseId;
  const uint32_t creditSeq = topup->creditSeq;
  const std::string& currency = topup->currency;
  const uint64_t amount = topup->amount;

  auto account = parts_.store->findAccount(accountId);
  if (!account) return storageFailure(account.error());
  if (!*account || (*account)->owner != peer.keyFingerprint) {
    return merchant::errorResponse(404, "no_such_account",
                                   "no account " + accountId + " for this client certificate");
  }
  // Idempotency first: a retry of an earlier request (its answer may have been lost).
  auto earlier = parts_.store->findByRequest(requestId);
  if (!earlier) return storageFailure(earlier.error());
  if (*earlier) {
    const VoucherRow& v = **earlier;
    if (v.account == accountId && v.purseId == purseKey && v.creditSeq == creditSeq &&
        v.currency == currency && v.amount == amount) {
      return voucherAnswer(v);
    }
    return merchant::errorResponse(409, "request_id_conflict",
                                   "request_id " + requestId + " was used for another top-up");
  }
  if ((*account)->currency != currency) {
    return merchant::errorResponse(422, "wrong_currency",
                                   "account " + accountId + " is in " + (*account)->currency);
  }
  auto slot = parts_.store->findLiveForSlot(purseKey, creditSeq);
  if (!slot) return storageFailure(slot.error());
  if (*slot && (*slot)->status == kIssued &&
      parts_.nowMs() - (*slot)->issuedMs >= parts_.voucherExpiryMs) {
    // Expired unconfirmed (the home server that asked for it lost it): void it and issue anew
    // for the same slot. The card takes at most one of the two (one voucher per credit_seq);
    // if it took the old one, its confirmation still settles it and voids the new one.
    auto voided = parts_.store->voidIssued((*slot)->voucherId);
    if (!voided) return storageFailure(voided.error());
    if (parts_.log) {
      parts_.log("voucher " + (*slot)->voucherId + " expired unconfirmed: void, its slot " +
                 std::to_string(creditSeq) + " reissued (it still settles if the card took it)");
    }
    slot = std::optional<VoucherRow>();
  }
  if (*slot) {
    return merchant::errorResponse(
        409, "slot_taken",
        (*slot)->status == kIssued
            ? "a voucher for this purse and credit_seq is outstanding: present and confirm it "
              "(an unconfirmed voucher expires " +
                  std::to_string(parts_.voucherExpiryMs / 60000) + " min after issue)"
            : "this purse already took a voucher at this credit_seq");
  }

  purse::Voucher voucher;
  voucher.bankId = bytesOf(parts_.bankId);
  const Bytes purseId = fromHex(purseKey).value_or(Bytes{});  // checked by fromJson
  std::copy(purseId.begin(), purseId.end(), voucher.purseId.begin());
  const Bytes random = parts_.rng->bytes(purse::kVoucherIdSize);
  if (random.size() != purse::kVoucherIdSize) {
    return merchant::errorResponse(500, "internal_error", "no random voucher ID");
  }
  std::copy(random.begin(), random.end(), voucher.voucherId.begin());
  voucher.creditSeq = creditSeq;
  voucher.currency = currency;
  voucher.amount = amount;
  auto signedVoucher = parts_.signingKey->signObject(purse::kVoucherLabel, purse::encode(voucher));
  if (!signedVoucher) {
    return merchant::errorResponse(500, "internal_error", "the bank could not sign a voucher");
  }
  VoucherRow row;
  row.voucherId = toHex(random);
  row.requestId = requestId;
  row.account = accountId;
  row.purseId = purseKey;
  row.creditSeq = voucher.creditSeq;
  row.currency = currency;
  row.amount = amount;
  row.status = kIssued;
  row.signedVoucher = *signedVoucher;
  row.issuedMs = parts_.nowMs();
  auto issued = parts_.store->issue(row);
  if (!issued) return storageFailure(issued.error());
  if (*issued == IssueOutcome::kInsufficientFunds) {
    return merchant::errorResponse(
        402, "insufficient_funds",
        "account " + accountId + " has " +
            std::to_string((*account)->balance -
                           std::min((*account)->balance, (*account)->pending)) +
            " " + (*account)->currency + " available (balance minus pending vouchers)");
  }
  return voucherAnswer(row);
}

HttpResponse BankApi::confirm(const std::string& voucherIdText, const HttpRequest& request,
                              const PeerIdentity& peer) {
  const auto voucherIdBytes = fromHex(voucherIdText);
  if (!voucherIdBytes || voucherIdBytes->size() != purse::kVoucherIdSize) {
    return merchant::errorResponse(404, "no_such_voucher", "no voucher " + voucherIdText);
  }
  const std::string voucherId = toHex(*voucherIdBytes);
  auto row = parts_.store->findVoucher(voucherId);
  if (!row) return storageFailure(row.error());
  auto account = *row ? parts_.store->findAccount((*row)->account)
                      : Result<std::optional<Account>>(std::optional<Account>());
  if (!account) return storageFailure(account.error());
  // Another client's voucher looks like a missing one.
  if (!*row || !*account || (*account)->owner != peer.keyFingerprint) {
    return merchant::errorResponse(404, "no_such_voucher",
                                   "no voucher " + voucherIdText + " for this client certificate");
  }
  auto body = merchant::parseJsonObject(request.body);
  if (!body) return merchant::errorResponse(400, "bad_request", body.error().message);
  auto confirmation = api::ConfirmTopup::fromJson(*body);
  if (!confirmation) {
    return merchant::errorResponse(400, "bad_request", confirmation.error().message);
  }
  const Bytes& record = confirmation->record;
  const auto voucher = voucherOf(**row);
  if (!voucher) return storageFailure(makeError("voucher " + voucherId + " unreadable"));
  auto checked = checkCreditRecord(*voucher, peer.ecPoint, peer.keyDescription, record);
  if (!checked) return merchant::toResponse(checked.error());

  const Json::Value settledAnswer = api::ConfirmTopupAnswer{kSettled}.toJson();
  if ((*row)->status == kSettled) return merchant::jsonResponse(200, settledAnswer);  // a retry
  // Issued, or void (expired and superseded) but taken by the card after all: settle it, unless
  // another voucher of its slot was settled (a card takes one per credit_seq).
  auto settled = parts_.store->settle(voucherId, record, parts_.nowMs());
  if (!settled) return storageFailure(settled.error());
  if (!*settled) {
    return merchant::errorResponse(
        409, "voucher_void",
        "voucher " + voucherId + " is void: another voucher of its slot was settled");
  }
  if (parts_.log) {
    parts_.log("voucher " + voucherId + " settled: " + std::to_string(voucher->amount) + " " +
               voucher->currency + " charged to " + (*row)->account);
  }
  return merchant::jsonResponse(200, settledAnswer);
}

}  // namespace hp::bank_server

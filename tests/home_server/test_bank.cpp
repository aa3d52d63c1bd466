#include "tests/home_server/test_bank.hpp"

#include "protocol/merchant/api_body.hpp"
#include "protocol/merchant/bank_api.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::home_server::test {

namespace purse = protocol::purse;
namespace api = protocol::merchant;

TestBank::TestBank(std::string bankId, uint64_t accountBalance, uint64_t seed)
    : bankId_(std::move(bankId)), account_(accountBalance), rng_(base::makeSeededRng(seed)) {
  key_ = std::move(base::EcKeyPair::generate(*rng_).value());
  forgerKey_ = std::move(base::EcKeyPair::generate(*rng_).value());
}

RelayResponse TestBank::json(int status, const Json::Value& body) const {
  RelayResponse response;
  response.status = status;
  response.headers["content-type"] = "application/json";
  response.body = bytesOf(protocol::rpc::encodeJson(body));
  return response;
}

RelayResponse TestBank::refusal(int status, const std::string& code,
                                const std::string& message) const {
  return json(status, api::ErrorBody{code, message}.toJson());
}

Bytes TestBank::signVoucher(const purse::Voucher& voucher) {
  const Bytes body = purse::encode(voucher);
  const auto hash = purse::signedHash(purse::kVoucherLabel, body);
  auto signature = (forge ? forgerKey_ : key_)->signHash(hash, *rng_);
  return purse::appendSignature(body, signature.value());
}

Result<RelayResponse> TestBank::handle(const RelayRequest& request) {
  ++requests_;
  if (request.method != "POST") return refusal(405, "method", "POST only");
  if (request.contentType != "application/json") {
    return refusal(415, "content_type", "JSON bodies only");
  }
  const std::string bodyText(request.body.begin(), request.body.end());
  auto body = protocol::rpc::parseJson(bodyText);
  if (!body || !body->isObject()) return refusal(400, "bad_json", "not a JSON object");
  const std::string& path = request.url.path;

  if (path == "/topups") {
    // The bank's own reading of a top-up (protocol/merchant/bank_api.hpp).
    auto topup = api::TopupRequest::fromJson(*body);
    if (!topup) return refusal(400, "bad_request", topup.error().message);
    const std::string& requestId = topup->requestId;
    if (auto known = byRequest_.find(requestId); known != byRequest_.end()) {
      if (known->second.bodyText != bodyText) {
        return refusal(409, "request_id_reused", "another body with this request_id");
      }
      return json(
          201,
          api::TopupAnswer{toHex(known->second.fields.voucherId), known->second.voucher}.toJson());
    }
    purse::Voucher voucher;
    voucher.bankId = bytesOf(bankId_);
    const Bytes purseId = fromHex(topup->purseId).value_or(Bytes{});  // checked by fromJson
    std::copy(purseId.begin(), purseId.end(), voucher.purseId.begin());
    voucher.creditSeq = topup->creditSeq;
    voucher.currency = topup->currency;
    voucher.amount = topup->amount;
    uint64_t pending = 0;
    for (const auto& [id, issued] : byRequest_) {
      if (issued.settled) continue;
      pending += issued.fields.amount;
      if (issued.fields.purseId == voucher.purseId &&
          issued.fields.creditSeq == voucher.creditSeq) {
        return refusal(409, "slot_taken", "a voucher for this purse slot is outstanding");
      }
    }
    if (account_ < pending + voucher.amount) {
      return refusal(402, "insufficient_balance", "the account cannot cover the top-up");
    }
    rng_->fill(voucher.voucherId.data(), voucher.voucherId.size());
    Issued issued{bodyText, signVoucher(voucher), voucher, false};
    byVoucher_[toHex(voucher.voucherId)] = requestId;
    byRequest_[requestId] = issued;
    if (loseIssueAnswers > 0) {
      --loseIssueAnswers;
      return makeError("connection reset by peer (test bank)");
    }
    return json(201, api::TopupAnswer{toHex(voucher.voucherId), issued.voucher}.toJson());
  }

  const std::string prefix = "/topups/";
  const std::string suffix = "/confirm";
  if (path.size() > prefix.size() + suffix.size() && path.rfind(prefix, 0) == 0 &&
      path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    if (loseConfirmAnswers > 0) {
      --loseConfirmAnswers;
      return makeError("connection refused (test bank)");
    }
    const std::string voucherHex =
        path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    auto requestId = byVoucher_.find(voucherHex);
    if (requestId == byVoucher_.end()) return refusal(404, "unknown_voucher", "no such voucher");
    Issued& issued = byRequest_[requestId->second];
    auto confirmation = api::ConfirmTopup::fromJson(*body);
    auto parts = confirmation ? purse::splitSigned(confirmation->record) : std::nullopt;
    auto decoded = parts ? purse::decodePurseRecord(parts->body) : std::nullopt;
    if (!decoded || !purse::verifySigned(cardPoint_, purse::kRecordLabel, *parts)) {
      return refusal(400, "bad_record", "not a record signed by the owner's card");
    }
    const purse::LogEntry& entry = decoded->entry;
    const purse::Voucher& v = issued.fields;
    if (entry.kind != purse::EntryKind::kCredit || decoded->purseId != v.purseId ||
        entry.reference != Bytes(v.voucherId.begin(), v.voucherId.end()) ||
        entry.relatedTxn != v.creditSeq || entry.amount != v.amount ||
        entry.currency != v.currency) {
      return refusal(400, "record_mismatch", "the record is not a credit of this voucher");
    }
    if (!issued.settled) {
      issued.settled = true;
      account_ -= v.amount;
      settled_ += v.amount;
    }
    return json(200, api::ConfirmTopupAnswer{"settled"}.toJson());
  }
  return refusal(404, "not_found", "no such resource");
}

}  // namespace hp::home_server::test

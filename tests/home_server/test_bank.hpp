// A bank for the purse tests, in this process: the API of docs/emoney.md ("Bank server") over
// the home server's HttpsCall, with a real signing key, one account, vouchers that settle once
// and a ledger to check conservation against. It can lose answers (a voucher issued but the
// reply lost, a confirmation lost) and forge vouchers (signed with a key the card does not
// trust), to test the home server's recovery and the card's refusals.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/ec_key.hpp"
#include "base/rng.hpp"
#include "host/home_server/purse/purse_service.hpp"
#include "protocol/purse/purse_records.hpp"

namespace hp::home_server::test {

class TestBank {
 public:
  TestBank(std::string bankId, uint64_t accountBalance, uint64_t seed);

  // The card's EC point: confirmations must be signed by it.
  void setCardPoint(Bytes point) { cardPoint_ = std::move(point); }
  Bytes publicPoint() const { return key_->publicPoint(); }
  const std::string& bankId() const { return bankId_; }

  Result<RelayResponse> handle(const RelayRequest& request);
  HttpsCall call() {
    return [this](const RelayRequest& request) { return handle(request); };
  }

  // A voucher signed by this bank, for a purse and slot (tests that present vouchers by hand).
  Bytes signVoucher(const protocol::purse::Voucher& voucher);

  uint64_t accountBalance() const { return account_; }
  uint64_t settledTotal() const { return settled_; }
  size_t issuedCount() const { return byRequest_.size(); }
  size_t requests() const { return requests_; }

  int loseIssueAnswers = 0;    // the next N voucher requests are served but the answer is lost
  int loseConfirmAnswers = 0;  // the next N confirmations are not even received
  bool forge = false;          // sign vouchers with a key the card does not trust

 private:
  struct Issued {
    std::string bodyText;
    Bytes voucher;
    protocol::purse::Voucher fields;
    bool settled = false;
  };
  RelayResponse json(int status, const Json::Value& body) const;
  RelayResponse refusal(int status, const std::string& code, const std::string& message) const;

  std::string bankId_;
  uint64_t account_;
  uint64_t settled_ = 0;
  size_t requests_ = 0;
  Bytes cardPoint_;
  std::unique_ptr<base::Rng> rng_;
  std::unique_ptr<base::EcKeyPair> key_;
  std::unique_ptr<base::EcKeyPair> forgerKey_;
  std::map<std::string, Issued> byRequest_;       // request_id -> voucher
  std::map<std::string, std::string> byVoucher_;  // voucher ID hex -> request_id
};

}  // namespace hp::home_server::test

// Software stand-in for the home card (tests, demos without a reader). Mirrors the card's
// rules that the RPC methods depend on: counters decrement before comparing, a blocked PIN
// stays blocked, PIN2 only after PIN1, signing only when crypto-enabled.
#include <mutex>

#include "host/home_server/card/home_card.hpp"

namespace hp::home {

namespace {

constexpr int kMaxTries = 3;

class SoftwareHomeCard;

class GatedSigner final : public tls::ClientKeySigner {
 public:
  GatedSigner(SoftwareHomeCard& card, std::unique_ptr<tls::ClientKeySigner> inner)
      : card_(card), inner_(std::move(inner)) {}
  tls::KeyType keyType() const override { return inner_->keyType(); }
  Bytes certificateDer() const override { return inner_->certificateDer(); }
  Result<Bytes> signHash(mbedtls_md_type_t hashAlg, ByteView hash) override;

 private:
  SoftwareHomeCard& card_;
  std::unique_ptr<tls::ClientKeySigner> inner_;
};

class SoftwareHomeCard final : public HomeCard {
 public:
  SoftwareHomeCard(std::unique_ptr<tls::ClientKeySigner> signer, std::string pin1, std::string pin2)
      : signer_(*this, std::move(signer)), pin1_(std::move(pin1)), pin2_(std::move(pin2)) {}
  ~SoftwareHomeCard() override {
    secureWipe(pin1_.data(), pin1_.size());
    secureWipe(pin2_.data(), pin2_.size());
  }

  Result<HomeCardStatus> status() override {
    std::lock_guard lock(mutex_);
    return HomeCardStatus{"operational", securityName(), pin1Tries_, pin2Tries_};
  }

  Result<PinOutcome> verifyPin1(const std::string& pin) override {
    std::lock_guard lock(mutex_);
    auto outcome = check(pin, pin1_, pin1Tries_);
    if (outcome.kind == PinOutcome::Kind::kAccepted && security_ == 0) security_ = 1;
    return outcome;
  }

  Result<PinOutcome> verifyPin2(const std::string& pin) override {
    std::lock_guard lock(mutex_);
    if (security_ == 0) return makeError("card answered 6982: PIN1 not verified");
    auto outcome = check(pin, pin2_, pin2Tries_);
    if (outcome.kind == PinOutcome::Kind::kAccepted) security_ = 2;
    return outcome;
  }

  Result<void> finish() override {
    std::lock_guard lock(mutex_);
    if (security_ == 2) security_ = 1;
    return {};
  }

  tls::ClientKeySigner& signer() override { return signer_; }

  // No purse here: answering as a card without one (6985) keeps the RPC layer honest instead of
  // pretending that money moved.
  PurseResult<PurseStatus> purseStatus() override { return noPurse(); }
  PurseResult<Bytes> purseDebit(uint64_t, ByteView, ByteView, const std::string&,
                                uint64_t) override {
    return noPurse();
  }
  PurseResult<Bytes> purseCredit(uint64_t, ByteView) override { return noPurse(); }
  PurseResult<Bytes> purseCancel(uint64_t, ByteView) override { return noPurse(); }
  PurseResult<std::vector<card::purse::LogEntry>> purseReadLog(uint32_t) override {
    return noPurse();
  }

  bool cryptoEnabled() {
    std::lock_guard lock(mutex_);
    return security_ == 2;
  }

 private:
  const char* securityName() const {
    static constexpr const char* kNames[] = {"inhibited", "standby", "crypto"};
    return kNames[security_];
  }

  static PurseError noPurse() { return PurseError{0x6985, "the software home card has no purse"}; }

  static PinOutcome check(const std::string& pin, const std::string& expected, int& tries) {
    if (tries == 0) return {PinOutcome::Kind::kBlocked, 0};
    --tries;  // before comparing, as the card does (no free guess by cutting power)
    if (constantTimeEqual(bytesOf(pin), bytesOf(expected))) {
      tries = kMaxTries;
      return {PinOutcome::Kind::kAccepted, tries};
    }
    return {tries == 0 ? PinOutcome::Kind::kBlocked : PinOutcome::Kind::kWrong, tries};
  }

  std::mutex mutex_;
  GatedSigner signer_;
  std::string pin1_, pin2_;
  int pin1Tries_ = kMaxTries, pin2Tries_ = kMaxTries;
  int security_ = 0;  // 0 inhibited, 1 standby, 2 crypto
};

Result<Bytes> GatedSigner::signHash(mbedtls_md_type_t hashAlg, ByteView hash) {
  if (!card_.cryptoEnabled()) {
    return makeError("card answered 6982 (security status not satisfied: PIN2 not verified)");
  }
  return inner_->signHash(hashAlg, hash);
}

}  // namespace

std::unique_ptr<HomeCard> makeSoftwareHomeCard(std::unique_ptr<tls::ClientKeySigner> signer,
                                               std::string pin1, std::string pin2) {
  return std::make_unique<SoftwareHomeCard>(std::move(signer), std::move(pin1), std::move(pin2));
}

}  // namespace hp::home

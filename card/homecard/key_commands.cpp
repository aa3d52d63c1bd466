// GENERATE ASYMMETRIC KEY PAIR (generate / read public key), MANAGE SECURITY ENVIRONMENT and
// PERFORM SECURITY OPERATION: COMPUTE DIGITAL SIGNATURE, and the cache of live key objects.
#include "base/tlv.hpp"
#include "card/homecard/home_card_applet.hpp"
#include "card/homecard/home_card_ins.hpp"

namespace hp::card::homecard {

using card::runtime::Response;
using protocol::apdu::CommandApdu;
namespace sw = protocol::apdu::sw;

namespace {
constexpr uint8_t kP1Generate = 0x80;
constexpr uint8_t kP1ReadPublicKey = 0x81;
constexpr uint16_t kTagPublicKeyTemplate = 0x7F49;
constexpr uint16_t kMseSetDigitalSignature = 0x41B6;  // SET, template for digital signature
constexpr uint16_t kPsoComputeSignature = 0x9E9A;
constexpr uint8_t kTagKeyReference = 0x84;

bool isSupportedHashLength(size_t n) {
  return n == 20 || n == 28 || n == 32 || n == 48 || n == 64;
}

SecretBytes concatenated(ByteView a, ByteView b, ByteView c) {
  Bytes all;
  append(all, a);
  append(all, b);
  append(all, c);
  SecretBytes out(all);
  secureWipe(all);
  return out;
}
}  // namespace

bool HomeCardApplet::refreshKeyCache() {
  const HomeCardState& s = state();
  if (!s.hasEcKey()) {
    ecKey_.reset();
    ecKeySource_.clear();
  } else if (!ecKey_ || !(ecKeySource_ == s.ecPrivate)) {
    auto key = base::EcKeyPair::fromPrivate(s.ecPrivate.view(), rng_);
    if (!key) return false;
    ecKey_ = std::move(key.value());
    ecKeySource_ = s.ecPrivate;
  }
  if (!s.hasRsaKey()) {
    rsaKey_.reset();
    rsaKeySource_.clear();
  } else {
    SecretBytes source = concatenated(s.rsaP.view(), s.rsaQ.view(), s.rsaE);
    if (!rsaKey_ || !(rsaKeySource_ == source)) {
      auto key = base::RsaKeyPair::fromPrimes(s.rsaP.view(), s.rsaQ.view(), s.rsaE);
      if (!key) return false;
      rsaKey_ = std::move(key.value());
      rsaKeySource_ = std::move(source);
    }
  }
  return true;
}

Bytes HomeCardApplet::publicKeyTemplate(uint8_t keyRef) const {
  // ISO 7816-8 / 7816-4 table 88: public key data objects inside template 7F49.
  Bytes inner;
  if (keyRef == kKeyEc) {
    base::appendTlv(inner, 0x86, ecKey_->publicPoint());
  } else {
    base::appendTlv(inner, 0x81, rsaKey_->modulus());
    base::appendTlv(inner, 0x82, rsaKey_->publicExponent());
  }
  return base::makeTlv(kTagPublicKeyTemplate, inner);
}

Response HomeCardApplet::generateOrReadKey(const CommandApdu& cmd) {
  if ((cmd.p1 != kP1Generate && cmd.p1 != kP1ReadPublicKey) ||
      (cmd.p2 != kKeyEc && cmd.p2 != kKeyRsa)) {
    return Response::status(sw::kIncorrectP1P2);
  }
  const bool generate = cmd.p1 == kP1Generate;
  if (generate && !pin2Verified()) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (!cmd.data.empty()) return Response::status(sw::kWrongLength);
  const uint8_t keyRef = cmd.p2;

  if (!generate) {
    if (!refreshKeyCache()) return Response::status(sw::kNoPreciseDiagnosis);
    const bool present = keyRef == kKeyEc ? ecKey_ != nullptr : rsaKey_ != nullptr;
    if (!present) return Response::status(sw::kReferencedDataNotFound);
    return Response::read(publicKeyTemplate(keyRef));
  }

  // The certificate certified the old public key, so it goes together with the key it named.
  if (keyRef == kKeyEc) {
    auto key = base::EcKeyPair::generate(rng_);
    if (!key) return Response::status(sw::kNoPreciseDiagnosis);
    SecretBytes scalar = key.value()->privateScalar();
    const bool stored = update([&](HomeCardState& s) {
      s.ecPrivate = scalar;
      s.certificates[0].clear();
    });
    if (!stored) return Response::status(sw::kMemoryFailure);
    ecKey_ = std::move(key.value());
    ecKeySource_ = std::move(scalar);
  } else {
    auto key = base::RsaKeyPair::generate(rng_);
    if (!key) return Response::status(sw::kNoPreciseDiagnosis);
    SecretBytes p = key.value()->primeP();
    SecretBytes q = key.value()->primeQ();
    const Bytes e = key.value()->publicExponent();
    const bool stored = update([&](HomeCardState& s) {
      s.rsaP = p;
      s.rsaQ = q;
      s.rsaE = e;
      s.certificates[1].clear();
    });
    if (!stored) return Response::status(sw::kMemoryFailure);
    rsaKey_ = std::move(key.value());
    rsaKeySource_ = concatenated(p.view(), q.view(), e);
  }
  // Not a read: asking again would make another key, so it is never answered with 6Cxx.
  return Response::ok(publicKeyTemplate(keyRef));
}

Response HomeCardApplet::manageSecurityEnvironment(const CommandApdu& cmd) {
  // ISO 7816-4 11.5.11: P1 = 41 SET for computation, P2 = B6 digital signature template.
  if (cmd.p1p2() != kMseSetDigitalSignature) return Response::status(sw::kIncorrectP1P2);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  const auto tlvs = base::parseTlvs(cmd.data);
  if (!tlvs || tlvs->size() != 1 || (*tlvs)[0].tag != kTagKeyReference ||
      (*tlvs)[0].value.size() != 1) {
    return Response::status(sw::kWrongData);
  }
  const uint8_t keyRef = (*tlvs)[0].value[0];
  const bool present =
      (keyRef == kKeyEc && state().hasEcKey()) || (keyRef == kKeyRsa && state().hasRsaKey());
  if (!present) return Response::status(sw::kReferencedDataNotFound);
  signingKey_ = keyRef;
  return Response::status(sw::kOk);
}

Response HomeCardApplet::computeSignature(const CommandApdu& cmd) {
  // ISO 7816-8 11.8: P1 = 9E (digital signature out), P2 = 9A (data to be signed in).
  if (cmd.p1p2() != kPsoComputeSignature) return Response::status(sw::kIncorrectP1P2);
  if (!pin2Verified()) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  // The hash length names the algorithm (SHA-1/224/256/384/512), as the RSA DigestInfo needs.
  if (!isSupportedHashLength(cmd.data.size())) return Response::status(sw::kWrongData);
  if (!refreshKeyCache()) return Response::status(sw::kNoPreciseDiagnosis);

  Result<Bytes> signature = makeError("no key");
  if (signingKey_ == kKeyEc && ecKey_) {
    signature = ecKey_->signHash(cmd.data, rng_);
  } else if (signingKey_ == kKeyRsa && rsaKey_) {
    signature = rsaKey_->signHash(cmd.data, rng_);
  } else {
    return Response::status(sw::kReferencedDataNotFound);
  }
  if (!signature) return Response::status(sw::kNoPreciseDiagnosis);
  // Randomized ECDSA / blinded RSA: never recomputed for a short Le (61xx, not 6Cxx).
  return Response::ok(std::move(signature.value()));
}

}  // namespace hp::card::homecard

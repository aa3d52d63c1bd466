#include "protocol/card_link/pin_session.hpp"

#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>

#include <string_view>

namespace hp::protocol::card_link::pin_session {

namespace {
// Labels: each use of a key gets its own, so no output of one step is valid for another.
constexpr std::string_view kKeyLabel = "homeproxy card link v1 keys";
constexpr std::string_view kReceiptLabel = "homeproxy card link v1 receipt";
constexpr std::string_view kPinLabel = "homeproxy card link v1 pin";
constexpr size_t kKeySize = 32;
constexpr uint8_t kGcmNonce[12] = {};  // one PIN per session key (see the header)

const mbedtls_md_info_t* sha256() {
  return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
}

ByteView text(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

void append(Bytes& out, ByteView part) {
  out.insert(out.end(), part.begin(), part.end());
}

Bytes labelled(std::string_view label, std::initializer_list<ByteView> parts) {
  Bytes out{static_cast<uint8_t>(label.size())};
  append(out, text(label));
  for (ByteView p : parts) append(out, p);
  return out;
}

Bytes pinAad(uint8_t reference) {
  const uint8_t ref[] = {reference};
  return labelled(kPinLabel, {ByteView(ref)});
}

class Gcm {
 public:
  explicit Gcm(const SecretBytes& key) {
    mbedtls_gcm_init(&ctx_);
    ok_ = key.size() == kKeySize &&
          mbedtls_gcm_setkey(&ctx_, MBEDTLS_CIPHER_ID_AES, key.data(), 256) == 0;
  }
  ~Gcm() { mbedtls_gcm_free(&ctx_); }
  Gcm(const Gcm&) = delete;
  Gcm& operator=(const Gcm&) = delete;
  bool ok() const { return ok_; }
  mbedtls_gcm_context* get() { return &ctx_; }

 private:
  mbedtls_gcm_context ctx_;
  bool ok_ = false;
};
}  // namespace

std::optional<Keys> deriveKeys(ByteView sharedSecret, ByteView cardPoint, ByteView hostPoint,
                               ByteView hostNonce, ByteView cardNonce) {
  if (sharedSecret.size() != 32 || cardPoint.size() != kPointSize ||
      hostPoint.size() != kPointSize || hostNonce.size() != kNonceSize ||
      cardNonce.size() != kNonceSize) {
    return std::nullopt;
  }
  Bytes salt(hostNonce.begin(), hostNonce.end());
  append(salt, cardNonce);
  const Bytes info = labelled(kKeyLabel, {cardPoint, hostPoint});
  SecretBytes okm(2 * kKeySize);
  if (mbedtls_hkdf(sha256(), salt.data(), salt.size(), sharedSecret.data(), sharedSecret.size(),
                   info.data(), info.size(), okm.data(), okm.size()) != 0) {
    return std::nullopt;
  }
  Keys keys;
  keys.encryption = SecretBytes(okm.view().first(kKeySize));
  keys.mac = SecretBytes(okm.view().subspan(kKeySize));
  return keys;
}

Bytes receipt(const Keys& keys, ByteView hostPoint, ByteView hostNonce, ByteView cardNonce) {
  const Bytes data = labelled(kReceiptLabel, {hostPoint, hostNonce, cardNonce});
  Bytes mac(kReceiptSize);
  if (mbedtls_md_hmac(sha256(), keys.mac.data(), keys.mac.size(), data.data(), data.size(),
                      mac.data()) != 0) {
    return {};
  }
  return mac;
}

bool receiptMatches(const Keys& keys, ByteView hostPoint, ByteView hostNonce, ByteView cardNonce,
                    ByteView candidate) {
  const Bytes expected = receipt(keys, hostPoint, hostNonce, cardNonce);
  if (expected.size() != kReceiptSize || candidate.size() != kReceiptSize) return false;
  // Constant time: every byte is compared whatever the first difference.
  uint8_t difference = 0;
  for (size_t i = 0; i < kReceiptSize; ++i) difference |= expected[i] ^ candidate[i];
  return difference == 0;
}

Bytes sealPin(const Keys& keys, uint8_t reference, ByteView pin) {
  if (pin.size() >= kPinBlockSize) return {};
  SecretBytes block(kPinBlockSize);
  block.data()[0] = static_cast<uint8_t>(pin.size());
  std::copy(pin.begin(), pin.end(), block.data() + 1);
  Gcm gcm(keys.encryption);
  if (!gcm.ok()) return {};
  const Bytes aad = pinAad(reference);
  Bytes sealed(kSealedPinSize);
  if (mbedtls_gcm_crypt_and_tag(gcm.get(), MBEDTLS_GCM_ENCRYPT, kPinBlockSize, kGcmNonce,
                                sizeof kGcmNonce, aad.data(), aad.size(), block.data(),
                                sealed.data(), kTagSize, sealed.data() + kPinBlockSize) != 0) {
    return {};
  }
  return sealed;
}

std::optional<SecretBytes> openPin(const Keys& keys, uint8_t reference, ByteView sealed) {
  if (sealed.size() != kSealedPinSize) return std::nullopt;
  Gcm gcm(keys.encryption);
  if (!gcm.ok()) return std::nullopt;
  const Bytes aad = pinAad(reference);
  SecretBytes block(kPinBlockSize);
  if (mbedtls_gcm_auth_decrypt(gcm.get(), kPinBlockSize, kGcmNonce, sizeof kGcmNonce, aad.data(),
                               aad.size(), sealed.data() + kPinBlockSize, kTagSize, sealed.data(),
                               block.data()) != 0) {
    return std::nullopt;
  }
  const size_t length = block.data()[0];
  if (length >= kPinBlockSize) return std::nullopt;
  return SecretBytes(block.view().subspan(1, length));
}

}  // namespace hp::protocol::card_link::pin_session

#include "host/channel/crypto.hpp"

#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>

#include "base/labelled_hash.hpp"
#include "host/channel/protocol.hpp"

namespace hp::channel {

namespace {

const mbedtls_md_info_t* sha256Info() {
  return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
}

// RAII for a GCM context keyed with AES-256; the context holds the expanded key schedule,
// which mbedtls_gcm_free zeroizes.
class GcmContext {
 public:
  GcmContext() { mbedtls_gcm_init(&ctx_); }
  ~GcmContext() { mbedtls_gcm_free(&ctx_); }
  GcmContext(const GcmContext&) = delete;
  GcmContext& operator=(const GcmContext&) = delete;
  bool setKey(ByteView key) {
    return key.size() == kAeadKeySize &&
           mbedtls_gcm_setkey(&ctx_, MBEDTLS_CIPHER_ID_AES, key.data(),
                              static_cast<unsigned>(key.size() * 8)) == 0;
  }
  mbedtls_gcm_context* get() { return &ctx_; }

 private:
  mbedtls_gcm_context ctx_;
};

}  // namespace

Hash sha256(ByteView data) {
  Hash out{};
  mbedtls_sha256_ret(data.data(), data.size(), out.data(), 0);
  return out;
}

Hash labelledHash(std::string_view label, ByteView data) {
  return base::labelledSha256(label, {data});
}

SecretBytes hmacSha256(ByteView key, ByteView data) {
  SecretBytes out(32);
  mbedtls_md_hmac(sha256Info(), key.data(), key.size(), data.data(), data.size(), out.data());
  return out;
}

SecretBytes hkdfExtract(ByteView salt, ByteView inputKeyMaterial) {
  SecretBytes prk(32);
  mbedtls_hkdf_extract(sha256Info(), salt.data(), salt.size(), inputKeyMaterial.data(),
                       inputKeyMaterial.size(), prk.data());
  return prk;
}

Result<SecretBytes> hkdfExpand(ByteView pseudoRandomKey, ByteView info, size_t length) {
  SecretBytes okm(length);
  if (mbedtls_hkdf_expand(sha256Info(), pseudoRandomKey.data(), pseudoRandomKey.size(), info.data(),
                          info.size(), okm.data(), okm.size()) != 0) {
    return makeError("HKDF expand failed");
  }
  return okm;
}

Result<Bytes> aesGcmSeal(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
  GcmContext gcm;
  if (!gcm.setKey(key) || nonce.size() != kAeadIvSize) return makeError("bad AEAD key or nonce");
  Bytes out(plaintext.size() + kAeadTagSize);
  if (mbedtls_gcm_crypt_and_tag(gcm.get(), MBEDTLS_GCM_ENCRYPT, plaintext.size(), nonce.data(),
                                nonce.size(), aad.data(), aad.size(), plaintext.data(), out.data(),
                                kAeadTagSize, out.data() + plaintext.size()) != 0) {
    return makeError("AEAD encryption failed");
  }
  return out;
}

Result<Bytes> aesGcmOpen(ByteView key, ByteView nonce, ByteView aad, ByteView ciphertextAndTag) {
  if (ciphertextAndTag.size() < kAeadTagSize) return makeError("record shorter than its tag");
  GcmContext gcm;
  if (!gcm.setKey(key) || nonce.size() != kAeadIvSize) return makeError("bad AEAD key or nonce");
  const size_t length = ciphertextAndTag.size() - kAeadTagSize;
  Bytes out(length);
  // auth_decrypt compares the tag in constant time and wipes the output on mismatch.
  if (mbedtls_gcm_auth_decrypt(gcm.get(), length, nonce.data(), nonce.size(), aad.data(),
                               aad.size(), ciphertextAndTag.data() + length, kAeadTagSize,
                               ciphertextAndTag.data(), out.data()) != 0) {
    return makeError("record authentication failed");
  }
  return out;
}

}  // namespace hp::channel

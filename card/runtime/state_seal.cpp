#include "card/runtime/state_seal.hpp"

#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include <cstring>

namespace hp::card::runtime {

namespace {
constexpr size_t kNonce = 12;
constexpr size_t kTag = 16;
constexpr char kInfo[] = "homeproxy card state v2";

// The AES key: the file key is used only through HKDF, so it could later key other things.
bool deriveKey(const SecretBytes& stateKey, uint8_t out[32]) {
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  return stateKey.size() == kStateKeySize &&
         mbedtls_hkdf(md, nullptr, 0, stateKey.data(), stateKey.size(),
                      reinterpret_cast<const uint8_t*>(kInfo), sizeof kInfo - 1, out, 32) == 0;
}

// Runs GCM encryption or authenticated decryption; false on any failure or a bad tag.
bool runGcm(const SecretBytes& stateKey, bool encrypt, ByteView aad, const uint8_t* nonce,
            const uint8_t* in, size_t size, uint8_t* out, uint8_t* tag) {
  uint8_t key[32];
  if (!deriveKey(stateKey, key)) return false;
  mbedtls_gcm_context gcm;
  mbedtls_gcm_init(&gcm);
  bool ok = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 256) == 0;
  mbedtls_platform_zeroize(key, sizeof key);
  if (ok && encrypt) {
    ok = mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, size, nonce, kNonce, aad.data(),
                                   aad.size(), in, out, kTag, tag) == 0;
  } else if (ok) {
    ok = mbedtls_gcm_auth_decrypt(&gcm, size, nonce, kNonce, aad.data(), aad.size(), tag, kTag, in,
                                  out) == 0;
  }
  mbedtls_gcm_free(&gcm);
  return ok;
}

std::string refused(const std::string& path, const std::string& why) {
  return "card state file " + path + " " + why + "; refusing to start rather than reset the card";
}
}  // namespace

bool isSealedStateFile(ByteView file) {
  return file.size() >= sizeof kSealedMagic &&
         std::memcmp(file.data(), kSealedMagic, sizeof kSealedMagic) == 0;
}

Result<Bytes> sealState(const SecretBytes& stateKey, const std::string& kind, ByteView image,
                        Rng& rng) {
  if (kind.empty() || kind.size() > 255) return makeError("bad card kind for the state file");
  Bytes out(kSealedMagic, kSealedMagic + sizeof kSealedMagic);
  out.push_back(static_cast<uint8_t>(kind.size()));
  out.insert(out.end(), kind.begin(), kind.end());
  const size_t nonceAt = out.size();
  out.resize(nonceAt + kNonce);
  if (rng.fill(out.data() + nonceAt, kNonce) != 0) return makeError("random generator failed");
  const auto n = static_cast<uint32_t>(image.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(n >> shift));
  const size_t header = out.size();
  out.resize(header + image.size() + kTag);
  if (!runGcm(stateKey, true, ByteView(out.data(), header), out.data() + nonceAt, image.data(),
              image.size(), out.data() + header, out.data() + header + image.size())) {
    secureWipe(out);
    return makeError("cannot seal the card state (state key unusable)");
  }
  return out;
}

Result<Bytes> openSealedState(const SecretBytes& stateKey, const std::string& kind, ByteView file,
                              const std::string& path) {
  const size_t kindAt = sizeof kSealedMagic + 1;
  if (!isSealedStateFile(file) || file.size() < kindAt) {
    return makeError(refused(path, "is not a sealed homeproxy card state (bad magic)"));
  }
  const size_t kindSize = file[sizeof kSealedMagic];
  const size_t header = kindAt + kindSize + kNonce + 4;
  if (file.size() < header + kTag) return makeError(refused(path, "is truncated"));
  const std::string fileKind(file.begin() + kindAt, file.begin() + kindAt + kindSize);
  if (fileKind != kind) {
    return makeError(refused(path, "belongs to a card of another kind ('" + fileKind + "')"));
  }
  const uint8_t* len = file.data() + header - 4;
  const size_t n = (size_t{len[0]} << 24) | (size_t{len[1]} << 16) | (size_t{len[2]} << 8) | len[3];
  if (file.size() != header + n + kTag) {
    return makeError(refused(path, "has the wrong length: truncated or damaged"));
  }
  Bytes image(n);
  Bytes tag(file.begin() + header + n, file.end());
  if (!runGcm(stateKey, false, file.subspan(0, header), file.data() + kindAt + kindSize,
              file.data() + header, n, image.data(), tag.data())) {
    secureWipe(image);
    return makeError(refused(path,
                             "fails authentication: edited by hand, damaged, or paired with "
                             "another card's key file"));
  }
  return image;
}

}  // namespace hp::card::runtime

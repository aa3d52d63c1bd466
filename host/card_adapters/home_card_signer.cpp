#include "host/card_adapters/home_card_signer.hpp"

#include <mbedtls/ecp.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include <mutex>

namespace hp::card_adapters {

namespace {
HomeKeyRef keyRefOf(tls_proxy::KeyType type) {
  return type == tls_proxy::KeyType::kEcP256 ? HomeKeyRef::kEc : HomeKeyRef::kRsa;
}

// Big-endian integers compared by value, so a leading zero byte on either side does not matter.
bool sameInteger(ByteView a, ByteView b) {
  while (!a.empty() && a[0] == 0) a = a.subspan(1);
  while (!b.empty() && b[0] == 0) b = b.subspan(1);
  return std::ranges::equal(a, b);
}
}  // namespace

Result<void> certificateMatchesKey(ByteView certificateDer, const HomePublicKey& key) {
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  struct Guard {
    mbedtls_x509_crt* c;
    ~Guard() { mbedtls_x509_crt_free(c); }
  } guard{&crt};
  if (mbedtls_x509_crt_parse_der(&crt, certificateDer.data(), certificateDer.size()) != 0) {
    return makeError("home card certificate is not a valid X.509 certificate");
  }
  const mbedtls_pk_type_t type = mbedtls_pk_get_type(&crt.pk);
  if (key.ref == HomeKeyRef::kEc) {
    if (type != MBEDTLS_PK_ECKEY) return makeError("home card EC certificate holds no EC key");
    const mbedtls_ecp_keypair* ec = mbedtls_pk_ec(crt.pk);
    Bytes point(65);
    size_t length = 0;
    if (ec->grp.id != MBEDTLS_ECP_DP_SECP256R1 ||
        mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &length,
                                       point.data(), point.size()) != 0 ||
        length != 65 || point != key.point) {
      return makeError("home card EC certificate does not certify the card's EC key");
    }
    return {};
  }
  if (type != MBEDTLS_PK_RSA) return makeError("home card RSA certificate holds no RSA key");
  mbedtls_rsa_context* rsa = mbedtls_pk_rsa(crt.pk);
  Bytes modulus(mbedtls_rsa_get_len(rsa));
  Bytes exponent(8);
  if (mbedtls_rsa_export_raw(rsa, modulus.data(), modulus.size(), nullptr, 0, nullptr, 0, nullptr,
                             0, exponent.data(), exponent.size()) != 0 ||
      !sameInteger(modulus, key.modulus) || !sameInteger(exponent, key.exponent)) {
    return makeError("home card RSA certificate does not certify the card's RSA key");
  }
  return {};
}

Result<std::unique_ptr<HomeCardSigner>> HomeCardSigner::open(HomeCardClient& card,
                                                             tls_proxy::KeyType type) {
  const uint64_t before = card.commands().commandsSent();
  const HomeKeyRef ref = keyRefOf(type);
  auto key = card.readPublicKey(ref);
  if (!key) return toError(key.error());
  auto certificate = card.getCertificate(ref);
  if (!certificate) return toError(certificate.error());
  if (auto match = certificateMatchesKey(*certificate, *key); !match) return match.error();
  std::unique_ptr<HomeCardSigner> signer(
      new HomeCardSigner(card, type, std::move(certificate.value())));
  signer->apdusSent_ = card.commands().commandsSent() - before;
  return signer;
}

Result<Bytes> HomeCardSigner::signHash(mbedtls_md_type_t hashAlg, ByteView hash) {
  // Same contract as tls::SoftwareSigner: the hash length must fit the algorithm and the card.
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(hashAlg);
  if (md == nullptr || mbedtls_md_get_size(md) != hash.size() ||
      !tls_proxy::isSupportedHashSize(hash.size())) {
    return makeError("home card signer: unsupported hash algorithm or length");
  }
  // Held across the count too, so concurrent signatures each count their own commands.
  std::lock_guard lock(card_.commands().mutex());
  const uint64_t before = card_.commands().commandsSent();
  auto signature = card_.sign(keyRefOf(type_), hash);
  apdusSent_ += card_.commands().commandsSent() - before;
  if (!signature) return toError(signature.error());
  ++signatures_;
  return std::move(signature.value());
}

}  // namespace hp::card_adapters

#include "tools/merchant/peer_identity.hpp"

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include <array>

#include "host/tls_proxy/tls_error.hpp"

namespace hp::merchant {

Result<PeerIdentity> describeCertificate(const mbedtls_x509_crt& certificate) {
  PeerIdentity identity;
  // mbedtls_pk_write_pubkey_der does not modify the key; its signature lacks const.
  auto* key = const_cast<mbedtls_pk_context*>(&certificate.pk);
  std::array<unsigned char, 2048> der{};
  const int length = mbedtls_pk_write_pubkey_der(key, der.data(), der.size());
  if (length <= 0) return tls_proxy::tlsError("client certificate public key", length);
  std::array<uint8_t, 32> digest{};
  // DER is written at the end of the buffer.
  if (mbedtls_sha256_ret(der.data() + der.size() - length, static_cast<size_t>(length),
                         digest.data(), 0) != 0) {
    return makeError("client certificate: SHA-256 failed");
  }
  identity.keyFingerprint = toHex(digest);

  const mbedtls_pk_type_t type = mbedtls_pk_get_type(key);
  if (type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECKEY_DH || type == MBEDTLS_PK_ECDSA) {
    const mbedtls_ecp_keypair* ec = mbedtls_pk_ec(*key);
    if (ec->grp.id == MBEDTLS_ECP_DP_SECP256R1) {
      Bytes point(65);
      size_t written = 0;
      if (mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &written,
                                         point.data(), point.size()) == 0 &&
          written == point.size()) {
        identity.ecPoint = std::move(point);
      }
      identity.keyDescription = "EC P-256";
    } else {
      identity.keyDescription = "EC " + std::to_string(mbedtls_pk_get_bitlen(key)) + " bits";
    }
  } else {
    identity.keyDescription =
        std::string(mbedtls_pk_get_name(key)) + " " + std::to_string(mbedtls_pk_get_bitlen(key));
  }
  char subject[512] = {};
  if (mbedtls_x509_dn_gets(subject, sizeof subject, &certificate.subject) > 0) {
    identity.subject = subject;
  }
  return identity;
}

Result<PeerIdentity> describeCertificateFile(const std::string& pemPath) {
  mbedtls_x509_crt certificate;
  mbedtls_x509_crt_init(&certificate);
  if (int rc = mbedtls_x509_crt_parse_file(&certificate, pemPath.c_str()); rc != 0) {
    mbedtls_x509_crt_free(&certificate);
    return tls_proxy::tlsError("reading certificate " + pemPath, rc);
  }
  auto identity = describeCertificate(certificate);
  mbedtls_x509_crt_free(&certificate);
  return identity;
}

}  // namespace hp::merchant

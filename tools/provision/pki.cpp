#include "tools/provision/pki.hpp"

#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/sha256.h>

#include <mbedtls/x509_crt.h>
#include <algorithm>

#include <cstring>
#include <vector>

namespace hp::provision {

namespace {

Error mbedError(const std::string& what, int rc) {
  return makeError(what + " failed (mbedTLS -0x" +
                   toHex(Bytes{static_cast<uint8_t>((-rc) >> 8), static_cast<uint8_t>(-rc)}) + ")");
}

// mbedTLS 2.28's x509write puts a NULL parameter in the ecdsa-with-SHA256 AlgorithmIdentifier;
// RFC 5758 3.2 says the parameters MUST be absent, and OpenSSL 3 refuses such certificates
// ("unsupported"). So the TBSCertificate's copy is rewritten without the NULL and signed again,
// and the certificate is assembled here with the correct identifier.
const Bytes kEcdsaSha256WithNull = {0x30, 0x0C, 0x06, 0x08, 0x2A, 0x86, 0x48,
                                    0xCE, 0x3D, 0x04, 0x03, 0x02, 0x05, 0x00};
const Bytes kEcdsaSha256 = {0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02};

void appendDerLength(Bytes& out, size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<uint8_t>(length));
  } else if (length <= 0xFF) {
    out.insert(out.end(), {0x81, static_cast<uint8_t>(length)});
  } else {
    out.insert(out.end(), {0x82, static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length)});
  }
}

Bytes derElement(uint8_t tag, ByteView content) {
  Bytes out{tag};
  appendDerLength(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

// The header size and content length of the DER element at `at` (lengths up to 2 bytes).
Result<std::pair<size_t, size_t>> derHeader(ByteView der, size_t at) {
  if (at + 2 > der.size()) return makeError("certificate DER cut short");
  const uint8_t first = der[at + 1];
  if (first < 0x80) return std::make_pair(size_t{2}, size_t{first});
  const size_t count = first & 0x7F;
  if (count == 0 || count > 2 || at + 2 + count > der.size()) {
    return makeError("certificate DER length not supported");
  }
  size_t length = 0;
  for (size_t i = 0; i < count; ++i) length = (length << 8) | der[at + 2 + i];
  return std::make_pair(2 + count, length);
}

Result<Bytes> resignWithoutNullParameter(ByteView certificate, PkKey& issuer, Drbg& drbg) {
  auto outer = derHeader(certificate, 0);
  if (!outer) return outer.error();
  const size_t tbsAt = outer->first;
  auto tbsHeader = derHeader(certificate, tbsAt);
  if (!tbsHeader) return tbsHeader.error();
  ByteView tbsContent = certificate.subspan(tbsAt + tbsHeader->first, tbsHeader->second);
  auto found = std::search(tbsContent.begin(), tbsContent.end(), kEcdsaSha256WithNull.begin(),
                           kEcdsaSha256WithNull.end());
  if (found == tbsContent.end()) return makeError("no ECDSA algorithm identifier in the TBS");
  Bytes content(tbsContent.begin(), found);
  content.insert(content.end(), kEcdsaSha256.begin(), kEcdsaSha256.end());
  content.insert(content.end(), found + kEcdsaSha256WithNull.size(), tbsContent.end());
  const Bytes tbs = derElement(0x30, content);

  unsigned char hash[32];
  int rc = mbedtls_sha256_ret(tbs.data(), tbs.size(), hash, 0);
  unsigned char signature[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
  size_t signatureLength = 0;
  if (rc == 0) {
    rc = mbedtls_pk_sign(issuer.get(), MBEDTLS_MD_SHA256, hash, sizeof hash, signature,
                         &signatureLength, mbedtls_ctr_drbg_random, drbg.context());
  }
  if (rc != 0) return mbedError("signing the certificate", rc);
  Bytes bitString{0x00};  // no unused bits
  bitString.insert(bitString.end(), signature, signature + signatureLength);
  Bytes body = tbs;
  body.insert(body.end(), kEcdsaSha256.begin(), kEcdsaSha256.end());
  const Bytes signatureElement = derElement(0x03, bitString);
  body.insert(body.end(), signatureElement.begin(), signatureElement.end());
  return derElement(0x30, body);
}

}  // namespace

Drbg::Drbg() {
  mbedtls_entropy_init(&entropy_);
  mbedtls_ctr_drbg_init(&drbg_);
}

Drbg::~Drbg() {
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_entropy_free(&entropy_);
}

Result<std::unique_ptr<Drbg>> Drbg::create() {
  std::unique_ptr<Drbg> drbg(new Drbg());
  static constexpr char kPersonalization[] = "homeproxy hp_provision";
  const int rc = mbedtls_ctr_drbg_seed(&drbg->drbg_, mbedtls_entropy_func, &drbg->entropy_,
                                       reinterpret_cast<const unsigned char*>(kPersonalization),
                                       sizeof kPersonalization - 1);
  if (rc != 0) return mbedError("seeding the random generator", rc);
  return drbg;
}

Result<std::unique_ptr<PkKey>> PkKey::generateP256(Drbg& drbg) {
  auto key = std::make_unique<PkKey>();
  int rc = mbedtls_pk_setup(key->get(), mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc != 0) return mbedError("pk setup", rc);
  rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key->get()),
                           mbedtls_ctr_drbg_random, drbg.context());
  if (rc != 0) return mbedError("P-256 key generation", rc);
  return key;
}

Result<std::unique_ptr<PkKey>> PkKey::fromP256Point(ByteView point) {
  auto key = std::make_unique<PkKey>();
  int rc = mbedtls_pk_setup(key->get(), mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc != 0) return mbedError("pk setup", rc);
  mbedtls_ecp_keypair* ec = mbedtls_pk_ec(*key->get());
  rc = mbedtls_ecp_group_load(&ec->grp, MBEDTLS_ECP_DP_SECP256R1);
  if (rc != 0) return mbedError("loading P-256", rc);
  rc = mbedtls_ecp_point_read_binary(&ec->grp, &ec->Q, point.data(), point.size());
  if (rc == 0) rc = mbedtls_ecp_check_pubkey(&ec->grp, &ec->Q);
  if (rc != 0) return mbedError("reading the card's public key", rc);
  return key;
}

Result<std::unique_ptr<PkKey>> PkKey::fromPrivatePem(const std::string& pem) {
  auto key = std::make_unique<PkKey>();
  // mbedtls_pk_parse_key wants the terminating NUL counted in the length of a PEM text.
  const int rc = mbedtls_pk_parse_key(
      key->get(), reinterpret_cast<const unsigned char*>(pem.c_str()), pem.size() + 1, nullptr, 0);
  if (rc != 0) return mbedError("reading a PEM private key", rc);
  return key;
}

Result<SecretBytes> PkKey::privatePem() {
  SecretBytes buffer(4096);
  const int rc = mbedtls_pk_write_key_pem(&pk_, buffer.data(), buffer.size());
  if (rc != 0) return mbedError("writing a PEM key", rc);
  const size_t length = std::strlen(reinterpret_cast<const char*>(buffer.data()));
  return SecretBytes(ByteView(buffer.data(), length));
}

Result<Bytes> PkKey::publicPoint() {
  const mbedtls_ecp_keypair* ec = mbedtls_pk_ec(pk_);
  Bytes point(65);
  size_t length = 0;
  const int rc = mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                                &length, point.data(), point.size());
  if (rc != 0 || length != 65) return mbedError("writing a public point", rc);
  return point;
}

Result<Certificate> issueCertificate(const CertificateRequest& request, PkKey& subject,
                                     PkKey& issuer, Drbg& drbg) {
  mbedtls_x509write_cert writer;
  mbedtls_x509write_crt_init(&writer);
  mbedtls_mpi serial;
  mbedtls_mpi_init(&serial);
  auto done = [&](Result<Certificate> result) {
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&writer);
    return result;
  };
  mbedtls_x509write_crt_set_version(&writer, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&writer, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&writer, subject.get());
  mbedtls_x509write_crt_set_issuer_key(&writer, issuer.get());
  int rc = mbedtls_x509write_crt_set_subject_name(&writer, request.subjectName.c_str());
  if (rc == 0) rc = mbedtls_x509write_crt_set_issuer_name(&writer, request.issuerName.c_str());
  if (rc == 0) rc = mbedtls_mpi_lset(&serial, static_cast<mbedtls_mpi_sint>(request.serial));
  if (rc == 0) rc = mbedtls_x509write_crt_set_serial(&writer, &serial);
  if (rc == 0) {
    rc = mbedtls_x509write_crt_set_validity(&writer, request.notBefore.c_str(),
                                            request.notAfter.c_str());
  }
  // RFC 5280 4.2.1.9: a CA certificate must say so, or verifiers refuse the chains it signs.
  if (rc == 0) rc = mbedtls_x509write_crt_set_basic_constraints(&writer, request.isCa, -1);
  if (rc == 0) rc = mbedtls_x509write_crt_set_subject_key_identifier(&writer);
  if (rc == 0) rc = mbedtls_x509write_crt_set_authority_key_identifier(&writer);
  if (rc == 0) {
    const unsigned usage = request.isCa ? (MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN)
                                        : MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
    rc = mbedtls_x509write_crt_set_key_usage(&writer, usage);
  }
  if (rc != 0) return done(mbedError("certificate fields for " + request.subjectName, rc));

  std::vector<unsigned char> buffer(4096);
  const int length = mbedtls_x509write_crt_der(&writer, buffer.data(), buffer.size(),
                                               mbedtls_ctr_drbg_random, drbg.context());
  if (length < 0) return done(mbedError("signing the certificate " + request.subjectName, length));
  Certificate certificate;
  // x509write_crt_der writes at the END of the buffer.
  auto fixed = resignWithoutNullParameter(
      ByteView(buffer.data() + buffer.size() - length, static_cast<size_t>(length)), issuer, drbg);
  if (!fixed) return done(fixed.error());
  certificate.der = std::move(fixed.value());
  // PEM of the same DER (signing again would give a second, different ECDSA signature).
  size_t pemLength = 0;
  rc = mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                                certificate.der.data(), certificate.der.size(), buffer.data(),
                                buffer.size(), &pemLength);
  if (rc != 0) return done(mbedError("PEM of " + request.subjectName, rc));
  certificate.pem = reinterpret_cast<const char*>(buffer.data());
  return done(std::move(certificate));
}

}  // namespace hp::provision

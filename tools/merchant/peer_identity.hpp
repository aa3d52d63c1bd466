// Who is on the other end of a TLS session, as the shop and bank use it: the client
// certificate's public key fingerprint (what orders and accounts are bound to, so a renewed
// certificate for the same key keeps them) and, for an EC P-256 key, the point that verifies the
// card's purse records.
#pragma once

#include <mbedtls/x509_crt.h>

#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::merchant {

struct PeerIdentity {
  std::string keyFingerprint;    // upper-case hex SHA-256 of the SubjectPublicKeyInfo (DER)
  std::optional<Bytes> ecPoint;  // uncompressed P-256 point; absent for any other key
  std::string keyDescription;    // "EC P-256", "RSA 2048", ... for messages
  std::string subject;           // the certificate's subject DN, for logs
  bool resumed = false;          // the handshake resumed a session (no certificate was sent)
};

Result<PeerIdentity> describeCertificate(const mbedtls_x509_crt& certificate);
// The same description from a PEM certificate file (the bank's admin commands).
Result<PeerIdentity> describeCertificateFile(const std::string& pemPath);

}  // namespace hp::merchant

// tls::ClientKeySigner backed by the home card: the user's client-certificate key never leaves
// the card; each TLS full handshake costs one MSE SET + one PSO: COMPUTE DIGITAL SIGNATURE.
// The certificate comes from the card too (GET DATA DF 21 for EC, DF 22 for RSA), read once
// at open() and checked to certify the card's own public key.
#pragma once

#include <atomic>
#include <memory>

#include "host/card_adapters/home_card_client.hpp"
#include "host/tls_proxy/signer.hpp"

namespace hp::card_adapters {

class HomeCardSigner final : public tls_proxy::ClientKeySigner {
 public:
  // Reads the key's public half and certificate; an error when either is missing or they do
  // not match. Signing later needs the card in crypto state (PIN2).
  static Result<std::unique_ptr<HomeCardSigner>> open(HomeCardClient& card,
                                                      tls_proxy::KeyType type);

  tls_proxy::KeyType keyType() const override { return type_; }
  Bytes certificateDer() const override { return certificateDer_; }
  // hashAlg must match the hash length (SHA-1/224/256/384/512); the card picks the DigestInfo
  // for RSA from the length. The CardError's message (with its SW) becomes the hp::Error.
  Result<Bytes> signHash(mbedtls_md_type_t hashAlg, ByteView hash) override;

  // Command APDUs this signer has sent (open() included): 2 per signature.
  uint64_t apdusSent() const { return apdusSent_; }
  uint64_t signatures() const { return signatures_; }

 private:
  HomeCardSigner(HomeCardClient& card, tls_proxy::KeyType type, Bytes certificateDer)
      : card_(card), type_(type), certificateDer_(std::move(certificateDer)) {}

  HomeCardClient& card_;
  tls_proxy::KeyType type_;
  Bytes certificateDer_;
  std::atomic<uint64_t> apdusSent_{0};
  std::atomic<uint64_t> signatures_{0};
};

// True when the DER certificate's public key is `key` (EC point, or RSA modulus and exponent).
Result<void> certificateMatchesKey(ByteView certificateDer, const HomePublicKey& key);

}  // namespace hp::card_adapters

// What the shop and bank tests share: the tls_proxy test PKI (CA, "localhost" server
// certificate, EC and RSA users) plus a second EC user, the shop's and bank's signing keys and
// a catalogue; and a software stand-in for the card's purse key (the user's EC key) that signs
// purse records built with protocol/purse/purse_records.hpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/ec_key.hpp"
#include "base/rng.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tests/merchant/test_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace hp::merchant::test {

struct MerchantFiles {
  std::string dir;
  std::string otherEcKey, otherEcCert;  // a second EC user (someone else's orders, accounts)
  std::string shopSigningKey;           // shop-sign.key
  std::string bankSigningKey;           // bank-sign.key
  std::string catalogue;                // tea 350, cake 1200 (EUR)
};
const MerchantFiles& merchantFiles();

// A fresh temporary directory, removed when the object goes away (databases).
using TempDir = hp::test::TempDir;

// The public point of a PEM EC key (to check the servers' signatures).
Bytes publicPointOfKeyFile(const std::string& pemKey);

// The user's card as far as the shop and bank can tell: its EC key and a purse ID.
class SoftwarePurse {
 public:
  explicit SoftwarePurse(const std::string& pemKey, uint8_t purseIdByte = 0x11);
  std::array<uint8_t, protocol::purse::kPurseIdSize> purseId{};
  // A signed PurseRecord as the card's DEBIT or CREDIT answers it.
  Bytes sign(const protocol::purse::PurseRecord& record);
  protocol::purse::PurseRecord debit(const std::string& shopId, const std::string& orderRef,
                                     const std::string& currency, uint64_t amount,
                                     uint32_t txn = 1);
  protocol::purse::PurseRecord credit(const std::string& bankId, ByteView voucherId,
                                      uint32_t creditSeq, const std::string& currency,
                                      uint64_t amount, uint32_t txn = 1);
  // The card's CANCEL answer: a refund of the debit paidTxn.
  protocol::purse::PurseRecord refund(const std::string& shopId, const std::string& orderRef,
                                      uint32_t paidTxn, const std::string& currency,
                                      uint64_t amount, uint32_t txn);

 private:
  std::unique_ptr<base::Rng> rng_;
  std::unique_ptr<base::EcKeyPair> key_;
};

ClientOptions clientFor(uint16_t port, const std::string& cert, const std::string& key);
// The EC user of the test PKI, the one whose key SoftwarePurse uses.
ClientOptions ecUser(uint16_t port);
ClientOptions otherEcUser(uint16_t port);
ClientOptions rsaUser(uint16_t port);
std::unique_ptr<TestClient> connected(const ClientOptions& options);

std::string base64(ByteView bytes);
Bytes unbase64(const std::string& text);

}  // namespace hp::merchant::test

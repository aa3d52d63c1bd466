// Typed client of the home card (apdu_specs/homecard.json) over any pcsc::Transport: one method
// per card command, answers parsed, failures as CardError with the status word.
//
// Security states on the card: inhibited -> VERIFY PIN1 -> standby (registries, certificates)
// -> VERIFY PIN2 -> crypto (signatures, key generation); finish() goes back to standby.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "bytes.hpp"
#include "card_commands.hpp"
#include "card_error.hpp"
#include "pin_verification.hpp"

namespace hp::adapters {

// The home card's AID (card/homecard/home_card_applet.hpp; the tests check they agree).
inline constexpr uint8_t kHomeCardAid[] = {0xF0, 0x48, 0x4F, 0x4D, 0x45,
                                           0x43, 0x41, 0x52, 0x44, 0x01};

enum class HomeKeyRef : uint8_t { kEc = 0x01, kRsa = 0x02 };
enum class HomeRegistry : uint8_t { kTerminals = 0x01, kShops = 0x02, kBanks = 0x03 };
enum class HomeSecurityState : uint8_t { kInhibited = 0x00, kStandby = 0x01, kCrypto = 0x02 };

struct HomeCardStatus {
  uint8_t lifecycle = 0;  // 01 personalization, 02 operational
  HomeSecurityState security = HomeSecurityState::kInhibited;
  uint8_t pin1TriesLeft = 0;
  uint8_t pin2TriesLeft = 0;
  uint8_t pukTriesLeft = 0;
  bool hasEcKey = false;
  bool hasRsaKey = false;

  bool operational() const { return lifecycle == 0x02; }
};

struct HomePublicKey {
  HomeKeyRef ref = HomeKeyRef::kEc;
  Bytes point;     // EC: uncompressed P-256 point
  Bytes modulus;   // RSA: 256 bytes
  Bytes exponent;  // RSA
};

struct HomeRegistryEntry {
  Bytes id;
  Bytes point;  // uncompressed P-256
};

class HomeCardClient {
 public:
  explicit HomeCardClient(pcsc::Transport& transport) : commands_(transport, "home card") {}

  CardResult<void> select();
  // VERIFY PIN1 / PIN2 (ISO 7816-4 11.5.6). A wrong or blocked PIN is an outcome, not an error.
  CardResult<PinVerification> verifyPin1(std::string_view pin);
  CardResult<PinVerification> verifyPin2(std::string_view pin);
  // Back from crypto to standby (VERIFY P1 = FF for PIN2): no more signatures until PIN2.
  CardResult<void> finish();
  CardResult<HomeCardStatus> status();

  CardResult<HomePublicKey> readPublicKey(HomeKeyRef key);
  CardResult<HomePublicKey> generateKey(HomeKeyRef key);  // PIN2; drops the key's certificate
  // MSE SET (key reference) then PSO: COMPUTE DIGITAL SIGNATURE over a 20/28/32/48/64-byte hash.
  // EC: DER ECDSA-Sig-Value; RSA: PKCS#1 v1.5 over the DigestInfo the card builds.
  CardResult<Bytes> sign(HomeKeyRef key, ByteView hash);

  // The certificate of a key (DER); 6A88 when none is stored.
  CardResult<Bytes> getCertificate(HomeKeyRef key);
  // Stores the certificate (one DER SEQUENCE, at most 4096 bytes); empty deletes it. PIN1.
  CardResult<void> putCertificate(HomeKeyRef key, ByteView der);

  // The trust registries (PIN1): id 1..32 bytes, point an uncompressed P-256 key.
  CardResult<void> registryAdd(HomeRegistry registry, ByteView id, ByteView point);
  CardResult<void> registryRemove(HomeRegistry registry, ByteView id);
  CardResult<std::vector<HomeRegistryEntry>> registryList(HomeRegistry registry);
  // The point registered under `id`; a CardError with SW 6A88 when there is none.
  CardResult<Bytes> registryGet(HomeRegistry registry, ByteView id);

  CardCommands& commands() { return commands_; }

 private:
  CardResult<PinVerification> verify(uint8_t reference, std::string_view pin);

  CardCommands commands_;
};

}  // namespace hp::adapters

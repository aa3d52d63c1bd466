// The card-backed pieces of the home server, over host/card_adapters' HomeCardClient:
// HomeCard (PINs, state, the user's TLS key through HomeCardSigner) and TerminalDirectory (the
// card's terminal registry). Connection threads call these concurrently; every card sequence
// holds the client's command mutex, so APDUs of two requests never interleave.
#pragma once

#include <memory>
#include <mutex>

#include "host/card_adapters/home_card_client.hpp"
#include "host/card_adapters/home_card_signer.hpp"
#include "host/card_adapters/home_card_terminal_registry.hpp"
#include "host/home_server/card/home_card.hpp"
#include "host/home_server/terminals/terminal_directory.hpp"

namespace hp::home_server {

// A ClientKeySigner that opens adapters::HomeCardSigner on first use: reading the key and its
// certificate needs the card unlocked, which it is not when the daemon starts.
class LazyHomeCardSigner final : public tls_proxy::ClientKeySigner {
 public:
  LazyHomeCardSigner(card_adapters::HomeCardClient& card, tls_proxy::KeyType type)
      : card_(card), type_(type) {}
  tls_proxy::KeyType keyType() const override { return type_; }
  // Empty when the card cannot give it yet (the handshake then fails with a clear error).
  Bytes certificateDer() const override;
  Result<Bytes> signHash(mbedtls_md_type_t hashAlg, ByteView hash) override;

 private:
  Result<card_adapters::HomeCardSigner*> opened() const;
  card_adapters::HomeCardClient& card_;
  tls_proxy::KeyType type_;
  mutable std::mutex mutex_;
  mutable std::unique_ptr<card_adapters::HomeCardSigner> signer_;
};

// PINs go to the card only in the protected form (docs/design.md, "The card link"): the card
// must first prove it holds the card authentication key pinned at provisioning
// (`pinnedCardKey`, home_card_key in home_server.json); a card that cannot is refused with a
// message naming `reader`, and receives no PIN byte.
class CardHomeCard final : public HomeCard {
 public:
  CardHomeCard(card_adapters::HomeCardClient& card, tls_proxy::KeyType keyType, Bytes pinnedCardKey,
               std::string reader)
      : card_(card),
        signer_(card, keyType),
        pinnedCardKey_(std::move(pinnedCardKey)),
        reader_(std::move(reader)) {}
  Result<HomeCardStatus> status() override;
  Result<PinOutcome> verifyPin1(const std::string& pin) override;
  Result<PinOutcome> verifyPin2(const std::string& pin) override;
  Result<void> finish() override;
  tls_proxy::ClientKeySigner& signer() override { return signer_; }

  PurseResult<PurseStatus> purseStatus() override;
  PurseResult<Bytes> purseDebit(uint64_t timeMs, ByteView shopId, ByteView orderRef,
                                const std::string& currency, uint64_t amount) override;
  PurseResult<Bytes> purseCredit(uint64_t timeMs, ByteView signedVoucher) override;
  PurseResult<Bytes> purseCancel(uint64_t timeMs, ByteView signedCancellation) override;
  PurseResult<std::vector<protocol::purse::LogEntry>> purseReadLog(uint32_t fromTxn) override;

 private:
  Result<PinOutcome> verifyPin(bool pin1, const std::string& pin);

  card_adapters::HomeCardClient& card_;
  LazyHomeCardSigner signer_;
  Bytes pinnedCardKey_;  // uncompressed P-256 point
  std::string reader_;
};

class CardTerminalDirectory final : public TerminalDirectory {
 public:
  explicit CardTerminalDirectory(card_adapters::HomeCardClient& card)
      : card_(card), registry_(card) {}
  Result<Bytes> terminalKey(std::string_view terminalId) override;
  Result<void> registerTerminal(const std::string& id, const Bytes& publicKey) override;
  // On the card, revoking is removing: the entry disappears from list().
  Result<void> revokeTerminal(const std::string& id) override;
  Result<std::vector<TerminalEntry>> list() override;

 private:
  card_adapters::HomeCardClient& card_;
  card_adapters::HomeCardTerminalRegistry registry_;
};

}  // namespace hp::home_server

// The terminal's connection to its access card over PC/SC.
//
// The card's unlocked state is volatile and a SELECT drops it (apdu_specs/accesscard.json), yet
// `terminal unlock` and `terminal get` are separate processes. So the reader is found by the
// card's ATR ("ACCESSCARD" in the historical bytes), which costs no APDU, and the applet is
// SELECTed only when it is not the one already selected: an unlock then lasts from one command
// to the next until LOCK, a reset, a power-off or the card's 10 idle minutes.
#pragma once

#include <memory>
#include <string>

#include "base/result.hpp"
#include "host/card_adapters/access_card_client.hpp"
#include "host/pcsc_bridge/pcsc_context.hpp"

namespace hp::terminal {

class AccessCardLink {
 public:
  // readerName empty: the first reader whose card's ATR names the access card.
  static Result<std::unique_ptr<AccessCardLink>> open(const std::string& readerName);

  card_adapters::AccessCardClient& card() { return *client_; }
  const std::string& readerName() const { return readerName_; }
  // The card's status; an error for a card not yet activated by hp_provision.
  Result<card_adapters::AccessCardStatus> operationalStatus();
  // An error telling the user to run `terminal unlock` when the card is locked.
  Result<void> requireUnlocked();

 private:
  AccessCardLink() = default;
  std::unique_ptr<pcsc_bridge::PcscTransport> transport_;
  std::unique_ptr<card_adapters::AccessCardClient> client_;
  std::string readerName_;
};

// True when an ATR carries the access card's historical bytes.
bool isAccessCardAtr(ByteView atr);

}  // namespace hp::terminal

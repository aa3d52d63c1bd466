// The home card's link that survives the card leaving the reader: a card process killed and
// restarted (vpcd), a card pulled and put back, pcscd's reset. The daemon holds one
// HomeCardClient for its whole life; without this its PC/SC handle stays dead after the card
// comes back and every purse call fails until the daemon restarts.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "host/pcsc_bridge/transport.hpp"

namespace hp::home_server {

class ReconnectingTransport final : public pcsc_bridge::Transport {
 public:
  // `connect` opens a fresh link to the card (PC/SC: a new context and SCardConnect to the
  // configured reader); `select` is sent on every new link before anything else (the applet's
  // SELECT), and must answer 9000. `probe` (optional) is a command the selected applet answers
  // in every state with anything but 6985 (the home card's GET DATA status): sent only after a
  // 6985, it tells a card that restarted under an unchanged handle (nothing selected, so the
  // runtime answers 6985 to everything) from the applet's own 6985.
  using Connector = std::function<Result<std::unique_ptr<pcsc_bridge::Transport>>()>;
  ReconnectingTransport(Connector connect, Bytes select, Bytes probe = {});

  // The link counts as lost when the transport fails, the card answers fewer than two bytes (no
  // status word: the card died mid-command, or pcscd never saw it leave), the card has nothing
  // selected (probe) or a new link shows another ATR. A lost link is replaced at once: a fresh
  // link, SELECT, the "restarted" event and onCardReset; the card is then in its inhibited state
  // (PIN1 again). The failing command is sent again on the new link only if it cannot have
  // moved anything: the card had nothing selected (it refused it unseen), or it is a VERIFY, a
  // GET DATA, a READ LOG or an AUTHENTICATE CARD. Anything else (a DEBIT, a signature) may have
  // reached the card before it died (a DEBIT applied, its answer lost): it fails, saying so, and
  // only the caller can decide on a retry.
  Result<Bytes> transmitRaw(ByteView command) override;
  Result<void> reset() override;
  Result<Bytes> atr() override;
  std::string describe() const override;

  // How many times a new link was opened after the first (for the log and tests).
  unsigned reconnects() const;

  // For the daemon's log: called (under the link's lock, so keep it short) with `lost` true
  // when a link is dropped, false when a new one is opened after the first. Set before the
  // first card command from another thread; nullptr turns it off.
  using Events = std::function<void(bool lost, const std::string& text)>;
  void setEvents(Events events);

  // Called (under the link's lock: keep it short, no card calls) whenever the card's security
  // state was lost: a new link after the first, or reset(). The home server ends whatever it
  // derived from PIN1/PIN2 there (PIN2 authority, cached unlock state). nullptr turns it off.
  using ResetHook = std::function<void()>;
  void setOnCardReset(ResetHook hook);

 private:
  Result<pcsc_bridge::Transport*> linked();  // mutex_ held
  void drop(const std::string& why);         // mutex_ held
  // Why the link is to be taken as lost after `command` got `response`; nullopt: it is fine.
  // `unseen` is set when the card cannot have acted on the command.
  std::optional<std::string> lostLink(pcsc_bridge::Transport& link, ByteView command,
                                      const Result<Bytes>& response, bool& unseen);

  Connector connect_;
  Bytes select_;
  Bytes probe_;
  mutable std::mutex mutex_;
  std::unique_ptr<pcsc_bridge::Transport> link_;
  std::string lastDescription_ = "home card (not connected)";
  std::optional<Bytes> firstAtr_;
  unsigned opened_ = 0;
  Events events_;
  ResetHook onCardReset_;
};

}  // namespace hp::home_server

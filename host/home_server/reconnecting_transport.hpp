// The home card's link that survives the card leaving the reader: a card process killed and
// restarted (vpcd), a card pulled and put back, pcscd's reset. The daemon holds one
// HomeCardClient for its whole life; without this its PC/SC handle stays dead after the card
// comes back and every purse call fails until the daemon restarts.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "transport.hpp"

namespace hp::home {

class ReconnectingTransport final : public pcsc::Transport {
 public:
  // `connect` opens a fresh link to the card (PC/SC: SCardConnect to the configured reader);
  // `select` is sent on every new link before anything else (the applet's SELECT), and must
  // answer 9000.
  using Connector = std::function<Result<std::unique_ptr<pcsc::Transport>>()>;
  ReconnectingTransport(Connector connect, Bytes select);

  // Any failure of the link (not a status word: the card answered nothing) drops it, and the
  // next command opens a new one. The failing command is NOT resent: it may have reached the
  // card (a DEBIT applied, its answer lost), so only the caller can decide on a retry, and a
  // restarted card has lost its security state anyway (PIN1/PIN2 must be given again).
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

 private:
  Result<pcsc::Transport*> linked();  // mutex_ held
  void drop(const Error& error);      // mutex_ held

  Connector connect_;
  Bytes select_;
  mutable std::mutex mutex_;
  std::unique_ptr<pcsc::Transport> link_;
  std::string lastDescription_ = "home card (not connected)";
  unsigned opened_ = 0;
  Events events_;
};

}  // namespace hp::home

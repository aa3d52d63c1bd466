#include "host/home_server/card/reconnecting_transport.hpp"

#include <chrono>
#include <thread>

#include "protocol/card_link/link_timing.hpp"

namespace hp::home_server {

namespace {

// The relink window: a card process that finds pcscd missed its insertion stays away for a
// second and pcscd needs up to two ~444 ms polls to see it leave and come back
// (protocol/card_link/link_timing.hpp has the figures and their derivation).
constexpr std::chrono::milliseconds kRelinkPause{50};
constexpr int kRelinkTries =
    static_cast<int>(protocol::card_link::kRelinkWindow / kRelinkPause);  // 60

uint16_t statusWord(const Bytes& response) {
  return static_cast<uint16_t>(response[response.size() - 2] << 8 | response[response.size() - 1]);
}

// Commands that move nothing and that a restarted card answers by itself (VERIFY checks the
// PIN, reads answer 6982 before PIN1): safe to send again on a new link. CLA 00 VERIFY and GET
// DATA, CLA 80 READ LOG (docs/emoney.md) and AUTHENTICATE CARD: it only opens a new PIN
// session (fresh card nonce, nothing stored), and it is the first command of every PIN1 and
// PIN2 entry, so the first PIN after a card restart works (docs/design.md, "The card link").
bool safeToResend(ByteView command) {
  if (command.size() < 4) return false;
  const uint8_t cla = command[0] & 0xEC;  // without the chaining and secure-messaging bits
  const uint8_t ins = command[1];
  if (cla == 0x00) return ins == 0x20 || ins == 0xCA;
  return cla == 0x80 && (ins == 0x38 || ins == 0x50);
}

bool isSelect(ByteView command) {
  return command.size() >= 2 && command[1] == 0xA4;
}

}  // namespace

ReconnectingTransport::ReconnectingTransport(Connector connect, Bytes select, Bytes probe)
    : connect_(std::move(connect)), select_(std::move(select)), probe_(std::move(probe)) {}

Result<pcsc_bridge::Transport*> ReconnectingTransport::linked() {
  if (link_) return link_.get();
  auto fresh = connect_();
  if (!fresh) return makeError("home card not reachable: " + fresh.error().message);
  std::string atrNote;
  if (auto atr = (*fresh)->atr(); atr) {
    if (!firstAtr_) firstAtr_ = *atr;
    if (*firstAtr_ != *atr) {
      atrNote = " (its ATR changed: " + toHex(*firstAtr_) + " -> " + toHex(*atr) + ")";
      firstAtr_ = *atr;
    }
  }
  auto selected = (*fresh)->transmitRaw(select_);
  if (!selected) return makeError("home card not reachable: " + selected.error().message);
  if (selected->size() < 2 || statusWord(*selected) != 0x9000) {
    return makeError("home card: SELECT of the applet refused on " + (*fresh)->describe());
  }
  lastDescription_ = (*fresh)->describe();
  link_ = std::move(fresh.value());
  if (++opened_ > 1) {
    if (events_) {
      events_(false,
              "home card restarted: PIN1 needed again (home_server --admin SOCKET pin1, "
              "then terminal pin2); home card link opened again on " +
                  lastDescription_ + atrNote);
    }
    if (onCardReset_) onCardReset_();
  }
  return link_.get();
}

void ReconnectingTransport::drop(const std::string& why) {
  link_.reset();
  if (events_) events_(true, "home card link lost: " + why);
}

void ReconnectingTransport::setEvents(Events events) {
  std::lock_guard lock(mutex_);
  events_ = std::move(events);
}

void ReconnectingTransport::setOnCardReset(ResetHook hook) {
  std::lock_guard lock(mutex_);
  onCardReset_ = std::move(hook);
}

std::optional<std::string> ReconnectingTransport::lostLink(pcsc_bridge::Transport& link,
                                                           ByteView command,
                                                           const Result<Bytes>& response,
                                                           bool& unseen) {
  unseen = false;
  if (!response) return response.error().message;
  if (response->size() < 2) {
    // The card died mid-command, or pcscd never saw it leave and the new one was not powered.
    return "the card answered " + std::to_string(response->size()) + " byte(s), no status word";
  }
  if (statusWord(*response) != 0x6985 || probe_.empty() || isSelect(command)) return std::nullopt;
  // 6985 is what the card runtime answers to everything while nothing is selected (a card that
  // restarted while pcscd kept the old handle); the applet answers the probe in every state.
  auto probed = link.transmitRaw(probe_);
  if (!probed) return probed.error().message;
  if (probed->size() < 2) return std::string("the card answered the probe with no status word");
  if (statusWord(*probed) != 0x6985) return std::nullopt;
  unseen = true;
  return std::string("the card has nothing selected (it restarted under the same handle)");
}

Result<Bytes> ReconnectingTransport::transmitRaw(ByteView command) {
  std::lock_guard lock(mutex_);
  auto link = linked();
  if (!link) return link.error();
  auto response = (*link)->transmitRaw(command);
  bool unseen = false;
  const auto lost = lostLink(**link, command, response, unseen);
  if (!lost) return response;
  drop(*lost);
  // A new link at once: the user learns now that PIN1 is needed, and a VERIFY PIN1 that met
  // the dead link (SCARD_E_NOT_TRANSACTED, a reset) works on the first try. Right after a reset
  // pcscd may answer "no card" for a moment while it powers the card up again (measured with
  // vpcd: SCARD_W_RESET_CARD, then SCARD_E_NO_SMARTCARD), and a card whose insertion pcscd
  // missed leaves for a second to be seen again: a few tries over about three seconds.
  auto again = linked();
  for (int attempt = 0; !again && attempt < kRelinkTries; ++attempt) {
    std::this_thread::sleep_for(kRelinkPause);
    again = linked();
  }
  if (!again) return makeError("home card link lost (" + *lost + "); " + again.error().message);
  if (!unseen && !safeToResend(command)) {
    return makeError("home card link lost during the command (" + *lost +
                     "): it may or may not have been carried out; the card restarted: PIN1 "
                     "needed again");
  }
  auto retried = (*again)->transmitRaw(command);
  if (!retried) {
    drop(retried.error().message);
    return retried;
  }
  if (retried->size() < 2) {
    drop("the card answered " + std::to_string(retried->size()) + " byte(s), no status word");
    return makeError("home card link lost: the card answered no status word");
  }
  return retried;
}

Result<void> ReconnectingTransport::reset() {
  std::lock_guard lock(mutex_);
  auto link = linked();
  if (!link) return link.error();
  auto done = (*link)->reset();
  if (!done) {
    drop(done.error().message);
    return done;
  }
  if (onCardReset_) onCardReset_();
  // A reset card has no applet selected.
  auto selected = (*link)->transmitRaw(select_);
  if (!selected) {
    drop(selected.error().message);
    return selected.error();
  }
  return {};
}

Result<Bytes> ReconnectingTransport::atr() {
  std::lock_guard lock(mutex_);
  auto link = linked();
  if (!link) return link.error();
  auto atr = (*link)->atr();
  if (!atr) drop(atr.error().message);
  return atr;
}

std::string ReconnectingTransport::describe() const {
  std::lock_guard lock(mutex_);
  return link_ ? link_->describe() : lastDescription_;
}

unsigned ReconnectingTransport::reconnects() const {
  std::lock_guard lock(mutex_);
  return opened_ > 0 ? opened_ - 1 : 0;
}

}  // namespace hp::home_server

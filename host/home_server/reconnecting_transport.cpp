#include "reconnecting_transport.hpp"

namespace hp::home {

ReconnectingTransport::ReconnectingTransport(Connector connect, Bytes select)
    : connect_(std::move(connect)), select_(std::move(select)) {}

Result<pcsc::Transport*> ReconnectingTransport::linked() {
  if (link_) return link_.get();
  auto fresh = connect_();
  if (!fresh) return makeError("home card not reachable: " + fresh.error().message);
  auto selected = (*fresh)->transmitRaw(select_);
  if (!selected) return makeError("home card not reachable: " + selected.error().message);
  if (selected->size() < 2 || (*selected)[selected->size() - 2] != 0x90 ||
      (*selected)[selected->size() - 1] != 0x00) {
    return makeError("home card: SELECT of the applet refused on " + (*fresh)->describe());
  }
  lastDescription_ = (*fresh)->describe();
  link_ = std::move(fresh.value());
  if (++opened_ > 1 && events_) {
    events_(false, "home card link opened again on " + lastDescription_ +
                       "; a restarted card needs PIN1 (admin) and PIN2 (terminal) again");
  }
  return link_.get();
}

void ReconnectingTransport::drop(const Error& error) {
  link_.reset();
  if (events_) events_(true, "home card link lost: " + error.message);
}

void ReconnectingTransport::setEvents(Events events) {
  std::lock_guard lock(mutex_);
  events_ = std::move(events);
}

Result<Bytes> ReconnectingTransport::transmitRaw(ByteView command) {
  std::lock_guard lock(mutex_);
  auto link = linked();
  if (!link) return link.error();
  auto response = (*link)->transmitRaw(command);
  if (!response) drop(response.error());
  return response;
}

Result<void> ReconnectingTransport::reset() {
  std::lock_guard lock(mutex_);
  auto link = linked();
  if (!link) return link.error();
  auto done = (*link)->reset();
  if (!done) {
    drop(done.error());
    return done;
  }
  // A reset card has no applet selected.
  auto selected = (*link)->transmitRaw(select_);
  if (!selected) {
    drop(selected.error());
    return selected.error();
  }
  return {};
}

Result<Bytes> ReconnectingTransport::atr() {
  std::lock_guard lock(mutex_);
  auto link = linked();
  if (!link) return link.error();
  auto atr = (*link)->atr();
  if (!atr) drop(atr.error());
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

}  // namespace hp::home

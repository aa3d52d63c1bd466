#include "host/terminal/access_card_link.hpp"

#include <algorithm>
#include <string_view>

namespace hp::terminal {

bool isAccessCardAtr(ByteView atr) {
  constexpr std::string_view kMarker = "ACCESSCARD";
  return std::search(atr.begin(), atr.end(), kMarker.begin(), kMarker.end()) != atr.end();
}

Result<std::unique_ptr<AccessCardLink>> AccessCardLink::open(const std::string& readerName) {
  auto context = pcsc_bridge::PcscContext::establish();
  if (!context) return context.error();
  std::unique_ptr<AccessCardLink> link(new AccessCardLink());
  if (!readerName.empty()) {
    auto transport = context->connect(readerName);
    if (!transport) return transport.error();
    link->transport_ = std::move(transport.value());
    link->readerName_ = readerName;
  } else {
    auto readers = context->listReaders();
    if (!readers) return readers.error();
    std::string tried;
    for (const auto& name : *readers) {
      auto transport = context->connect(name);
      if (!transport) {
        tried += "\n  " + name + ": " + transport.error().message;
        continue;
      }
      auto atr = (*transport)->atr();
      if (atr && isAccessCardAtr(*atr)) {
        link->transport_ = std::move(transport.value());
        link->readerName_ = name;
        break;
      }
      tried += "\n  " + name + ": not an access card";
    }
    if (!link->transport_) return makeError("no access card found (use --reader):" + tried);
  }
  link->client_ = std::make_unique<card_adapters::AccessCardClient>(*link->transport_);
  // GET DATA status goes to the selected applet; when it fails nothing (or another applet) is
  // selected and a SELECT is needed (which locks, but then there was no unlock to keep).
  if (!link->client_->status()) {
    if (auto selected = link->client_->select(); !selected) {
      return makeError("access card in \"" + link->readerName_ + "\": " + selected.error().message);
    }
  }
  return link;
}

Result<card_adapters::AccessCardStatus> AccessCardLink::operationalStatus() {
  auto status = client_->status();
  if (!status) return card_adapters::toError(status.error());
  if (!status->operational()) {
    return makeError("the access card is not personalized yet (run hp_provision)");
  }
  return *status;
}

Result<void> AccessCardLink::requireUnlocked() {
  auto status = operationalStatus();
  if (!status) return status.error();
  if (!status->unlocked()) return makeError("the access card is locked: run `terminal unlock`");
  return {};
}

}  // namespace hp::terminal

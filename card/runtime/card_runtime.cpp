#include "card/runtime/card_runtime.hpp"

#include <algorithm>

namespace hp::card::runtime {

namespace {
constexpr uint8_t kInsSelect = 0xA4;
constexpr uint8_t kInsGetResponse = 0xC0;
constexpr uint8_t kSelectByDfName = 0x04;
constexpr size_t kMaxAidLength = 16;

Bytes tlv(uint8_t tag, ByteView value) {
  Bytes out{tag};
  if (value.size() < 0x80) {
    out.push_back(static_cast<uint8_t>(value.size()));
  } else if (value.size() <= 0xFF) {
    out.push_back(0x81);
    out.push_back(static_cast<uint8_t>(value.size()));
  } else {
    out.push_back(0x82);
    appendU16(out, static_cast<uint16_t>(value.size()));
  }
  append(out, value);
  return out;
}
}  // namespace

CardRuntime::CardRuntime(Bytes atr, std::vector<Applet*> applets, size_t maxChainedData)
    : atr_(std::move(atr)), applets_(std::move(applets)), maxChainedData_(maxChainedData) {}

void CardRuntime::dropVolatileState() {
  if (selected_ != nullptr) selected_->onDeselect();
  selected_ = nullptr;
  chainActive_ = false;
  secureWipe(chainData_);
  chainData_.clear();
  secureWipe(pending_);
  pending_.clear();
  for (Applet* a : applets_) a->onReset();
}

void CardRuntime::powerOn() {
  dropVolatileState();
  powered_ = true;
}

void CardRuntime::powerOff() {
  dropVolatileState();
  powered_ = false;
}

void CardRuntime::reset() {
  powerOn();
}

Bytes CardRuntime::transmit(ByteView rawCommand) {
  Response r = process(rawCommand);
  Bytes out = std::move(r.data);
  appendU16(out, r.sw);
  return out;
}

Response CardRuntime::process(ByteView rawCommand) {
  // ISO 7816-4 5.3.4: any command other than GET RESPONSE loses the undelivered rest of a
  // response, so a command refused before it reaches GET RESPONSE handling (bad length, class
  // or INS) drops it too; otherwise a later GET RESPONSE would return stale data.
  auto refuse = [this](protocol::apdu::StatusWord s) {
    secureWipe(pending_);
    pending_.clear();
    return Response::status(s);
  };
  auto parsed = protocol::apdu::parseCommandApdu(rawCommand);
  if (!parsed) return refuse(parsed.error());
  protocol::apdu::CommandApdu& cmd = parsed.value();

  // ISO 7816-4 5.4.1: CLA FF is invalid. We implement the first interindustry layout (and its
  // proprietary twin 8x/9x): b5 = chaining, b4-b3 = secure messaging, b2-b1 = logical channel.
  if (cmd.cla == 0xFF) return refuse(protocol::apdu::sw::kClaNotSupported);
  const uint8_t family = cmd.cla & 0xE0;
  if (family == 0x40 || family == 0x60)
    return refuse(protocol::apdu::sw::kLogicalChannelNotSupported);
  if (family != 0x00 && family != 0x80) return refuse(protocol::apdu::sw::kClaNotSupported);
  if ((cmd.cla & 0x03) != 0) return refuse(protocol::apdu::sw::kLogicalChannelNotSupported);
  if ((cmd.cla & 0x0C) != 0) return refuse(protocol::apdu::sw::kSecureMessagingNotSupported);
  // ISO 7816-4 5.1: INS values 6X and 9X are invalid (they collide with T=0 procedure bytes).
  if ((cmd.ins & 0xF0) == 0x60 || (cmd.ins & 0xF0) == 0x90) {
    return refuse(protocol::apdu::sw::kInsNotSupported);
  }

  // Response chaining: any command other than GET RESPONSE abandons the undelivered rest.
  if (cmd.ins == kInsGetResponse && family == 0x00) return getResponse(cmd);
  secureWipe(pending_);
  pending_.clear();

  // ISO 7816-4 5.3.3: in a chain, every command must carry the same header (bar the chaining
  // bit); a different one aborts the chain with 6883 "last command of the chain expected".
  const ChainHeader header{static_cast<uint8_t>(cmd.cla & ~0x10), cmd.ins, cmd.p1, cmd.p2};
  if (chainActive_ && !(header == chainHeader_)) {
    chainActive_ = false;
    secureWipe(chainData_);
    chainData_.clear();
    return Response::status(protocol::apdu::sw::kLastCommandOfChainExpected);
  }
  if (cmd.chained()) {
    if (chainData_.size() + cmd.data.size() > maxChainedData_) {
      chainActive_ = false;
      secureWipe(chainData_);
      chainData_.clear();
      return Response::status(protocol::apdu::sw::kNotEnoughMemory);
    }
    chainActive_ = true;
    chainHeader_ = header;
    append(chainData_, cmd.data);
    return Response::status(protocol::apdu::sw::kOk);
  }
  if (chainActive_) {
    if (chainData_.size() + cmd.data.size() > maxChainedData_) {
      chainActive_ = false;
      secureWipe(chainData_);
      chainData_.clear();
      return Response::status(protocol::apdu::sw::kNotEnoughMemory);
    }
    append(chainData_, cmd.data);
    secureWipe(cmd.data);
    cmd.data = std::move(chainData_);
    chainData_.clear();
    chainActive_ = false;
    if (cmd.apduCase == protocol::apdu::ApduCase::k1) cmd.apduCase = protocol::apdu::ApduCase::k3;
    if (cmd.apduCase == protocol::apdu::ApduCase::k2) cmd.apduCase = protocol::apdu::ApduCase::k4;
  }

  Response r = dispatch(cmd);
  secureWipe(cmd.data);
  return deliver(std::move(r), cmd);
}

Response CardRuntime::dispatch(protocol::apdu::CommandApdu& cmd) {
  if (cmd.ins == kInsSelect && (cmd.cla & 0x80) == 0) return select(cmd);
  // Nothing is selected after power-on: only SELECT can make progress.
  if (selected_ == nullptr) return Response::status(protocol::apdu::sw::kConditionsNotSatisfied);
  return selected_->process(cmd);
}

Response CardRuntime::select(const protocol::apdu::CommandApdu& cmd) {
  // ISO 7816-4 12.2.2: P1 = 04 selects by DF name (AID). We have no file system, so a file
  // identifier or path (P1 00..03, 08, 09) is simply not found.
  if (cmd.p1 != kSelectByDfName) {
    const bool fileSelection = cmd.p1 <= 0x03 || cmd.p1 == 0x08 || cmd.p1 == 0x09;
    return Response::status(fileSelection ? protocol::apdu::sw::kFileOrAppNotFound
                                          : protocol::apdu::sw::kIncorrectP1P2);
  }
  // P2: 00 = first or only occurrence, return FCI; 0C = same, no response data.
  if (cmd.p2 != 0x00 && cmd.p2 != 0x0C) return Response::status(protocol::apdu::sw::kIncorrectP1P2);
  if (cmd.data.empty()) return Response::status(protocol::apdu::sw::kFileOrAppNotFound);
  if (cmd.data.size() > kMaxAidLength) return Response::status(protocol::apdu::sw::kWrongData);

  // Exact match first, then a right-truncated DF name (the given bytes prefix the AID).
  Applet* found = nullptr;
  for (Applet* a : applets_) {
    if (std::ranges::equal(a->aid(), cmd.data)) {
      found = a;
      break;
    }
  }
  if (found == nullptr) {
    for (Applet* a : applets_) {
      const ByteView aid = a->aid();
      if (aid.size() >= cmd.data.size() &&
          std::equal(cmd.data.begin(), cmd.data.end(), aid.begin())) {
        found = a;
        break;
      }
    }
  }
  // A failed selection leaves the current selection unchanged (ISO 7816-4 12.2.2).
  if (found == nullptr) return Response::status(protocol::apdu::sw::kFileOrAppNotFound);

  if (selected_ != nullptr) selected_->onDeselect();
  selected_ = nullptr;
  const protocol::apdu::StatusWord s = found->onSelect();
  if (s != protocol::apdu::sw::kOk) return Response::status(s);
  selected_ = found;
  if (cmd.p2 == 0x0C) return Response::status(protocol::apdu::sw::kOk);

  Bytes fci = tlv(0x84, found->aid());
  const Bytes proprietary = found->fciProprietary();
  if (!proprietary.empty()) append(fci, tlv(0xA5, proprietary));
  return Response::read(tlv(0x6F, fci));
}

Response CardRuntime::getResponse(const protocol::apdu::CommandApdu& cmd) {
  // A chain in progress is abandoned by any other command, GET RESPONSE included.
  if (chainActive_) {
    chainActive_ = false;
    secureWipe(chainData_);
    chainData_.clear();
    return Response::status(protocol::apdu::sw::kLastCommandOfChainExpected);
  }
  if (cmd.p1 != 0 || cmd.p2 != 0) return Response::status(protocol::apdu::sw::kIncorrectP1P2);
  if (!cmd.data.empty()) return Response::status(protocol::apdu::sw::kWrongLength);
  if (pending_.empty()) return Response::status(protocol::apdu::sw::kConditionsNotSatisfied);
  Bytes rest = std::move(pending_);
  pending_.clear();
  Response r = Response::ok(std::move(rest));
  // Deliver with Le as given; case 1 (no Le) means "up to 256" for GET RESPONSE.
  protocol::apdu::CommandApdu asked = cmd;
  if (asked.ne == 0) asked.ne = 256;
  return deliver(std::move(r), asked);
}

Response CardRuntime::deliver(Response r, const protocol::apdu::CommandApdu& cmd) {
  if (r.data.empty()) return r;
  const size_t available = r.data.size();
  // Nothing asked for (cases 1 and 3): keep it all for GET RESPONSE and say how much there is.
  size_t limit = std::min<size_t>(cmd.ne, kMaxResponseChunk);
  if (cmd.ne == 0) {
    pending_ = std::move(r.data);
    return Response::status(protocol::apdu::sw::bytesRemaining(available));
  }
  if (available <= limit) return r;
  // ISO 7816-4 5.6: 6Cxx tells the exact length to ask again with; only for answers that are
  // safe to recompute and fit one short response.
  if (r.idempotent && !cmd.extended && cmd.ne < 256 && available <= 256) {
    secureWipe(r.data);
    return Response::status(protocol::apdu::sw::wrongLe(available));
  }
  Bytes head(r.data.begin(), r.data.begin() + static_cast<long>(limit));
  pending_.assign(r.data.begin() + static_cast<long>(limit), r.data.end());
  secureWipe(r.data);
  return Response{std::move(head), protocol::apdu::sw::bytesRemaining(pending_.size()), false};
}

}  // namespace hp::card::runtime

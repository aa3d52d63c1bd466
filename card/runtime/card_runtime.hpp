// The card "operating system": turns raw command APDUs into calls on the selected applet.
// It handles, per ISO/IEC 7816-4:2020: class byte checks (5.4.1), SELECT by DF name (12.2.2),
// command chaining (5.3.3), response chaining with 61xx + GET RESPONSE (5.3.4, 12.6.1), and
// 6Cxx for a wrong Le. Pure logic: no I/O, so it runs in tests, fuzzers and the vpcd process.
#pragma once

#include <vector>

#include "card/runtime/applet.hpp"

namespace hp::card::runtime {

class CardRuntime {
 public:
  static constexpr size_t kDefaultMaxChainedData = 8192;
  // Frames on the vpcd link are at most 0xFFFF bytes, SW included.
  static constexpr size_t kMaxResponseChunk = 0xFFFF - 2;

  CardRuntime(Bytes atr, std::vector<Applet*> applets,
              size_t maxChainedData = kDefaultMaxChainedData);

  const Bytes& atr() const { return atr_; }
  bool powered() const { return powered_; }

  // Reader control events. Each one drops the selection, chains and pending responses, and
  // tells every applet to forget its volatile security state.
  void powerOn();
  void powerOff();
  void reset();

  // Processes one command APDU and returns the response APDU (data followed by SW1 SW2).
  // Never throws for any input.
  Bytes transmit(ByteView rawCommand);

  // The same, with the response split into data and status word.
  Response process(ByteView rawCommand);

  Applet* selected() const { return selected_; }

 private:
  struct ChainHeader {
    uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
    bool operator==(const ChainHeader&) const = default;
  };

  Response dispatch(protocol::apdu::CommandApdu& cmd);
  Response select(const protocol::apdu::CommandApdu& cmd);
  Response getResponse(const protocol::apdu::CommandApdu& cmd);
  Response deliver(Response r, const protocol::apdu::CommandApdu& cmd);
  void dropVolatileState();

  Bytes atr_;
  std::vector<Applet*> applets_;
  size_t maxChainedData_;
  Applet* selected_ = nullptr;
  bool powered_ = true;

  bool chainActive_ = false;
  ChainHeader chainHeader_;
  Bytes chainData_;

  Bytes pending_;  // response bytes still to be fetched with GET RESPONSE
};

}  // namespace hp::card::runtime

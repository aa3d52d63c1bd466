// A Transport that talks straight to a CardRuntime in this process: the same host code runs
// against it in unit tests as against pcscd.
#pragma once

#include "card/runtime/card_runtime.hpp"
#include "host/pcsc_bridge/transport.hpp"

namespace hp::pcsc_bridge {

class InProcessTransport final : public Transport {
 public:
  InProcessTransport(card::runtime::CardRuntime& runtime, std::string name)
      : runtime_(runtime), name_(std::move(name)) {}

  Result<Bytes> transmitRaw(ByteView command) override {
    if (!runtime_.powered()) return makeError(name_ + ": card is powered off");
    return runtime_.transmit(command);
  }
  Result<void> reset() override {
    runtime_.reset();
    return {};
  }
  Result<Bytes> atr() override { return runtime_.atr(); }
  std::string describe() const override { return "in-process " + name_; }

 private:
  card::runtime::CardRuntime& runtime_;
  std::string name_;
};

}  // namespace hp::pcsc_bridge

// Recorded exchanges as a Transport, so protocol code runs the same on PC/SC, on a recording
// (regression tests without pcscd, bug reports) or on fuzzer input.
//  * RecordingTransport wraps another transport and keeps every command/response pair.
//  * ReplayTransport answers from such a list and fails clearly on the first command that
//    differs from the recording.
// Recordings hold all command data, PINs included: for tests and test cards only. They are
// wiped when the transports are destroyed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "host/pcsc_bridge/transport.hpp"

namespace hp::pcsc_bridge {

// One step of a recording. A reset is recorded as an Exchange with isReset set and no bytes.
struct Exchange {
  Bytes command;
  Bytes response;
  bool isReset = false;
  bool operator==(const Exchange&) const = default;
};

using Recording = std::vector<Exchange>;

void wipeRecording(Recording& recording);

// Text form, one step per line: "> 00A4040000" then "< 9000", or "reset". '#' starts a comment.
std::string formatRecording(const Recording& recording);
Result<Recording> parseRecording(std::string_view text);

class RecordingTransport final : public Transport {
 public:
  explicit RecordingTransport(Transport& inner) : inner_(inner) {}
  ~RecordingTransport() override { wipeRecording(recording_); }

  Result<Bytes> transmitRaw(ByteView command) override;
  Result<void> reset() override;
  Result<Bytes> atr() override;
  std::string describe() const override { return "recording of " + inner_.describe(); }

  const Recording& recording() const { return recording_; }
  // The ATR seen by the last atr() call, for a ReplayTransport made from this recording.
  const Bytes& lastAtr() const { return lastAtr_; }

 private:
  Transport& inner_;
  Recording recording_;
  Bytes lastAtr_;
};

class ReplayTransport final : public Transport {
 public:
  explicit ReplayTransport(Recording recording, Bytes atr = {}, std::string name = "replay")
      : recording_(std::move(recording)), atr_(std::move(atr)), name_(std::move(name)) {}
  ~ReplayTransport() override { wipeRecording(recording_); }

  Result<Bytes> transmitRaw(ByteView command) override;
  Result<void> reset() override;
  Result<Bytes> atr() override { return atr_; }
  std::string describe() const override { return name_; }

  // True when every recorded step has been played: a test asserts this at its end so a
  // protocol that sends fewer commands than recorded is noticed too.
  bool finished() const { return next_ == recording_.size(); }
  size_t position() const { return next_; }

 private:
  Result<const Exchange*> nextStep(std::string_view what);

  Recording recording_;
  Bytes atr_;
  std::string name_;
  size_t next_ = 0;
};

}  // namespace hp::pcsc_bridge

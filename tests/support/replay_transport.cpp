#include "tests/support/replay_transport.hpp"

namespace hp::pcsc_bridge {

void wipeRecording(Recording& recording) {
  for (Exchange& step : recording) {
    secureWipe(step.command);
    secureWipe(step.response);
  }
  recording.clear();
}

std::string formatRecording(const Recording& recording) {
  std::string text;
  for (const Exchange& step : recording) {
    if (step.isReset) {
      text += "reset\n";
    } else {
      text += "> " + toHex(step.command) + "\n< " + toHex(step.response) + "\n";
    }
  }
  return text;
}

Result<Recording> parseRecording(std::string_view text) {
  Recording recording;
  bool expectResponse = false;
  size_t lineNumber = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++lineNumber;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;
    const std::string where = "recording line " + std::to_string(lineNumber);
    if (line == "reset") {
      if (expectResponse) return makeError(where + ": reset where a response ('<') was expected");
      recording.push_back(Exchange{{}, {}, true});
      continue;
    }
    const char kind = line.front();
    if ((kind == '>' && expectResponse) || (kind == '<' && !expectResponse) ||
        (kind != '>' && kind != '<')) {
      return makeError(where + ": expected '" + (expectResponse ? "<" : "> or reset") + "'");
    }
    auto bytes = fromHex(line.substr(1));
    if (!bytes) return makeError(where + ": not hex");
    if (kind == '>') {
      recording.push_back(Exchange{std::move(*bytes), {}, false});
    } else {
      recording.back().response = std::move(*bytes);
    }
    expectResponse = !expectResponse;
  }
  if (expectResponse) return makeError("recording ends with a command and no response");
  return recording;
}

Result<Bytes> RecordingTransport::transmitRaw(ByteView command) {
  auto response = inner_.transmitRaw(command);
  // Failed exchanges are not recorded: a replay cannot reproduce a transport error anyway.
  if (response) recording_.push_back(Exchange{Bytes(command.begin(), command.end()), *response});
  return response;
}

Result<void> RecordingTransport::reset() {
  auto done = inner_.reset();
  if (done) recording_.push_back(Exchange{{}, {}, true});
  return done;
}

Result<Bytes> RecordingTransport::atr() {
  auto atr = inner_.atr();
  if (atr) lastAtr_ = *atr;
  return atr;
}

Result<const Exchange*> ReplayTransport::nextStep(std::string_view what) {
  if (next_ >= recording_.size()) {
    return makeError(name_ + ": " + std::string(what) + " after the end of the recording (" +
                     std::to_string(recording_.size()) + " steps)");
  }
  return &recording_[next_];
}

Result<Bytes> ReplayTransport::transmitRaw(ByteView command) {
  const std::string what = "command " + toSpacedHex(command);
  auto step = nextStep(what);
  if (!step) return step.error();
  const Exchange& expected = **step;
  if (expected.isReset) {
    return makeError(name_ + ": step " + std::to_string(next_ + 1) + ": got " + what +
                     ", recording has a reset");
  }
  if (!std::equal(command.begin(), command.end(), expected.command.begin(),
                  expected.command.end())) {
    return makeError(name_ + ": step " + std::to_string(next_ + 1) + ": got " + what +
                     ", recording has " + toSpacedHex(expected.command));
  }
  ++next_;
  return expected.response;
}

Result<void> ReplayTransport::reset() {
  auto step = nextStep("reset");
  if (!step) return step.error();
  if (!(*step)->isReset) {
    return makeError(name_ + ": step " + std::to_string(next_ + 1) +
                     ": got a reset, recording has command " + toSpacedHex((*step)->command));
  }
  ++next_;
  return {};
}

}  // namespace hp::pcsc_bridge

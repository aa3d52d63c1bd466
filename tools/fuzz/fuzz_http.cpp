// libFuzzer target: the project's one HTTP/1.1 parser (protocol/http), which the shop and bank
// servers, the home server's relay and the terminal all use.
//
// First byte even: requests (RequestParser). The rest is a byte stream from a client, parsed once
// fed whole and once fed in pieces of (first byte / 2) % 32 + 1 bytes, calling next() after every
// piece as the servers do. Both must cut out the same requests and end the same way (the same
// error status, or waiting for more): where TCP splits a stream must not matter. Bit 6 of the
// first byte refuses chunked requests (the merchant servers' setting) instead of decoding them.
//
// First byte odd: the rest is a shop's answer, given to parseResponse as the relay and the
// terminal do. It must answer, never crash, and an accepted answer is within its limits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/http/http_message.hpp"
#include "tools/fuzz/fuzz_check.hpp"

namespace {

namespace http = hp::protocol::http;

constexpr size_t kMaxBody = 1024;

struct Transcript {
  std::vector<std::string> requests;  // method, target and body of each request
  int endStatus = 0;                  // the error's status, or 0: waiting for more bytes
};

void drain(http::RequestParser& parser, Transcript& out) {
  while (out.endStatus == 0) {
    auto outcome = parser.next();
    if (outcome.error) {
      FUZZ_CHECK(outcome.error->status >= 400 && outcome.error->status <= 599);
      out.endStatus = outcome.error->status;
      return;
    }
    if (!outcome.request) return;
    const http::Request& r = *outcome.request;
    FUZZ_CHECK(!r.target.empty() && r.target.front() == '/');
    FUZZ_CHECK(r.body.size() <= kMaxBody);
    out.requests.push_back(r.method + " " + r.target + " " + r.version + "\n" + r.body);
  }
}

void parseRequests(const std::string& stream, size_t piece, bool chunked) {
  Transcript whole;
  {
    http::RequestParser parser(kMaxBody, chunked);
    parser.feed(stream);
    drain(parser, whole);
  }
  Transcript pieces;
  {
    http::RequestParser parser(kMaxBody, chunked);
    for (size_t at = 0; at < stream.size() && pieces.endStatus == 0; at += piece) {
      parser.feed(std::string_view(stream).substr(at, piece));
      drain(parser, pieces);
    }
  }
  FUZZ_CHECK(whole.requests == pieces.requests);
  FUZZ_CHECK(whole.endStatus == pieces.endStatus);
}

void parseAnswers(const std::string& raw) {
  if (auto answer = http::parseResponse(raw)) {
    FUZZ_CHECK(answer->status >= 100 && answer->status <= 599);
    FUZZ_CHECK(answer->body.size() <= raw.size());
  }
  http::Limits small;
  small.maxHeaderBytes = 256;
  small.maxBodyBytes = 64;
  if (auto answer = http::parseResponse(raw, small)) {
    FUZZ_CHECK(answer->body.size() <= small.maxBodyBytes);
    FUZZ_CHECK(raw.find("\r\n\r\n") <= small.maxHeaderBytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    parseRequests(rest, (data[0] / 2) % 32 + 1, (data[0] & 0x40) == 0);
  } else {
    parseAnswers(rest);
  }
  return 0;
}

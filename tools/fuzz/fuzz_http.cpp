// libFuzzer target: the three HTTP/1.1 parsers.
//
// First byte even: the shop and bank servers' request parser (tools/merchant/http_message.cpp).
// The rest is a byte stream from a client, parsed once fed whole and once fed in pieces of
// (first byte / 2) % 32 + 1 bytes, calling next() after every piece as the servers do. Both
// must cut out the same requests and end the same way (the same error status, or waiting for
// more): where TCP splits a stream must not matter.
//
// First byte odd: the rest is a shop's answer, given to the home server relay's response parser
// (host/home_server/sessions/relay.cpp, with its chunked decoder) and to the terminal's
// (host/terminal/http_message.cpp). They must answer, never crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

// Both the merchant core and the terminal have an http_message.hpp: name each by its path.
#include "../../host/terminal/http_message.hpp"
#include "../merchant/http_message.hpp"
#include "fuzz_check.hpp"
#include "host/home_server/sessions/relay.hpp"

namespace {

namespace merchant = hp::merchant;

struct Transcript {
  std::vector<std::string> requests;  // method, target and body of each request
  int endStatus = 0;                  // the error's status, or 0: waiting for more bytes
};

void drain(merchant::HttpRequestParser& parser, Transcript& out) {
  while (out.endStatus == 0) {
    auto outcome = parser.next();
    if (outcome.error) {
      FUZZ_CHECK(outcome.error->status >= 400 && outcome.error->status <= 599);
      out.endStatus = outcome.error->status;
      return;
    }
    if (!outcome.request) return;
    const merchant::HttpRequest& r = *outcome.request;
    FUZZ_CHECK(!r.target.empty() && r.target.front() == '/');
    out.requests.push_back(r.method + " " + r.target + " " + r.version + "\n" + r.body);
  }
}

void parseRequests(const std::string& stream, size_t piece) {
  constexpr size_t kMaxBody = 1024;
  Transcript whole;
  {
    merchant::HttpRequestParser parser(kMaxBody);
    parser.feed(stream);
    drain(parser, whole);
  }
  Transcript pieces;
  {
    merchant::HttpRequestParser parser(kMaxBody);
    for (size_t at = 0; at < stream.size() && pieces.endStatus == 0; at += piece) {
      parser.feed(std::string_view(stream).substr(at, piece));
      drain(parser, pieces);
    }
  }
  FUZZ_CHECK(whole.requests == pieces.requests);
  FUZZ_CHECK(whole.endStatus == pieces.endStatus);
}

void parseAnswers(const std::string& raw) {
  if (auto relayed = hp::home::parseHttpResponse(raw)) {
    FUZZ_CHECK(relayed->status >= 100 && relayed->status <= 999);
    FUZZ_CHECK(relayed->body.size() <= raw.size());
  }
  if (auto answer = hp::terminal::parseHttpAnswer(raw)) {
    FUZZ_CHECK(answer->status >= 100 && answer->status <= 999);
    FUZZ_CHECK(answer->body.size() <= raw.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    parseRequests(rest, (data[0] / 2) % 32 + 1);
  } else {
    parseAnswers(rest);
  }
  return 0;
}

#include "host/terminal/https_exchange.hpp"

namespace hp::terminal {

Result<HttpAnswer> exchangeOverTls(tls_proxy::ResumedConnection& connection,
                                   const std::string& request, size_t maxAnswerBytes) {
  if (auto written = connection.writeAll(bytesOf(request)); !written) {
    return makeError("sending to the shop: " + written.error().message);
  }
  std::string raw;
  while (raw.size() < maxAnswerBytes) {
    auto chunk = connection.readSome();
    if (!chunk) return makeError("reading from the shop: " + chunk.error().message);
    if (chunk->empty()) break;
    raw.append(chunk->begin(), chunk->end());
  }
  (void)connection.close();
  return parseHttpAnswer(raw);
}

}  // namespace hp::terminal

#include "tests/support/https_get.hpp"

namespace hp::tls_proxy {

Result<HttpResponse> httpsGet(TlsStream& stream, const std::string& host, const std::string& path,
                              size_t maxBytes) {
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  if (auto sent = stream.writeAll(bytesOf(request)); !sent) return sent.error();
  HttpResponse response;
  while (response.raw.size() < maxBytes) {
    auto chunk = stream.readSome();
    if (!chunk) return chunk.error();
    if (chunk->empty()) break;
    response.raw.append(chunk->begin(), chunk->end());
  }
  // "HTTP/1.x NNN ..." (RFC 9112, 4)
  if (response.raw.size() < 12 || response.raw.compare(0, 7, "HTTP/1.") != 0) {
    return makeError("HTTP: the response has no status line");
  }
  const std::string code = response.raw.substr(9, 3);
  if (code.find_first_not_of("0123456789") != std::string::npos) {
    return makeError("HTTP: malformed status code");
  }
  response.status = std::stoi(code);
  return response;
}

}  // namespace hp::tls_proxy

#include "host/home_server/sessions/relay.hpp"

#include <charconv>
#include <chrono>
#include <thread>

#include "resumed_connection.hpp"

namespace hp::home {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// RFC 9112, 7.1: chunk-size [; ext] CRLF data CRLF ... 0 CRLF [trailers] CRLF
Result<Bytes> decodeChunked(std::string_view body) {
  Bytes out;
  while (true) {
    const size_t lineEnd = body.find("\r\n");
    if (lineEnd == std::string_view::npos) return makeError("HTTP: truncated chunked body");
    std::string_view sizeText = body.substr(0, lineEnd);
    sizeText = sizeText.substr(0, sizeText.find(';'));
    size_t size = 0;
    const auto [end, error] =
        std::from_chars(sizeText.data(), sizeText.data() + sizeText.size(), size, 16);
    if (error != std::errc() || end != sizeText.data() + sizeText.size()) {
      return makeError("HTTP: bad chunk size");
    }
    body.remove_prefix(lineEnd + 2);
    if (size == 0) return out;
    // Compared without computing size + 2, which wraps for a chunk size near 2^64 (issue 9:
    // FFFFFFFFFFFFFFFF made it 1 and the copy ran far out of the body).
    if (body.size() < 2 || size > body.size() - 2) return makeError("HTTP: truncated chunk");
    if (body.substr(size, 2) != "\r\n") return makeError("HTTP: chunk data not followed by CRLF");
    out.insert(out.end(), body.begin(), body.begin() + static_cast<ptrdiff_t>(size));
    body.remove_prefix(size + 2);
  }
}

// `resumed` tells a refused resumption (nothing was sent) from a failure after it.
Result<std::string> exchange(const tls::SessionBlob& blob, const RelayRequest& request,
                             const RelayOptions& options, bool& resumed) {
  tls::ResumeOptions resume;
  resume.connectAddress = options.connectAddress;
  if (options.policy) {
    // The address the policy checked is the one connected to (no second resolution).
    auto address = options.policy->connectAddress(blob.host, blob.port, options.connectAddress);
    if (!address) return address.error();
    resume.connectAddress = *address;
  }
  resume.readTimeoutMs = options.readTimeoutMs;
  resume.now = options.now;
  auto connection = tls::ResumedConnection::open(blob, resume);
  if (!connection) return connection.error();
  resumed = true;
  std::string host = request.url.host;
  if (request.url.port != 443) host += ":" + std::to_string(request.url.port);
  std::string head = request.method + " " + request.url.path + " HTTP/1.1\r\nHost: " + host +
                     "\r\nConnection: close\r\n";
  if (request.method == "POST")
    head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  if (!request.contentType.empty()) head += "Content-Type: " + request.contentType + "\r\n";
  head += "\r\n";
  Bytes wire = bytesOf(head);
  append(wire, request.body);
  if (auto sent = (*connection)->writeAll(wire); !sent) return sent.error();
  std::string raw;
  while (true) {
    auto chunk = (*connection)->readSome();
    if (!chunk) {
      if (!raw.empty()) break;  // some shops end without close_notify after Connection: close
      return chunk.error();
    }
    if (chunk->empty()) break;
    raw.append(chunk->begin(), chunk->end());
    if (raw.size() > options.maxResponseBytes) {
      return makeError("the shop's response exceeds " + std::to_string(options.maxResponseBytes) +
                       " bytes");
    }
  }
  (void)(*connection)->close();
  return raw;
}

}  // namespace

Result<RelayResponse> parseHttpResponse(std::string_view raw) {
  const size_t headEnd = raw.find("\r\n\r\n");
  if (headEnd == std::string_view::npos) return makeError("HTTP: no end of headers");
  std::string_view head = raw.substr(0, headEnd);
  const std::string_view body = raw.substr(headEnd + 4);
  // "HTTP/1.x NNN reason" (RFC 9112, 4)
  if (head.size() < 12 || head.substr(0, 7) != "HTTP/1." || head[8] != ' ') {
    return makeError("HTTP: the response has no status line");
  }
  RelayResponse response;
  const std::string_view code = head.substr(9, 3);
  const auto [end, error] = std::from_chars(code.data(), code.data() + 3, response.status);
  if (error != std::errc() || end != code.data() + 3 || response.status < 100) {
    return makeError("HTTP: malformed status code");
  }
  size_t lineStart = head.find("\r\n");
  while (lineStart != std::string_view::npos) {
    lineStart += 2;
    const size_t lineEnd = head.find("\r\n", lineStart);
    const std::string_view line = head.substr(lineStart, lineEnd - lineStart);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return makeError("HTTP: malformed header");
    const std::string name = lower(line.substr(0, colon));
    const std::string value(trim(line.substr(colon + 1)));
    auto [it, inserted] = response.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
    lineStart = lineEnd;
  }
  const auto encoding = response.headers.find("transfer-encoding");
  if (encoding != response.headers.end() &&
      lower(encoding->second).find("chunked") != std::string::npos) {
    auto decoded = decodeChunked(body);
    if (!decoded) return decoded.error();
    response.body = std::move(decoded.value());
  } else {
    response.body.assign(body.begin(), body.end());
    const auto length = response.headers.find("content-length");
    if (length != response.headers.end()) {
      size_t expected = 0;
      const auto [lengthEnd, lengthError] = std::from_chars(
          length->second.data(), length->second.data() + length->second.size(), expected);
      if (lengthError != std::errc() || expected > response.body.size()) {
        return makeError("HTTP: body shorter than its Content-Length");
      }
      response.body.resize(expected);
    }
  }
  return response;
}

Result<RelayResponse> relayRequest(SessionManager& sessions, const RelayRequest& request,
                                   const RelayOptions& options) {
  bool waitedForFresh = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto opened = sessions.open(request.url);
    if (!opened) return opened.error();
    auto blob = tls::decodeSessionBlob(opened->encodedBlob.view());
    if (!blob) return blob.error();
    bool resumed = false;
    auto raw = exchange(blob.value(), request, options, resumed);
    if (raw) return parseHttpResponse(*raw);
    if (!opened->cached && !resumed && !waitedForFresh) {
      // A session made a moment ago: an mbedTLS server files it in its session cache only
      // after its Finished (tools/shop_server/README.md), so a resumption right away can miss
      // it. Nothing was sent; the same session once more after a pause.
      waitedForFresh = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      --attempt;
      continue;
    }
    // A refused resumption of a cached session: the shop forgot it. Once, fresh.
    if (!opened->cached || attempt == 1) return raw.error();
    sessions.drop(request.url.shopKey());
  }
  return makeError("relay: unreachable");
}

}  // namespace hp::home

#include "http_message.hpp"

#include <algorithm>
#include <cctype>

namespace hp::terminal {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const size_t last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// RFC 9112 7.1: chunk-size in hex, optional extensions, CRLF, data, CRLF; a 0 chunk ends it.
Result<std::string> decodeChunked(const std::string& encoded) {
  std::string body;
  size_t at = 0;
  while (true) {
    const size_t eol = encoded.find("\r\n", at);
    if (eol == std::string::npos) return makeError("chunked body cut short");
    const std::string sizeText = encoded.substr(at, encoded.find_first_of(";\r", at) - at);
    size_t size = 0;
    if (sizeText.empty() || sizeText.size() > 8) return makeError("bad chunk size");
    for (char c : sizeText) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return makeError("bad chunk size");
      size = size * 16 + static_cast<size_t>(std::isdigit(static_cast<unsigned char>(c))
                                                 ? c - '0'
                                                 : std::tolower(c) - 'a' + 10);
    }
    at = eol + 2;
    if (size == 0) return body;
    if (encoded.size() < at + size + 2) return makeError("chunked body cut short");
    body.append(encoded, at, size);
    at += size + 2;
  }
}

}  // namespace

std::string buildHttpRequest(const std::string& method, const HttpsUrl& url,
                             const std::string& body, const std::string& contentType) {
  std::string request = method + " " + url.path + " HTTP/1.1\r\n";
  request += "Host: " + url.hostHeader() + "\r\n";
  request += "User-Agent: homeproxy-terminal/1\r\n";
  request += "Accept: */*\r\n";
  request += "Connection: close\r\n";
  if (method == "POST") {
    request += "Content-Type: " + contentType + "\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n";
  if (method == "POST") request += body;
  return request;
}

Result<HttpAnswer> parseHttpAnswer(const std::string& raw) {
  const size_t headEnd = raw.find("\r\n\r\n");
  if (headEnd == std::string::npos) return makeError("the shop's answer has no complete header");
  const std::string head = raw.substr(0, headEnd);
  HttpAnswer answer;
  size_t lineEnd = head.find("\r\n");
  const std::string statusLine = head.substr(0, lineEnd);
  // "HTTP/1.x NNN reason"
  if (statusLine.rfind("HTTP/1.", 0) != 0 || statusLine.size() < 12 || statusLine[8] != ' ' ||
      !std::isdigit(static_cast<unsigned char>(statusLine[9])) ||
      !std::isdigit(static_cast<unsigned char>(statusLine[10])) ||
      !std::isdigit(static_cast<unsigned char>(statusLine[11]))) {
    return makeError("the shop's answer is not HTTP/1.x");
  }
  answer.status = std::stoi(statusLine.substr(9, 3));
  // RFC 9110 15: status codes are 100..599 in meaning; "020" is no answer (found by fuzz_http).
  if (answer.status < 100) return makeError("the shop's answer has no valid status code");
  if (statusLine.size() > 13) answer.reason = statusLine.substr(13);
  while (lineEnd != std::string::npos) {
    const size_t start = lineEnd + 2;
    lineEnd = head.find("\r\n", start);
    const std::string line =
        head.substr(start, lineEnd == std::string::npos ? std::string::npos : lineEnd - start);
    const size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) return makeError("bad header line from the shop");
    answer.headers.emplace_back(lower(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  std::string body = raw.substr(headEnd + 4);
  for (const auto& [name, value] : answer.headers) {
    if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos) {
      auto decoded = decodeChunked(body);
      if (!decoded) return decoded.error();
      answer.body = std::move(*decoded);
      return answer;
    }
  }
  for (const auto& [name, value] : answer.headers) {
    if (name != "content-length") continue;
    size_t length = 0;
    try {
      length = std::stoul(value);
    } catch (...) {
      return makeError("bad Content-Length from the shop");
    }
    if (body.size() < length) return makeError("the shop's answer was cut short");
    body.resize(length);
  }
  answer.body = std::move(body);
  return answer;
}

}  // namespace hp::terminal

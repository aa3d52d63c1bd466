#include "host/terminal/dav_gateway.hpp"

#include <arpa/inet.h>

#include <array>
#include <string_view>

namespace hp::terminal {

namespace {

// Hop-by-hop and framing headers (RFC 9110, 7.6.1), and what only identifies the client: not
// relayed. The home server applies its own whitelist to the rest.
constexpr std::array<std::string_view, 8> kLocalHeaders{
    "host",       "connection", "content-length", "transfer-encoding", "keep-alive",
    "user-agent", "te",         "expect"};

const char* reasonOf(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 207:
      return "Multi-Status";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

}  // namespace

protocol::rpc::PimRequest::Params pimParamsOf(const protocol::http::Request& request) {
  protocol::rpc::PimRequest::Params params;
  params.method = request.method;
  params.path = request.target;
  for (const auto& [name, value] : request.headers) {
    bool local = false;
    for (std::string_view skip : kLocalHeaders) local = local || name == skip;
    if (local || params.headers.size() >= protocol::rpc::PimRequest::kMaxHeaders) continue;
    params.headers[name] = value;
  }
  params.body.assign(request.body.begin(), request.body.end());
  return params;
}

std::string httpResponse(int status, const std::map<std::string, std::string>& headers,
                         const std::string& body, bool keepAlive, const std::string& reason) {
  std::string phrase;
  for (const unsigned char c : reason.substr(0, 200)) {
    if (c >= 0x20 && c != 0x7f) phrase += static_cast<char>(c);
  }
  if (phrase.empty()) phrase = reasonOf(status);
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + phrase + "\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  out += body;
  return out;
}

std::string httpError(int status, const std::string& message, bool keepAlive) {
  return httpResponse(status, {{"content-type", "text/plain; charset=utf-8"}},
                      "terminal dav: " + message + "\n", keepAlive, "terminal dav: " + message);
}

std::string reasonOfBody(int status, const std::map<std::string, std::string>& headers,
                         const std::string& body) {
  const auto type = headers.find("content-type");
  if (status < 400 || body.empty() || body.size() > 1024 || type == headers.end() ||
      type->second.rfind("text/plain", 0) != 0) {
    return {};
  }
  return body.substr(0, body.find('\n'));
}

int statusOfRpcError(const std::string& code) {
  if (code == "pim_forbidden" || code == "pim_not_enabled") return 403;
  if (code == "invalid_params") return 400;
  if (code == "too_large") return 413;
  return 502;  // pim_unavailable, a cut channel, anything else on the way
}

Result<std::pair<std::string, uint16_t>> parseLoopbackListen(const std::string& text) {
  const size_t colon = text.rfind(':');
  in_addr address{};
  if (colon == std::string::npos ||
      ::inet_pton(AF_INET, text.substr(0, colon).c_str(), &address) != 1) {
    return makeError("--listen \"" + text + "\" must be IPV4:PORT, e.g. 127.0.0.1:5232");
  }
  if ((ntohl(address.s_addr) >> 24) != 127) {
    return makeError("--listen " + text + ": only a loopback address (127.x.x.x) is served");
  }
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535) {
    return makeError("--listen \"" + text + "\": the port must be 0 to 65535");
  }
  return std::make_pair(text.substr(0, colon), static_cast<uint16_t>(std::stoul(port)));
}

}  // namespace hp::terminal

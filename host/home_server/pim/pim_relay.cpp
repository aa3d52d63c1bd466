#include "host/home_server/pim/pim_relay.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "host/rpc/channel_messages.hpp"

namespace hp::home_server {

namespace {

namespace wire = protocol::rpc;
using protocol::rpc::RpcError;

// What CalDAV/CardDAV clients (vdirsyncer, Thunderbird, DAVx5) send. MOVE and COPY are not
// relayed: their Destination is an absolute URL naming the terminal's address.
constexpr std::array<std::string_view, 10> kMethods{"OPTIONS",   "GET",       "HEAD",   "PUT",
                                                    "DELETE",    "PROPFIND",  "REPORT", "MKCOL",
                                                    "PROPPATCH", "MKCALENDAR"};
// accept-encoding and content-encoding pass so Radicale's gzip reaches the client as it would
// directly (the body is opaque bytes to us): the benchmark's byte count depends on it.
constexpr std::array<std::string_view, 9> kRequestHeaders{
    "content-type", "depth",  "if-match",  "if-none-match",  "prefer",
    "brief",        "accept", "overwrite", "accept-encoding"};
constexpr std::array<std::string_view, 8> kResponseHeaders{
    "content-type",     "etag", "dav", "allow", "last-modified", "preference-applied",
    "content-encoding", "vary"};

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The path as Radicale will see it once it decodes %XX; nullopt for a bad escape.
std::optional<std::string> percentDecoded(const std::string& path) {
  std::string decoded;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      decoded += path[i];
      continue;
    }
    if (i + 2 >= path.size() || hexValue(path[i + 1]) < 0 || hexValue(path[i + 2]) < 0) {
      return std::nullopt;
    }
    decoded += static_cast<char>(hexValue(path[i + 1]) * 16 + hexValue(path[i + 2]));
    i += 2;
  }
  return decoded;
}

RpcError error(const char* code, std::string message) {
  return protocol::rpc::makeRpcError(code, std::move(message));
}

static_assert(wire::kMaxPimAttachedPart <= rpc::kMaxAttachmentBytes);

// The first part of `body` goes out now (as the attachment when there is one, else base64 in
// `out`), the rest is held (moved out of `body`). Returns how many bytes were attached.
uint64_t firstPart(std::string& body, std::string& rest, Bytes& out, SecretBytes* attachment) {
  const size_t cut =
      std::min(body.size(), attachment ? wire::kMaxPimAttachedPart : wire::kMaxPimPart);
  rest = body.substr(cut);
  if (attachment && cut > 0) {
    *attachment = SecretBytes(ByteView(reinterpret_cast<const uint8_t*>(body.data()), cut));
    return cut;
  }
  out.assign(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(cut));
  return 0;
}

}  // namespace

namespace pim_policy {

std::string checkMethod(const std::string& method) {
  if (std::find(kMethods.begin(), kMethods.end(), method) != kMethods.end()) return {};
  return "method " + method + " is not relayed to the home store";
}

std::string checkPath(const std::string& user, const std::string& path) {
  if (path.empty() || path[0] != '/') return "the path must start with /";
  if (path.find_first_of("?#") != std::string::npos) return "the path has a query or fragment";
  auto decoded = percentDecoded(path);
  if (!decoded) return "the path has a bad %-escape";
  for (const unsigned char c : *decoded) {
    if (c < 0x20 || c == 0x7f || c == '\\') return "the path has a control character";
  }
  // Segments: no "." or ".." (Radicale would resolve them; we refuse before it could).
  size_t start = 1;
  std::vector<std::string> segments;
  while (start <= decoded->size()) {
    const size_t slash = decoded->find('/', start);
    const size_t end = slash == std::string::npos ? decoded->size() : slash;
    std::string segment = decoded->substr(start, end - start);
    if (segment == "." || segment == "..") return "the path has a . or .. segment";
    if (segment.empty() && end != decoded->size()) return "the path has an empty segment";
    if (!segment.empty()) segments.push_back(std::move(segment));
    start = end + 1;
  }
  if (segments.empty()) return {};  // "/": discovery of the current user's principal
  if (segments[0] == ".well-known" && segments.size() == 2 &&
      (segments[1] == "caldav" || segments[1] == "carddav")) {
    return {};
  }
  if (segments[0] != user) {
    return "/" + segments[0] + "/ is not this terminal's store (its user is " + user + ")";
  }
  return {};
}

Result<std::map<std::string, std::string>> forwardedHeaders(
    const std::map<std::string, std::string>& fromClient) {
  std::map<std::string, std::string> kept;
  for (const auto& [name, value] : fromClient) {
    if (std::find(kRequestHeaders.begin(), kRequestHeaders.end(), name) == kRequestHeaders.end()) {
      continue;  // Authorization, X-Remote-User, Host, Cookie, framing: never from the client
    }
    for (const unsigned char c : value) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return makeError("header " + name + " has a control character");
      }
    }
    kept[name] = value;
  }
  return kept;
}

bool returnedHeader(const std::string& lowerName) {
  return std::find(kResponseHeaders.begin(), kResponseHeaders.end(), lowerName) !=
         kResponseHeaders.end();
}

std::string buildRequest(const wire::PimRequest::Params& params,
                         const std::map<std::string, std::string>& headers, const std::string& user,
                         uint16_t port) {
  std::string request = params.method + " " + params.path + " HTTP/1.1\r\n";
  request += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  request += "X-Remote-User: " + user + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "Content-Length: " + std::to_string(params.body.size()) + "\r\n";
  request += "Connection: close\r\n\r\n";
  request.append(params.body.begin(), params.body.end());
  return request;
}

}  // namespace pim_policy

PimRelay::PimRelay(PimConfig config, ServerLog& log) : config_(std::move(config)), log_(log) {}

// NOLINTNEXTLINE(readability-function-size): the checks in order, then the one exchange
Result<wire::PimRequest::Result, RpcError> PimRelay::request(const std::string& terminalId,
                                                             const wire::PimRequest::Params& params,
                                                             SecretBytes* attachment,
                                                             uint64_t channel) {
  const auto user = config_.users.find(terminalId);
  if (!config_.enabled || user == config_.users.end()) {
    return error(pimcode::kNotEnabled, "no personal information store for terminal " + terminalId +
                                           " (home_server.json pim.users)");
  }
  if (auto why = pim_policy::checkMethod(params.method); !why.empty()) {
    return error(pimcode::kForbidden, why);
  }
  if (auto why = pim_policy::checkPath(user->second, params.path); !why.empty()) {
    return error(pimcode::kForbidden, why);
  }
  auto headers = pim_policy::forwardedHeaders(params.headers);
  if (!headers) return error(protocol::rpc::code::kInvalidParams, headers.error().message);
  const RadicaleTarget target{config_.radicalePort, config_.maxResponseBytes, config_.timeoutMs};
  auto answer = exchangeWithRadicale(
      target, pim_policy::buildRequest(params, *headers, user->second, config_.radicalePort));
  if (!answer) {
    log_.warn("pim: " + answer.error().message);
    return error(pimcode::kUnavailable, "the home store failed: " + answer.error().message);
  }
  wire::PimRequest::Result result;
  result.status = answer->status;
  for (const auto& [name, value] : answer->headers) {
    if (pim_policy::returnedHeader(name)) result.headers[name] = value;
  }
  if (params.method == "PUT" && answer->status == 400) {
    // Radicale's own text says only "invalid request"; the client's user sees why.
    answer->body = "the home store refused this item: it is not valid iCalendar or vCard data\n";
    result.headers["content-type"] = "text/plain; charset=utf-8";
    result.headers.erase("content-encoding");
  }
  std::string rest;
  result.attached = firstPart(answer->body, rest, result.body, attachment);
  result.rest = rest.size();
  std::lock_guard lock(mutex_);
  if (rest.empty()) {
    held_.erase({terminalId, channel});
  } else {
    result.stream = nextStream_++;
    hold(terminalId, channel, Held{result.stream, std::move(rest)});
  }
  return result;
}

// Under mutex_. Replaces the channel's held response; past kMaxHeldPerTerminal the terminal's
// oldest (lowest stream) goes (its pim.more then gets not_found, as after a replacement).
void PimRelay::hold(const std::string& terminalId, uint64_t channel, Held held) {
  held_.erase({terminalId, channel});
  size_t count = 0;
  auto oldest = held_.end();
  for (auto it = held_.lower_bound({terminalId, 0});
       it != held_.end() && it->first.first == terminalId; ++it) {
    ++count;
    if (oldest == held_.end() || it->second.stream < oldest->second.stream) oldest = it;
  }
  if (count >= kMaxHeldPerTerminal) held_.erase(oldest);
  held_[{terminalId, channel}] = std::move(held);
}

Result<wire::PimMore::Result, RpcError> PimRelay::more(const std::string& terminalId,
                                                       uint64_t stream, SecretBytes* attachment,
                                                       uint64_t channel) {
  std::lock_guard lock(mutex_);
  auto held = held_.find({terminalId, channel});
  if (held == held_.end() || held->second.stream != stream) {
    return error(protocol::rpc::code::kNotFound,
                 "that response is not held any more (a later pim.request on this channel "
                 "replaced it, or it was read to its end)");
  }
  wire::PimMore::Result result;
  std::string rest;
  result.attached = firstPart(held->second.rest, rest, result.body, attachment);
  result.rest = rest.size();
  if (rest.empty()) {
    held_.erase(held);
  } else {
    held->second.rest = std::move(rest);
  }
  return result;
}

}  // namespace hp::home_server

// The PIM wing's relay (docs/pim.md): one WebDAV request of a terminal to the home's Radicale,
// as the Radicale user the terminal's registration maps to (config pim.users), and nowhere
// else. The policy is here, pure and unit-tested: which methods, which paths (the user's own
// collections and the discovery paths), which request headers pass (a whitelist, so a
// client's Authorization or X-Remote-User never reaches Radicale: the home server sets
// X-Remote-User itself), and which response headers come back. A response longer than one
// message part is held for the caller's pim.more calls, per control channel (a terminal's
// `terminal dav` keeps several channels with requests in flight in parallel).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "host/home_server/core/server_log.hpp"
#include "host/home_server/pim/pim_config.hpp"
#include "host/home_server/pim/radicale_client.hpp"
#include "protocol/rpc/pim_methods.hpp"

namespace hp::home_server {

namespace pimcode {
inline constexpr const char* kNotEnabled = "pim_not_enabled";   // no store or no user for it
inline constexpr const char* kForbidden = "pim_forbidden";      // another user's path, a method
inline constexpr const char* kUnavailable = "pim_unavailable";  // Radicale down or failed
}  // namespace pimcode

// The checks, without a network (tests/home_server/pim_policy_test.cpp).
namespace pim_policy {
// Empty when allowed, else why not (for the error message).
std::string checkMethod(const std::string& method);
std::string checkPath(const std::string& user, const std::string& path);
// The request headers that reach Radicale: the whitelist, control characters refused.
Result<std::map<std::string, std::string>> forwardedHeaders(
    const std::map<std::string, std::string>& fromClient);
bool returnedHeader(const std::string& lowerName);
// The request as Radicale gets it.
std::string buildRequest(const protocol::rpc::PimRequest::Params& params,
                         const std::map<std::string, std::string>& headers, const std::string& user,
                         uint16_t port);
}  // namespace pim_policy

class PimRelay {
 public:
  PimRelay(PimConfig config, ServerLog& log);

  using RpcError = hp::protocol::rpc::RpcError;
  // At most this many responses held per terminal (one per channel); a further one drops the
  // terminal's oldest, so a terminal opening many channels cannot pile up memory.
  static constexpr size_t kMaxHeldPerTerminal = 8;
  // `attachment`: the transport's binary part (the control channel), where the body goes in
  // parts of kMaxPimAttachedPart without base64; null (the admin socket): base64 parts.
  // `channel`: which connection of the terminal (CallContext::channel); the rest of a long
  // response is held for that channel only.
  Result<protocol::rpc::PimRequest::Result, RpcError> request(
      const std::string& terminalId, const protocol::rpc::PimRequest::Params& params,
      SecretBytes* attachment = nullptr, uint64_t channel = 0);
  // `stream` from the pim.request result: a later request on the same channel replaced it
  // (not_found), so two clients never get each other's parts; another channel of the same
  // terminal neither reads nor replaces it.
  Result<protocol::rpc::PimMore::Result, RpcError> more(const std::string& terminalId,
                                                        uint64_t stream,
                                                        SecretBytes* attachment = nullptr,
                                                        uint64_t channel = 0);

 private:
  PimConfig config_;
  ServerLog& log_;
  std::mutex mutex_;
  struct Held {
    uint64_t stream = 0;
    std::string rest;
  };
  void hold(const std::string& terminalId, uint64_t channel, Held held);
  // (terminal ID, channel) -> the rest of the channel's last response
  std::map<std::pair<std::string, uint64_t>, Held> held_;
  uint64_t nextStream_ = 1;
};

}  // namespace hp::home_server

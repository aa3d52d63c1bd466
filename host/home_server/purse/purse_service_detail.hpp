// Helpers the purse service's two files share (purse_service.cpp: balance, history, pay,
// cancel; purse_topup.cpp: top-ups and their reconciliation). Internal to the purse wing.
#pragma once

#include <optional>
#include <string>

#include "host/home_server/purse/purse_errors.hpp"
#include "protocol/purse/purse_records.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::home_server::purse_detail {

inline protocol::rpc::RpcError upstream(const std::string& message) {
  return protocol::rpc::makeRpcError(protocol::rpc::code::kUpstreamError, message);
}

inline protocol::rpc::RpcError invalid(const std::string& message) {
  return protocol::rpc::makeRpcError(purse_code::kInvalid, message);
}

inline std::optional<protocol::purse::PurseRecord> decodeSignedRecord(ByteView signedRecord) {
  auto parts = protocol::purse::splitSigned(signedRecord);
  if (!parts) return std::nullopt;
  return protocol::purse::decodePurseRecord(parts->body);
}

}  // namespace hp::home_server::purse_detail

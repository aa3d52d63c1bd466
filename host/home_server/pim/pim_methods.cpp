#include "host/home_server/pim/pim_methods.hpp"

#include "host/home_server/sessions/rpc_methods.hpp"
#include "protocol/rpc/pim_methods.hpp"

namespace hp::home_server {

namespace wire = protocol::rpc;

Result<void> registerPimMethods(protocol::rpc::Dispatcher& dispatcher, PimRelay& relay,
                                ServerLog& log, AuthorityGuard& authority) {
  auto added = addMethod<wire::PimRequest>(
      dispatcher, log, authority,
      [&relay](const wire::PimRequest::Params& params, const protocol::rpc::CallContext& context)
          -> Result<wire::PimRequest::Result, protocol::rpc::RpcError> {
        return relay.request(context.terminalId, params, context.attachment, context.channel);
      });
  if (!added) return added;
  return addMethod<wire::PimMore>(
      dispatcher, log, authority,
      [&relay](const wire::PimMore::Params& params, const protocol::rpc::CallContext& context)
          -> Result<wire::PimMore::Result, protocol::rpc::RpcError> {
        return relay.more(context.terminalId, params.stream, context.attachment, context.channel);
      });
}

}  // namespace hp::home_server

// appliance.list, appliance.state, appliance.set on the typed contract (appliance_wing.hpp).
#include "protocol/rpc/appliance_methods.hpp"
#include "host/home_server/appliances/appliance_wing.hpp"
#include "host/home_server/sessions/rpc_methods.hpp"

namespace hp::home_server {

namespace {

namespace wire = protocol::rpc;
template <class M>
using Answer = Result<typename M::Result, protocol::rpc::RpcError>;

protocol::rpc::RpcError noWing() {
  return protocol::rpc::makeRpcError(protocol::rpc::code::kNotFound,
                                     "no appliances are configured on this server");
}

wire::ApplianceInfo infoOf(const ApplianceView& view, bool brokerUp) {
  return wire::ApplianceInfo{view.schema.id,          std::string(kindName(view.schema.kind)),
                             view.schema.displayName, brokerUp && view.state.online,
                             describeState(view),     describeOffers(view.schema),
                             view.schema.sensitive};
}

}  // namespace

Result<void> registerApplianceMethods(protocol::rpc::Dispatcher& dispatcher, ApplianceWing* wing,
                                      ServerLog& log, AuthorityGuard& authority) {
  Result<void> added = addMethod<wire::ApplianceList>(
      dispatcher, log, authority,
      [wing](const wire::NoParams&,
             const protocol::rpc::CallContext&) -> Answer<wire::ApplianceList> {
        if (wing == nullptr) return noWing();
        wire::ApplianceList::Result result;
        result.broker = wing->brokerUp();
        for (const ApplianceView& view : wing->service().list()) {
          result.appliances.push_back(infoOf(view, result.broker));
        }
        return result;
      });
  if (added) {
    added = addMethod<wire::ApplianceStateMethod>(
        dispatcher, log, authority,
        [wing](const wire::ApplianceNameParams& params,
               const protocol::rpc::CallContext&) -> Answer<wire::ApplianceStateMethod> {
          if (wing == nullptr) return noWing();
          auto view = wing->service().state(params.name);
          if (!view) return view.error();
          return infoOf(*view, wing->brokerUp());
        });
  }
  if (added) {
    added = addMethod<wire::ApplianceSet>(
        dispatcher, log, authority,
        [wing](const wire::ApplianceSet::Params& params,
               const protocol::rpc::CallContext& caller) -> Answer<wire::ApplianceSet> {
          if (wing == nullptr) return noWing();
          auto done = wing->service().set(caller.terminalId, params.name, params.value);
          if (!done) return done.error();
          return wire::ApplianceSet::Result{params.name, done->value, done->outcome, done->state};
        });
  }
  return added;
}

}  // namespace hp::home_server

// The appliance commands (docs/appliances.md, "Terminal"): the home server discovered the
// appliances and talks MQTT to them; the terminal only asks it, over the control channel, with
// an unlocked access card (and PIN2 given beforehand for a lock).
#include <cstdio>

#include "host/terminal/command_support.hpp"
#include "protocol/rpc/appliance_methods.hpp"
#include "protocol/rpc/method.hpp"

namespace hp::terminal {

namespace {

namespace wire = protocol::rpc;

Table applianceTable(const std::vector<wire::ApplianceInfo>& appliances, bool broker) {
  Table table;
  table.title = broker ? "appliances" : "appliances (home server not connected to the broker)";
  table.fields = {"name", "kind", "online", "state", "takes"};
  for (const wire::ApplianceInfo& info : appliances) {
    table.rows.push_back({info.name, info.kind, info.online ? "yes" : "no", info.state,
                          info.offers + (info.sensitive ? " (PIN2)" : "")});
  }
  return table;
}

}  // namespace

int runApplianceCommand(const CliOptions& options, AccessCardLink& link) {
  if (auto unlocked = link.requireUnlocked(); !unlocked) return fail(unlocked.error().message);
  InfoSink sink = infoSink(options);
  auto channel = HomeChannel::connect(link.card(), sink);
  if (!channel) return fail(channel.error().message);
  const OutputLayout layout = layoutOf(link.card());
  if (options.command == Command::kAppliances) {
    auto listed = wire::call<wire::ApplianceList>(**channel, wire::NoParams{});
    if (!listed) return fail("home server: " + describeRpcError(listed.error()));
    print(render(applianceTable(listed->appliances, listed->broker), layout));
    return 0;
  }
  if (options.applianceValue.empty()) {
    auto state = wire::call<wire::ApplianceStateMethod>(
        **channel, wire::ApplianceNameParams{options.appliance});
    if (!state) return fail("home server: " + describeRpcError(state.error()));
    print(render(applianceTable({*state}, true), layout));
    return 0;
  }
  auto set = wire::call<wire::ApplianceSet>(
      **channel, wire::ApplianceSet::Params{options.appliance, options.applianceValue});
  if (!set) return fail("home server: " + describeRpcError(set.error()));
  if (set->outcome == "confirmed") {
    print(set->name + ": " + set->value + " confirmed, now " + set->state + "\n");
    return 0;
  }
  if (set->outcome == "offline") {
    return fail(set->name + " is offline (or the home server cannot reach its broker): " +
                set->value + " not sent");
  }
  // Sent, but the device never said it did it: perhaps it did.
  return unsettled(set->name + ": " + set->value + " sent, not confirmed (state " + set->state +
                   "); `terminal appliance " + set->name + "` shows what it is now");
}

}  // namespace hp::terminal

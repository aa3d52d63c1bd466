// libFuzzer target: the appliance wing's view of the MQTT bus (host/home_server/appliances):
// Home Assistant discovery topics and configs, and state payloads, as a hostile device sends
// them. Input: a topic, a newline, a payload; byte 0 bit 0 picks the route. Even: parseDiscovery
// on its own; odd: the message goes through an ApplianceRegistry with a cap of 4 after a fixed
// light and climate were announced, as the MQTT thread feeds it.
// Asserts: nothing throws or crashes; an accepted schema's topics are concrete and bounded, its
// ranges ordered; the registry never holds more than its cap and every view it holds has a
// state of bounded size.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "host/home_server/appliances/appliance_commands.hpp"
#include "host/home_server/appliances/appliance_registry.hpp"
#include "host/home_server/appliances/discovery.hpp"
#include "tools/fuzz/fuzz_check.hpp"

namespace {

using namespace hp::home_server;

void checkSchema(const ApplianceSchema& schema) {
  for (const std::string* topic :
       {&schema.commandTopic, &schema.stateTopic, &schema.availabilityTopic,
        &schema.brightnessCommandTopic, &schema.brightnessStateTopic,
        &schema.temperatureCommandTopic, &schema.temperatureStateTopic, &schema.modeCommandTopic,
        &schema.modeStateTopic}) {
    FUZZ_CHECK(topic->empty() || validConcreteTopic(*topic));
  }
  FUZZ_CHECK(schema.minTemp <= schema.maxTemp);
  FUZZ_CHECK(schema.tempStep > 0);
  FUZZ_CHECK(schema.modes.size() <= kMaxModes);
  FUZZ_CHECK(schema.brightnessScale >= 1);
  // Every value a user could type is either planned or refused, never a crash.
  for (const char* value : {"on", "off", "40", "21.5", "heat", "lock", "unlock", "-1", "1e400"}) {
    (void)planCommand(schema, value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t newline = input.find('\n');
  const std::string_view topic = input.substr(0, newline);
  const std::string_view payload =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  if ((data[0] & 1) == 0) {
    auto schema = parseDiscovery(topic, payload);
    if (schema) checkSchema(*schema);
    return 0;
  }
  ApplianceRegistry registry(4, nullptr);
  registry.handle("homeassistant/light/lamp/config",
                  R"({"~":"hp/lamp","cmd_t":"~/set","stat_t":"~/state","schema":"json",)"
                  R"("brightness":true,"avty_t":"~/availability"})");
  registry.handle("homeassistant/climate/heat/config",
                  R"({"temp_cmd_t":"t/set","temp_stat_t":"t/state","mode_stat_t":"m/state"})");
  registry.handle(topic, payload);
  registry.handle("hp/lamp/state", payload);
  registry.handle("t/state", payload);
  registry.handle("m/state", payload);
  FUZZ_CHECK(registry.size() <= 4);
  for (const ApplianceView& view : registry.list()) {
    checkSchema(view.schema);
    FUZZ_CHECK(view.state.state.size() <= kMaxField);
    FUZZ_CHECK(view.state.mode.size() <= kMaxField);
    (void)describeState(view);
  }
  return 0;
}

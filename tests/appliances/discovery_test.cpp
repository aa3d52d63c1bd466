// Discovery parsing, the registry's bounds and the schema checks of appliance.set, without a
// broker (the live side is test_appliances.sh).
#include <doctest/doctest.h>

#include <string>

#include "host/home_server/appliances/appliance_commands.hpp"
#include "host/home_server/appliances/appliance_registry.hpp"
#include "host/home_server/appliances/discovery.hpp"

using namespace hp::home_server;

namespace {

const char kLight[] =
    R"({"name":"Lamp","~":"hp/lamp","cmd_t":"~/set","stat_t":"~/state","avty_t":"~/availability",)"
    R"("schema":"json","brightness":true})";
const char kClimate[] =
    R"({"temp_cmd_t":"t/set","temp_stat_t":"t/state","mode_cmd_t":"m/set","mode_stat_t":"m/state",)"
    R"("min_temp":5,"max_temp":30,"temp_step":0.5,"modes":["off","heat"]})";

}  // namespace

TEST_SUITE("appliances") {
  TEST_CASE("discovery topics: components, node IDs, and nothing else") {
    auto plain = parseDiscoveryTopic("homeassistant/switch/plug/config");
    REQUIRE(plain);
    CHECK(plain->id == "plug");
    CHECK(plain->kind == ApplianceKind::kSwitch);
    auto node = parseDiscoveryTopic("homeassistant/light/hall/lamp/config");
    REQUIRE(node);
    CHECK(node->id == "hall/lamp");
    for (const char* bad :
         {"homeassistant/switch/config", "homeassistant/fan/x/config", "homeassistant/switch/x/y",
          "homeassistant/switch/a+b/config", "homeassistant/switch/x/y/z/config",
          "other/switch/x/config", "homeassistant/switch//config"}) {
      CHECK_MESSAGE(!parseDiscoveryTopic(bad), bad);
    }
  }

  TEST_CASE("abbreviations and the ~ base expand as Home Assistant does") {
    auto schema = parseDiscovery("homeassistant/light/lamp/config", kLight);
    REQUIRE(schema);
    CHECK(schema->commandTopic == "hp/lamp/set");
    CHECK(schema->stateTopic == "hp/lamp/state");
    CHECK(schema->availabilityTopic == "hp/lamp/availability");
    CHECK(schema->jsonSchema);
    CHECK(schema->brightness);
    CHECK(schema->displayName == "Lamp");
    CHECK_FALSE(schema->sensitive);
  }

  TEST_CASE("locks are sensitive; others when announced so") {
    auto lock = parseDiscovery("homeassistant/lock/door/config", R"({"cmd_t":"d/set"})");
    REQUIRE(lock);
    CHECK(lock->sensitive);
    auto oven = parseDiscovery("homeassistant/switch/oven/config",
                               R"({"cmd_t":"o/set","hp_sensitive":true})");
    REQUIRE(oven);
    CHECK(oven->sensitive);
  }

  TEST_CASE("hostile or broken announcements are refused with a reason") {
    const std::string deep(100, '[');
    const std::string big = R"({"cmd_t":"a/b","name":")" + std::string(5000, 'x') + R"("})";
    for (const std::string& payload :
         {std::string("{"), std::string("[1]"), std::string("null"), deep, big,
          std::string(R"({"cmd_t":"hp/#"})"), std::string(R"({"cmd_t":"a/+/b"})"),
          std::string(R"({"cmd_t":5})"), std::string(R"({"stat_t":"a/b"})"),
          std::string(R"({"cmd_t":"a/b","cmd_t":"c/d"})"),
          std::string(R"({"cmd_t":"a/b","payload_on":")") + std::string(100, 'x') + "\"}",
          std::string(R"({"cmd_t":"a/b"} trailing)")}) {
      CHECK_MESSAGE(!parseDiscovery("homeassistant/switch/x/config", payload),
                    payload.substr(0, 40));
    }
    CHECK(!parseDiscovery("homeassistant/climate/x/config",
                          R"({"temp_cmd_t":"t","min_temp":30,"max_temp":5})"));
    CHECK(!parseDiscovery("homeassistant/climate/x/config", R"({"temp_cmd_t":"t","temp_step":0})"));
    CHECK(!parseDiscovery("homeassistant/climate/x/config", R"({"mode_cmd_t":"m","modes":[1,2]})"));
    CHECK(!parseDiscovery("homeassistant/light/x/config", R"({"cmd_t":"l","schema":"template"})"));
    CHECK(!parseDiscovery("homeassistant/sensor/x/config", R"({"name":"no state topic"})"));
  }

  TEST_CASE("the registry: states, availability, removal, and a cap") {
    int warnings = 0;
    ApplianceRegistry registry(2, [&warnings](const std::string&) { ++warnings; });
    auto topics = registry.handle("homeassistant/light/lamp/config", kLight);
    CHECK(topics.size() == 2);
    registry.handle("hp/lamp/state", R"({"state":"ON","brightness":102})");
    auto lamp = registry.find("lamp");
    REQUIRE(lamp);
    CHECK(lamp->state.state == "ON");
    CHECK(lamp->state.brightness == 102);
    CHECK(describeState(*lamp) == "ON 40%");
    registry.handle("hp/lamp/availability", "offline");
    CHECK_FALSE(registry.find("lamp")->state.online);
    registry.handle("homeassistant/climate/heat/config", kClimate);
    // The cap: a third appliance is refused, a re-announcement is not.
    registry.handle("homeassistant/switch/plug/config", R"({"cmd_t":"p/set"})");
    CHECK(registry.size() == 2);
    CHECK(registry.refused() == 1);
    registry.handle("homeassistant/light/lamp/config", kLight);
    CHECK(registry.size() == 2);
    // The same ID under another component is someone else's: refused.
    registry.handle("homeassistant/switch/lamp/config", R"({"cmd_t":"evil/set"})");
    CHECK(registry.find("lamp")->schema.commandTopic == "hp/lamp/set");
    // An empty retained config removes the appliance (Home Assistant's convention).
    registry.handle("homeassistant/light/lamp/config", "");
    CHECK_FALSE(registry.find("lamp"));
    CHECK(warnings == 2);
  }

  TEST_CASE("set values are checked against the schema") {
    auto climate = parseDiscovery("homeassistant/climate/heat/config", kClimate);
    REQUIRE(climate);
    auto ok = planCommand(*climate, "21.5");
    REQUIRE(ok);
    CHECK(ok->topic == "t/set");
    CHECK(ok->payload == "21.5");
    CHECK(planCommand(*climate, "30"));
    CHECK(planCommand(*climate, "5"));
    CHECK(planCommand(*climate, "30.5").error().code == appliance_code::kOutOfRange);
    CHECK(planCommand(*climate, "4.5").error().code == appliance_code::kOutOfRange);
    CHECK(planCommand(*climate, "21.3").error().code == appliance_code::kOutOfRange);
    CHECK(planCommand(*climate, "heat")->payload == "heat");
    CHECK(planCommand(*climate, "cool").error().code == appliance_code::kNotOffered);
    CHECK(planCommand(*climate, "1e1").error().code == appliance_code::kNotOffered);

    auto lamp = parseDiscovery("homeassistant/light/lamp/config", kLight);
    REQUIRE(lamp);
    auto dim = planCommand(*lamp, "40");
    REQUIRE(dim);
    CHECK(dim->payload == R"({"brightness":102,"state":"ON"})");
    CHECK(planCommand(*lamp, "101").error().code == appliance_code::kOutOfRange);
    CHECK(planCommand(*lamp, "-1").error().code == appliance_code::kOutOfRange);
    CHECK(planCommand(*lamp, "4.5").error().code == appliance_code::kOutOfRange);
    CHECK(planCommand(*lamp, "lock").error().code == appliance_code::kNotOffered);

    auto sensor = parseDiscovery("homeassistant/sensor/t/config", R"({"stat_t":"t/s"})");
    REQUIRE(sensor);
    CHECK(planCommand(*sensor, "on").error().code == appliance_code::kReadOnly);

    auto fan = parseDiscovery("homeassistant/switch/fan/config",
                              R"({"cmd_t":"f/set","pl_on":"1","pl_off":"0","stat_on":"running"})");
    REQUIRE(fan);
    auto on = planCommand(*fan, "on");
    REQUIRE(on);
    CHECK(on->payload == "1");
    ApplianceState state;
    state.state = "running";
    CHECK(on->confirmed(state));
    state.state = "1";
    CHECK_FALSE(on->confirmed(state));
  }
}

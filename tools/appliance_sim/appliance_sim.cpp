// appliance_sim: simulated home appliances for demos, tests and the benchmark
// (docs/appliances.md). One process is one device (--kind light|switch|lock|climate|sensor):
// libmosquitto over TLS with the certificate hp_provision issued for it (MQTTDIR/NAME.pem),
// announces itself with Home Assistant MQTT discovery (retained), keeps an availability topic
// with a last will ("offline"), and echoes every command it accepts on its state topic.
//   appliance_sim --kind KIND --name NAME --broker HOST:PORT --dir MQTTDIR [--id CLIENT]
//                 [--fleet N]    N switches NAME-0..NAME-N-1 from one connection (benchmark)
//                 [--flood N]    N hostile or broken announcements, then exit (fault tests)
// Exits on SIGTERM/SIGINT after publishing "offline"; kill -9 leaves that to its last will.
#include <mosquitto.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tools/appliance_sim/sim_devices.hpp"

namespace {

std::atomic<bool> gStop{false};
std::atomic<int> gAcked{0};  // PUBACKs: a flood waits for all of them before it leaves

void onSignal(int) {
  gStop = true;
}

struct Options {
  std::string kind = "switch", name, host = "127.0.0.1", dir, clientId;
  int port = 8883;
  int fleet = 0, flood = 0;
};

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--kind") {
      options.kind = value;
    } else if (key == "--name") {
      options.name = value;
    } else if (key == "--dir") {
      options.dir = value;
    } else if (key == "--id") {
      options.clientId = value;
    } else if (key == "--fleet") {
      options.fleet = std::atoi(value.c_str());
    } else if (key == "--flood") {
      options.flood = std::atoi(value.c_str());
    } else if (key == "--broker") {
      const size_t colon = value.rfind(':');
      if (colon == std::string::npos) return false;
      options.host = value.substr(0, colon);
      options.port = std::atoi(value.c_str() + colon + 1);
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && !options.name.empty() && !options.dir.empty();
}

struct Sim {
  struct mosquitto* client = nullptr;
  std::vector<sim::Device> devices;
  std::map<std::string, size_t> byCommandTopic;
};

void publish(Sim& sim, const std::string& topic, const std::string& payload, bool retain) {
  mosquitto_publish(sim.client, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                    payload.data(), 1, retain);
}

void announce(Sim& sim) {
  for (const sim::Device& device : sim.devices) {
    publish(sim, device.discoveryTopic(), device.discoveryConfig(), true);
    publish(sim, device.root() + "/availability", "online", true);
    for (const auto& [topic, payload] : device.states()) publish(sim, topic, payload, true);
    for (const std::string& topic : device.commandTopics()) {
      mosquitto_subscribe(sim.client, nullptr, topic.c_str(), 1);
    }
  }
}

void onConnect(struct mosquitto*, void* self, int rc) {
  if (rc == 0) announce(*static_cast<Sim*>(self));
}

void onPublish(struct mosquitto*, void*, int) {
  ++gAcked;
}

void onMessage(struct mosquitto*, void* self, const struct mosquitto_message* message) {
  auto& sim = *static_cast<Sim*>(self);
  auto found = sim.byCommandTopic.find(message->topic);
  if (found == sim.byCommandTopic.end()) return;
  sim::Device& device = sim.devices[found->second];
  const std::string payload(static_cast<const char*>(message->payload),
                            static_cast<size_t>(message->payloadlen));
  // The echo: what the device now is, on its state topic(s), retained like Tasmota's.
  for (const auto& [topic, state] : device.command(message->topic, payload)) {
    publish(sim, topic, state, true);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fputs(
        "usage: appliance_sim --kind KIND --name NAME --broker HOST:PORT --dir MQTTDIR\n"
        "         [--id CLIENT] [--fleet N] [--flood N]\n",
        stderr);
    return 2;
  }
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);
  mosquitto_lib_init();
  Sim sim;
  if (options.fleet > 0) {
    for (int i = 0; i < options.fleet; ++i) {
      sim.devices.emplace_back("switch", options.name + "-" + std::to_string(i));
    }
  } else if (options.flood == 0) {
    sim.devices.emplace_back(options.kind, options.name);
  }
  for (size_t i = 0; i < sim.devices.size(); ++i) {
    for (const std::string& topic : sim.devices[i].commandTopics()) sim.byCommandTopic[topic] = i;
  }
  const std::string id = options.clientId.empty() ? options.name : options.clientId;
  sim.client = mosquitto_new(id.c_str(), true, &sim);
  const std::string cert = options.dir + "/" + id + ".pem";
  const std::string key = options.dir + "/" + id + ".key";
  const std::string ca = options.dir + "/ca.pem";
  if (sim.client == nullptr || mosquitto_tls_set(sim.client, ca.c_str(), nullptr, cert.c_str(),
                                                 key.c_str(), nullptr) != MOSQ_ERR_SUCCESS) {
    std::fprintf(stderr, "appliance_sim: cannot set up TLS with %s\n", cert.c_str());
    return 1;
  }
  mosquitto_int_option(sim.client, MOSQ_OPT_TCP_NODELAY, 1);  // echo at once, no Nagle wait
  if (sim.devices.size() == 1) {
    const std::string will = sim.devices[0].root() + "/availability";
    mosquitto_will_set(sim.client, will.c_str(), 7, "offline", 1, true);
  }
  mosquitto_connect_callback_set(sim.client, onConnect);
  mosquitto_message_callback_set(sim.client, onMessage);
  mosquitto_publish_callback_set(sim.client, onPublish);
  if (mosquitto_connect(sim.client, options.host.c_str(), options.port, 5) != MOSQ_ERR_SUCCESS) {
    std::fprintf(stderr, "appliance_sim: cannot connect to %s:%d\n", options.host.c_str(),
                 options.port);
    return 1;
  }
  if (options.flood > 0) {
    mosquitto_loop_start(sim.client);
    for (int i = 0; i < options.flood && !gStop; ++i) {
      const auto [topic, payload] = sim::hostileAnnouncement(i);
      publish(sim, topic, payload, false);
    }
    for (int waited = 0; gAcked < options.flood && waited < 300 && !gStop; ++waited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    mosquitto_disconnect(sim.client);
    mosquitto_loop_stop(sim.client, false);
  } else {
    std::printf("appliance_sim: %zu device(s) up as %s\n", sim.devices.size(), id.c_str());
    std::fflush(stdout);
    // Our own loop, not mosquitto_loop_start: that thread gives up on some errors (a broker
    // killed mid-TLS), and a device must come back when its broker does.
    while (!gStop) {
      if (mosquitto_loop(sim.client, 50, 1) != MOSQ_ERR_SUCCESS && !gStop) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        mosquitto_reconnect(sim.client);
      }
    }
    for (const sim::Device& device : sim.devices) {
      publish(sim, device.root() + "/availability", "offline", true);
    }
    for (int i = 0; i < 4; ++i) mosquitto_loop(sim.client, 25, 1);
    mosquitto_disconnect(sim.client);
  }
  mosquitto_destroy(sim.client);
  mosquitto_lib_cleanup();
  return 0;
}

// The appliance benchmark's measuring end (run_appliance_bench.sh, docs/benchmarks.md):
//   bench_appliance rpc READER NAME N     one access-card channel to the home server (its set-up
//                                         timed apart), then N appliance.set on/off alternating,
//                                         each timed from the call to the confirmed answer
//   bench_appliance bare HOST PORT DIR NAME N
//                                         the same N on/off without the home server: a libmosquitto
//                                         client (the home server's certificate, its own client
//                                         ID) publishes hp/NAME/set and waits for hp/NAME/state
//   bench_appliance list READER COUNT     appliance.list until it holds COUNT appliances; prints
//                                         when (Unix µs) and how long the last list took
#include <mosquitto.h>
#include <time.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "host/terminal/access_card_link.hpp"
#include "host/terminal/home_channel.hpp"
#include "protocol/rpc/appliance_methods.hpp"
#include "protocol/rpc/method.hpp"
#include "tools/bench/bench_stats.hpp"

namespace {

namespace wire = hp::protocol::rpc;
using Clock = std::chrono::steady_clock;

double usSince(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

void report(const char* what, const std::vector<double>& us) {
  const auto stats = hp::bench::summarize(us);
  std::printf("%s n=%zu median_us=%.0f p99_us=%.0f mean_us=%.0f max_us=%.0f\n", what, us.size(),
              stats.medianUs, stats.p99Us, stats.meanUs, stats.maxUs);
}

struct Channel {
  std::unique_ptr<hp::terminal::AccessCardLink> link;
  std::unique_ptr<hp::terminal::HomeChannel> channel;
};

Channel open(const std::string& reader) {
  auto link = hp::terminal::AccessCardLink::open(reader);
  if (!link) {
    std::fprintf(stderr, "bench_appliance: %s\n", link.error().message.c_str());
    std::exit(1);
  }
  auto channel = hp::terminal::HomeChannel::connect((*link)->card(), nullptr);
  if (!channel) {
    std::fprintf(stderr, "bench_appliance: %s\n", channel.error().message.c_str());
    std::exit(1);
  }
  return Channel{std::move(*link), std::move(*channel)};
}

int rpc(const std::string& reader, const std::string& name, int n) {
  const auto start = Clock::now();
  Channel channel = open(reader);
  std::printf("channel_setup_us=%.0f\n", usSince(start));
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    auto set = wire::call<wire::ApplianceSet>(
        *channel.channel, wire::ApplianceSet::Params{name, i % 2 ? "off" : "on"});
    const double took = usSince(t0);
    if (!set || set->outcome != "confirmed") {
      std::fprintf(stderr, "bench_appliance: set %d not confirmed\n", i);
      return 1;
    }
    us.push_back(took);
  }
  report("rpc_set_confirmed", us);
  return 0;
}

struct Bare {
  std::mutex mutex;
  std::condition_variable changed;
  std::string state;
  int messages = 0;
};

int bare(const std::string& host, int port, const std::string& dir, const std::string& name,
         int n) {
  mosquitto_lib_init();
  Bare bare;
  struct mosquitto* client = mosquitto_new("bench-bare", true, &bare);
  const std::string ca = dir + "/ca.pem", cert = dir + "/home-server.pem",
                    key = dir + "/home-server.key";
  mosquitto_int_option(client, MOSQ_OPT_TCP_NODELAY, 1);  // as the home server's link does
  mosquitto_tls_set(client, ca.c_str(), nullptr, cert.c_str(), key.c_str(), nullptr);
  mosquitto_message_callback_set(
      client, [](struct mosquitto*, void* self, const struct mosquitto_message* message) {
        auto* b = static_cast<Bare*>(self);
        std::lock_guard lock(b->mutex);
        b->state.assign(static_cast<const char*>(message->payload),
                        static_cast<size_t>(message->payloadlen));
        ++b->messages;
        b->changed.notify_all();
      });
  if (mosquitto_connect(client, host.c_str(), port, 30) != MOSQ_ERR_SUCCESS) {
    std::fprintf(stderr, "bench_appliance: cannot connect to the broker\n");
    return 1;
  }
  mosquitto_loop_start(client);
  const std::string state = "hp/" + name + "/state", set = "hp/" + name + "/set";
  mosquitto_subscribe(client, nullptr, state.c_str(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // SUBACK and the retained state
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    const std::string want = i % 2 ? "OFF" : "ON";
    std::unique_lock lock(bare.mutex);
    const int seen = bare.messages;
    const auto t0 = Clock::now();
    mosquitto_publish(client, nullptr, set.c_str(), static_cast<int>(want.size()), want.data(), 1,
                      false);
    if (!bare.changed.wait_for(lock, std::chrono::seconds(3),
                               [&] { return bare.messages > seen && bare.state == want; })) {
      std::fprintf(stderr, "bench_appliance: no echo for %s\n", want.c_str());
      return 1;
    }
    us.push_back(usSince(t0));
  }
  report("bare_mqtt_echo", us);
  mosquitto_disconnect(client);
  mosquitto_loop_stop(client, false);
  mosquitto_destroy(client);
  return 0;
}

int list(const std::string& reader, size_t count) {
  Channel channel = open(reader);
  for (int tries = 0; tries < 1000; ++tries) {
    const auto t0 = Clock::now();
    auto listed = wire::call<wire::ApplianceList>(*channel.channel, wire::NoParams{});
    const double took = usSince(t0);
    if (listed && listed->appliances.size() >= count) {
      timespec now{};
      clock_gettime(CLOCK_REALTIME, &now);
      std::printf("listed=%zu at_unix_us=%lld list_call_us=%.0f\n", listed->appliances.size(),
                  static_cast<long long>(now.tv_sec) * 1000000 + now.tv_nsec / 1000, took);
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::fprintf(stderr, "bench_appliance: never %zu appliances\n", count);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "rpc" && argc == 5) return rpc(argv[2], argv[3], std::atoi(argv[4]));
  if (mode == "bare" && argc == 7) {
    return bare(argv[2], std::atoi(argv[3]), argv[4], argv[5], std::atoi(argv[6]));
  }
  if (mode == "list" && argc == 4) return list(argv[2], std::strtoul(argv[3], nullptr, 10));
  std::fputs(
      "usage: bench_appliance rpc READER NAME N | bare HOST PORT DIR NAME N |"
      " list READER COUNT\n",
      stderr);
  return 2;
}

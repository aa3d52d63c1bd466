#include "card/runtime/card_process.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string_view>
#include <thread>

#include "card/runtime/card_runtime.hpp"
#include "card/runtime/file_storage.hpp"
#include "card/runtime/vpcd_link.hpp"
#include "protocol/card_link/link_timing.hpp"

namespace hp::card::runtime {

namespace {

std::atomic<bool> gStop{false};

void onSignal(int /*signal*/) {
  gStop.store(true);
}

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string state;
  std::string key;  // empty: FileStorage::defaultKeyPath(state)
  bool quiet = false;
  bool trace = false;
};

void usage(const CardProcessConfig& c) {
  std::printf(
      "usage: %s [--port N] [--host ADDR] [--state FILE] [--key FILE] [--trace] [--quiet]\n"
      "  Emulated %s: connects to vsmartcard's vpcd reader driver inside pcscd.\n"
      "  --port N      vpcd port (default %u; vpcd slot n listens on 35963+n)\n"
      "  --host ADDR   vpcd address (default 127.0.0.1)\n"
      "  --state FILE  persistent card memory (default %s); created if missing,\n"
      "                refused (exit 2) if damaged, edited or not sealed with --key\n"
      "  --key FILE    the state's key file, mode 0600 (default: the state path + .key);\n"
      "                created with the state, needed to read it: back them up together\n"
      "  --trace       log each APDU header and status word (never the data)\n"
      "  --quiet       log only errors\n",
      c.name.c_str(), c.name.c_str(), c.defaultPort, c.defaultState.c_str());
}

bool parse(int argc, char** argv, const CardProcessConfig& c, Options& o, int& exitCode) {
  o.port = c.defaultPort;
  o.state = c.defaultState;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](const char* what) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s: %s needs a value\n", c.name.c_str(), what);
        return nullptr;
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      usage(c);
      exitCode = 0;
      return false;
    }
    if (a == "--port") {
      const char* v = value("--port");
      if (v == nullptr) break;
      char* end = nullptr;
      const long p = std::strtol(v, &end, 10);
      if (*end != '\0' || p <= 0 || p > 65535) {
        std::fprintf(stderr, "%s: bad port '%s'\n", c.name.c_str(), v);
        exitCode = 64;
        return false;
      }
      o.port = static_cast<uint16_t>(p);
    } else if (a == "--host") {
      const char* v = value("--host");
      if (v == nullptr) break;
      o.host = v;
    } else if (a == "--state") {
      const char* v = value("--state");
      if (v == nullptr) break;
      o.state = v;
    } else if (a == "--key") {
      const char* v = value("--key");
      if (v == nullptr) break;
      o.key = v;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (a == "--trace") {
      o.trace = true;
    } else {
      std::fprintf(stderr, "%s: unknown option '%s' (try --help)\n", c.name.c_str(), argv[i]);
      exitCode = 64;
      return false;
    }
  }
  if (o.state.empty()) {
    exitCode = 64;
    return false;
  }
  return true;
}

// More than two of pcscd's presence polls away, so one of them finds the reader empty
// (vpcd_link.hpp, requirePowerOn; the figures: protocol/card_link/link_timing.hpp).
void stayAwayAfterMissedInsertion() {
  constexpr auto kStep = std::chrono::milliseconds(100);
  for (auto away = std::chrono::milliseconds(0);
       away < protocol::card_link::kMissedInsertionAbsence && !gStop.load(); away += kStep) {
    std::this_thread::sleep_for(kStep);
  }
}

}  // namespace

int runCardProcess(int argc, char** argv, const CardProcessConfig& config,
                   const AppletFactory& makeApplet) {
  Options opt;
  int exitCode = 64;
  if (!parse(argc, argv, config, opt, exitCode)) return exitCode;
  // Line-buffered logs so a supervising script sees them as they happen.
  std::setvbuf(stderr, nullptr, _IOLBF, 0);
  const char* name = config.name.c_str();
  auto log = [&](const std::string& m) {
    if (!opt.quiet) std::fprintf(stderr, "%s: %s\n", name, m.c_str());
  };

  auto rng = makeSystemRng();
  if (!rng) {
    std::fprintf(stderr, "%s: %s\n", name, rng.error().message.c_str());
    return 2;
  }
  const std::string keyPath = opt.key.empty() ? FileStorage::defaultKeyPath(opt.state) : opt.key;
  auto storage = FileStorage::open(opt.state, keyPath, config.name, *rng.value());
  if (!storage) {
    std::fprintf(stderr, "%s: %s\n", name, storage.error().message.c_str());
    return 2;
  }
  SteadyClock clock;
  auto applet = makeApplet(*storage.value(), clock, *rng.value());
  if (!applet) {
    std::fprintf(stderr, "%s: cannot open card state %s: %s\n", name, opt.state.c_str(),
                 applet.error().message.c_str());
    return 2;
  }
  if (storage.value()->migratedFromUnsealed()) {
    // Said even with --quiet: the user should know a key file now belongs with the state.
    std::fprintf(stderr,
                 "%s: %s was an unencrypted state file of an older build: sealed now with "
                 "the new key file %s (back up the two together)\n",
                 name, opt.state.c_str(), keyPath.c_str());
  }
  CardRuntime runtime(config.atr, {applet.value().get()});
  log("card memory " + opt.state + " (key " + keyPath + "), ATR " + toSpacedHex(config.atr));

  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  VpcdLink link(opt.host, opt.port);
  link.trace = opt.trace;
  link.requirePowerOn = true;
  bool announcedWaiting = false;
  auto backoff = std::chrono::milliseconds(50);
  while (!gStop.load()) {
    auto connected = link.connect();
    if (!connected) {
      if (!announcedWaiting) {
        log("waiting for vpcd: " + connected.error().message);
        announcedWaiting = true;
      }
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
      continue;
    }
    announcedWaiting = false;
    backoff = std::chrono::milliseconds(50);
    log("connected to vpcd at " + opt.host + ":" + std::to_string(opt.port));
    // A new reader connection is a fresh insertion: nothing is selected or verified.
    runtime.powerOff();
    const std::string why = link.serve(runtime, gStop);
    runtime.powerOff();
    if (!gStop.load()) log(why + "; reconnecting");
    if (link.missedInsertion) {
      stayAwayAfterMissedInsertion();
    }
  }
  log("stopped");
  return 0;
}

}  // namespace hp::card::runtime

// home_server: the daemon, and its admin client.
//
//   home_server --config FILE            run (PIN1 is asked at the console if stdin is a tty,
//                                        otherwise later through `--admin SOCKET pin1`)
//   home_server --admin SOCKET pin1 [--pin-stdin]
//                                        enter PIN1 (read without echo; --pin-stdin: one line
//                                        from stdin, e.g. piped from systemd-ask-password)
//   home_server --admin SOCKET register-terminal ID HEXKEY [phone|pc|till [SHOP]]
//   home_server --admin SOCKET terminal-policy ID JSON   (the policy members to change)
//   home_server --admin SOCKET revoke-terminal ID
//   home_server --admin SOCKET list-terminals
//   home_server --admin SOCKET status
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "host/home_server/daemon/admin_socket.hpp"
#include "host/home_server/daemon/card_wiring.hpp"
#include "host/home_server/daemon/console_pin.hpp"
#include "host/home_server/daemon/home_server.hpp"
#include "protocol/rpc/methods.hpp"

namespace {

using namespace hp;
using namespace hp::home_server;
namespace wire = hp::protocol::rpc;

int usage() {
  std::fprintf(stderr,
               "usage: home_server --config FILE\n"
               "       home_server --admin SOCKET pin1 [--pin-stdin]\n"
               "       home_server --admin SOCKET status|list-terminals\n"
               "       home_server --admin SOCKET register-terminal ID HEXKEY [phone|pc|till "
               "[SHOP]]\n"
               "       home_server --admin SOCKET terminal-policy ID JSON\n"
               "       home_server --admin SOCKET revoke-terminal ID\n");
  return 2;
}

int runAdmin(const std::string& socketPath, const std::vector<std::string>& args) {
  if (args.empty()) return usage();
  protocol::rpc::Request request;
  request.id = 1;
  const std::string& command = args[0];
  const bool pinStdin = args.size() == 2 && args[1] == "--pin-stdin";
  if (command == "pin1" && (args.size() == 1 || pinStdin)) {
    auto pin = pinStdin ? readPinLine() : readPinWithoutEcho("PIN1: ");
    if (!pin) {
      std::fprintf(stderr, "home_server: %s\n", pin.error().message.c_str());
      return 1;
    }
    request = wire::request<wire::AdminPin1>(1, wire::PinParams{*pin});
    secureWipe(pin->data(), pin->size());
  } else if (command == "register-terminal" && args.size() >= 3 && args.size() <= 5) {
    // The key goes as typed: the server reads and judges it (its error names a bad one).
    request.method = wire::nameOf<wire::TerminalRegister>();
    request.params["id"] = args[1];
    request.params["key"] = args[2];
    if (args.size() >= 4) request.params["kind"] = args[3];
    if (args.size() == 5) request.params["shop"] = args[4];
  } else if (command == "terminal-policy" && args.size() == 3) {
    auto set = protocol::rpc::parseJson(args[2]);
    if (!set) {
      std::fprintf(stderr, "home_server: JSON: %s\n", set.error().message.c_str());
      return 2;
    }
    request.method = wire::nameOf<wire::TerminalPolicySet>();
    request.params["id"] = args[1];
    request.params["set"] = *set;
  } else if (command == "revoke-terminal" && args.size() == 2) {
    request = wire::request<wire::TerminalRevoke>(1, {args[1]});
  } else if (command == "list-terminals" && args.size() == 1) {
    request = wire::request<wire::TerminalList>(1, {});
  } else if (command == "status" && args.size() == 1) {
    request = wire::request<wire::AdminStatus>(1, {});
  } else {
    return usage();
  }
  auto response = adminCall(socketPath, request);
  // jsoncpp keeps its own copy of the PIN string; overwrite what we can reach.
  wire::wipeStrings(request.params);
  if (!response) {
    std::fprintf(stderr, "home_server: %s\n", response.error().message.c_str());
    return 1;
  }
  if (response->error) {
    std::fprintf(stderr, "home_server: %s: %s\n", response->error->code.c_str(),
                 response->error->message.c_str());
    return 1;
  }
  std::printf("%s\n", protocol::rpc::encodeJson(*response->result).c_str());
  return 0;
}

int runDaemon(const std::string& configPath) {
  auto config = loadHomeServerConfig(configPath);
  if (!config) {
    std::fprintf(stderr, "home_server: %s\n", config.error().message.c_str());
    return 2;
  }
  auto serverKey = FileServerSigner::load(config->serverKeyFile);
  if (!serverKey) {
    std::fprintf(stderr, "home_server: %s\n", serverKey.error().message.c_str());
    return 1;
  }
  auto cardParts = openCardParts(*config);
  if (!cardParts) {
    std::fprintf(stderr, "home_server: %s\n", cardParts.error().message.c_str());
    return 1;
  }
  // Signals are handled by sigwait below; blocked before any thread starts so all inherit it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a terminal that vanishes must not kill the daemon

  hp::channel::SystemWallClock wallClock;
  HomeServerParts parts;
  parts.card = cardParts->card;
  parts.terminals = cardParts->terminals;
  parts.serverSigner = serverKey->get();
  parts.wallClock = &wallClock;
  // The server logs the link's events and ends every PIN2 grant on them (a restarted card).
  parts.cardLink = cardParts->link;
  HomeServer server(*config, parts);
  server.log().info("home card: " + cardParts->description);
  if (auto started = server.start(); !started) {
    std::fprintf(stderr, "home_server: %s\n", started.error().message.c_str());
    return 1;
  }
  if (!::isatty(STDIN_FILENO)) {
    // Nobody is at a console: say what the daemon waits for, so a log reader knows.
    server.log().info("waiting for PIN1: home_server --admin " + config->adminSocketPath +
                      " pin1 (or pin1 --pin-stdin, e.g. from systemd-ask-password)");
  }
  if (::isatty(STDIN_FILENO)) {
    auto pin = readPinWithoutEcho("PIN1 (or later: home_server --admin " + config->adminSocketPath +
                                  " pin1): ");
    if (pin) {
      auto outcome = cardParts->card->verifyPin1(*pin);
      secureWipe(pin->data(), pin->size());
      if (!outcome) {
        server.log().error("PIN1: " + outcome.error().message);
      } else if (outcome->kind == PinOutcome::Kind::kAccepted) {
        server.log().transition("home card", "inhibited", "standby");
        server.cardReadable();
      } else {
        server.log().warn("PIN1 refused, " + std::to_string(outcome->triesLeft) + " tries left");
      }
    }
  }
  int received = 0;
  sigwait(&signals, &received);
  server.log().info(std::string("stopping on ") + strsignal(received));
  server.stop();  // also detaches from the card's link
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Nothing below is expected to throw; an allocation failure still ends with a message.
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 2 && args[0] == "--config") return runDaemon(args[1]);
    if (args.size() >= 3 && args[0] == "--admin") {
      return runAdmin(args[1], std::vector<std::string>(args.begin() + 2, args.end()));
    }
    return usage();
  } catch (const std::exception& exception) {
    std::fprintf(stderr, "home_server: fatal: %s\n", exception.what());
    return 1;
  }
}

// wing_probe: the home server's appliance wing (host/home_server/appliances) on its own, driven
// line by line from stdin, for the shell tests: the real MQTT link, registry, schema checks,
// state echo and lock notices, without cards or a terminal channel (the demo and the benchmark
// run the whole server). Commands:
//   list | state NAME | set TERMINAL NAME VALUE | pin2 on|off | mail on|off | count | broker | quit
// Answers one line each; lock notices print "MAIL <subject>" (with `mail off` the mail server
// refuses them: they stay in the outbox); the wing's log goes to stderr.
// Usage: wing_probe HOST PORT MQTTDIR CONFIRM_MS [OUTBOX_DB [CLIENT_ID]]
#include <atomic>
#include <iostream>
#include <sstream>
#include <string>

#include "host/home_server/appliances/appliance_wing.hpp"

namespace {

class PrintingMail : public hp::notices::MailSender {
 public:
  std::atomic<bool> down{false};
  hp::base::Result<void> send(const hp::notices::MailMessage& message) override {
    if (down) return hp::base::makeError("550 the test's mail server is down");
    const size_t at = message.text.find("Subject: ");
    std::cout << "MAIL " << message.text.substr(at + 9, message.text.find('\r', at) - at - 9)
              << std::endl;
    return {};
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 7) {
    std::cerr << "usage: wing_probe HOST PORT MQTTDIR CONFIRM_MS [OUTBOX_DB [CLIENT_ID]]\n";
    return 2;
  }
  hp::home_server::ApplianceConfig config;
  config.enabled = true;
  config.brokerHost = argv[1];
  config.brokerPort = static_cast<uint16_t>(std::stoi(argv[2]));
  const std::string dir = argv[3];
  config.caFile = dir + "/ca.pem";
  config.certFile = dir + "/home-server.pem";
  config.keyFile = dir + "/home-server.key";
  config.confirmMs = static_cast<uint32_t>(std::stoi(argv[4]));
  config.maxAppliances = 1024;
  config.reconnectMaxMs = 1000;
  if (argc > 6) config.clientId = argv[6];
  const std::string outbox = argc > 5 ? argv[5] : "";
  hp::home_server::ServerLog log(hp::home_server::LogLevel::kInfo,
                                 [](std::string_view line) { std::cerr << line << std::endl; });
  bool pin2 = false;
  PrintingMail mail;
  auto wing = hp::home_server::ApplianceWing::create(
      config, log,
      [&pin2](const std::string&) -> hp::base::Result<void, hp::protocol::rpc::RpcError> {
        if (!pin2) return hp::protocol::rpc::makeRpcError("pin2_required", "PIN2 needed");
        return {};
      },
      &mail, "home@localhost", "user@localhost", outbox);
  if (!wing) {
    std::cerr << wing.error().message << "\n";
    return 1;
  }
  (*wing)->start();
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream words(line);
    std::string verb, a, b, c;
    words >> verb >> a >> b >> c;
    auto& service = (*wing)->service();
    if (verb == "quit") break;
    if (verb == "count") {
      std::cout << "count " << (*wing)->registry().size() << " refused "
                << (*wing)->registry().refused() << std::endl;
    } else if (verb == "broker") {
      std::cout << "broker " << ((*wing)->brokerUp() ? "up" : "down") << std::endl;
    } else if (verb == "mail") {
      mail.down = a == "off";
      std::cout << "mail " << a << std::endl;
    } else if (verb == "pin2") {
      pin2 = a == "on";
      std::cout << "pin2 " << a << std::endl;
    } else if (verb == "list") {
      for (const auto& view : service.list()) {
        std::cout << view.schema.id << " " << hp::home_server::kindName(view.schema.kind) << " "
                  << (view.state.online ? "online" : "offline") << " "
                  << hp::home_server::describeState(view) << std::endl;
      }
      std::cout << "end" << std::endl;
    } else if (verb == "state") {
      auto view = service.state(a);
      std::cout << (view ? std::string(view->state.online ? "online " : "offline ") +
                               hp::home_server::describeState(*view)
                         : "error " + view.error().code)
                << std::endl;
    } else if (verb == "set") {
      auto done = service.set(a, b, c);
      std::cout << (done ? "outcome " + done->outcome + " " + done->state
                         : "error " + done.error().code)
                << std::endl;
    } else {
      std::cout << "unknown" << std::endl;
    }
  }
  (*wing)->stop();
  return 0;
}

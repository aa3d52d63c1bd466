// delay_relay TARGET_PORT ONE_WAY_DELAY_MS: the benchmarks' slow-link relay by hand, e.g. in
// front of a shop or a home server on this machine. Prints the port it listens on (127.0.0.1),
// then relays until stdin closes, and prints the bytes it carried.
#include <iostream>
#include <string>

#include "tools/bench/delay_relay.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: delay_relay TARGET_PORT ONE_WAY_DELAY_MS   (relays until stdin closes)\n";
    return 2;
  }
  int targetPort = 0;
  int delayMs = 0;
  try {
    targetPort = std::stoi(argv[1]);
    delayMs = std::stoi(argv[2]);
  } catch (const std::exception&) {
    targetPort = 0;
  }
  if (targetPort <= 0 || targetPort > 65535 || delayMs < 0) {
    std::cerr << "delay_relay: bad port or delay\n";
    return 2;
  }
  auto relay = hp::bench::DelayRelay::start(static_cast<uint16_t>(targetPort),
                                            static_cast<uint32_t>(delayMs));
  if (!relay) {
    std::cerr << "delay_relay: " << relay.error().message << "\n";
    return 1;
  }
  std::cout << "listening on 127.0.0.1:" << (*relay)->port() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  (*relay)->stop();
  std::cout << "bytes: " << (*relay)->bytesUpstream() << " up, " << (*relay)->bytesDownstream()
            << " down" << std::endl;
  return 0;
}

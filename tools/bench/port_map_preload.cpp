// libhp_bench_port_map.so: run_standby_bench.sh preloads it into the terminal so that the
// terminal's own connections to a shop go through the phone's slow link while the home server,
// connecting to the same "localhost:PORT" from the URL, goes through its own fast link. Every
// connect(2) to 127.0.0.1:FROM becomes one to 127.0.0.1:TO for each FROM:TO in
// HP_BENCH_PORT_MAP ("FROM:TO,FROM:TO"); anything else (Unix sockets to pcscd, other ports) is
// untouched. A bench tool only: nothing in the product loads it.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>

#include "tools/preload/socket_call.hpp"

namespace {

// The TO for FROM in HP_BENCH_PORT_MAP, or 0.
unsigned mappedPort(unsigned from) {
  const char* map = std::getenv("HP_BENCH_PORT_MAP");
  while (map != nullptr && *map != '\0') {
    char* end = nullptr;
    const unsigned long key = std::strtoul(map, &end, 10);
    if (end == map || *end != ':') return 0;
    const char* value = end + 1;
    const unsigned long to = std::strtoul(value, &end, 10);
    if (end == value) return 0;
    if (key == from && to > 0 && to < 65536) return static_cast<unsigned>(to);
    map = *end == ',' ? end + 1 : end;
  }
  return 0;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int connect(int fd, const sockaddr* addr,
                                                              socklen_t len) {
  static const hp::preload::SocketAddressCall real = hp::preload::nextCall("connect");
  return hp::preload::callRewritten(real, fd, addr, len, [](sockaddr_in& in) {
    const unsigned to = mappedPort(ntohs(in.sin_port));
    if (in.sin_addr.s_addr != htonl(INADDR_LOOPBACK) || to == 0) return false;
    in.sin_port = htons(static_cast<uint16_t>(to));
    return true;
  });
}

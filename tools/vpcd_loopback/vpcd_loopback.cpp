// libhp_vpcd_loopback.so: keeps vpcd's card slots on loopback. Loaded into pcscd with
// LD_PRELOAD, it turns every wildcard TCP bind of the process (0.0.0.0 or ::, port != 0) into
// the same bind on 127.0.0.1 or ::1.
//
// Why a preload and not a setting: vsmartcard's vpcd (Debian 12 ships the 0.8 code, and the
// current upstream code is the same) binds its slot ports with INADDR_ANY in opensock() and
// reads nothing that could narrow the address; its reversed mode (vpcd connects to a card
// listening on 127.0.0.1) aborts pcscd in 0.8 as soon as the card is absent (docs/design.md,
// "The card link"). pcscd itself listens only on its Unix socket, so the only TCP listeners in
// its process are vpcd's slots: rewriting every wildcard bind catches any port a reader.conf
// names, and touches nothing else. A bind to an explicit address is left alone.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "tools/preload/socket_call.hpp"

extern "C" __attribute__((visibility("default"))) int bind(int fd, const sockaddr* addr,
                                                           socklen_t len) {
  static const hp::preload::SocketAddressCall real = hp::preload::nextCall("bind");
  return hp::preload::callRewritten(
      real, fd, addr, len,
      [](sockaddr_in& in) {
        if (in.sin_addr.s_addr != htonl(INADDR_ANY) || in.sin_port == 0) return false;
        in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return true;
      },
      [](sockaddr_in6& in6) {
        if (std::memcmp(&in6.sin6_addr, &in6addr_any, sizeof in6addr_any) != 0 ||
            in6.sin6_port == 0) {
          return false;
        }
        in6.sin6_addr = in6addr_loopback;
        return true;
      });
}

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
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace {

using BindFn = int (*)(int, const sockaddr*, socklen_t);

BindFn realBind() {
  // RTLD_NEXT: the libc bind this library hides. Resolved once; a race only resolves twice.
  static BindFn real = reinterpret_cast<BindFn>(dlsym(RTLD_NEXT, "bind"));
  return real;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int bind(int fd, const sockaddr* addr,
                                                           socklen_t len) {
  BindFn real = realBind();
  if (real == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  if (addr != nullptr && addr->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, addr, sizeof in);
    if (in.sin_addr.s_addr == htonl(INADDR_ANY) && in.sin_port != 0) {
      in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      return real(fd, reinterpret_cast<const sockaddr*>(&in), sizeof in);
    }
  } else if (addr != nullptr && addr->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, addr, sizeof in6);
    if (std::memcmp(&in6.sin6_addr, &in6addr_any, sizeof in6addr_any) == 0 && in6.sin6_port != 0) {
      in6.sin6_addr = in6addr_loopback;
      return real(fd, reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
    }
  }
  return real(fd, addr, len);
}

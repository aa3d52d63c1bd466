// What the two LD_PRELOAD libraries share (tools/vpcd_loopback: bind, tools/bench/
// port_map_preload.cpp: connect): reaching the libc function they hide, and calling it with an
// IPv4 or IPv6 address they may rewrite. Header only, without the project's libraries: a
// preloaded library must not drag them into the process it is loaded into.
#pragma once

#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace hp::preload {

// bind(2) and connect(2) have this shape.
using SocketAddressCall = int (*)(int, const sockaddr*, socklen_t);

// The definition of NAME after this library's (RTLD_NEXT: libc's), or null. The wrapper keeps it
// in a function-local static: resolved once (a race only resolves it twice).
inline SocketAddressCall nextCall(const char* name) {
  return reinterpret_cast<SocketAddressCall>(dlsym(RTLD_NEXT, name));
}

// For a wrapper that leaves IPv6 addresses alone.
struct KeepIpv6 {
  bool operator()(sockaddr_in6& /*address*/) const { return false; }
};

// Calls `real` on fd with the address, or with a copy that rewrite4 (IPv4) or rewrite6 (IPv6)
// changed: each gets the copy and returns true when it changed it. Other families, short
// lengths and null addresses go through as they are. ENOSYS when `real` was not found.
template <typename Rewrite4, typename Rewrite6 = KeepIpv6>
int callRewritten(SocketAddressCall real, int fd, const sockaddr* addr, socklen_t len,
                  Rewrite4 rewrite4, Rewrite6 rewrite6 = {}) {
  if (real == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  if (addr != nullptr && addr->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, addr, sizeof in);
    if (rewrite4(in)) return real(fd, reinterpret_cast<const sockaddr*>(&in), sizeof in);
  } else if (addr != nullptr && addr->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, addr, sizeof in6);
    if (rewrite6(in6)) return real(fd, reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
  }
  return real(fd, addr, len);
}

}  // namespace hp::preload

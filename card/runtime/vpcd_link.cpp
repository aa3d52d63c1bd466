#include "card/runtime/vpcd_link.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace hp::card::runtime {

namespace {
constexpr uint8_t kPowerOff = 0x00;
constexpr uint8_t kPowerOn = 0x01;
constexpr uint8_t kReset = 0x02;
constexpr uint8_t kGetAtr = 0x04;
constexpr int kStopCheckMs = 250;  // how often a blocked read looks at the stop flag
}  // namespace

VpcdLink::~VpcdLink() {
  close();
}

void VpcdLink::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  inbox_.clear();
  inboxPos_ = 0;
}

Result<void> VpcdLink::connect() {
  close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(port_);
  if (const int rc = ::getaddrinfo(host_.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return makeError("cannot resolve " + host_ + ": " + ::gai_strerror(rc));
  }
  std::string why = "no address";
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      // See the header: one write per frame and no Nagle delay.
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
      // A blocking recv() that gives up now and then to look at the stop flag: no poll() per
      // read, which would add a system call to every frame.
      timeval timeout{0, kStopCheckMs * 1000};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      fd_ = fd;
      break;
    }
    why = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  if (fd_ < 0) return makeError("vpcd at " + host_ + ":" + port + " not reachable: " + why);
  return {};
}

bool VpcdLink::readExact(uint8_t* out, size_t n, const std::atomic<bool>& stop, std::string& why) {
  while (inbox_.size() - inboxPos_ < n) {
    if (inboxPos_ > 0) {
      inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<long>(inboxPos_));
      inboxPos_ = 0;
    }
    if (stop.load()) {
      why = "stopped";
      return false;
    }
    uint8_t buf[65536 + 2];
    const ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
    if (got == 0) {
      why = "vpcd closed the connection";
      return false;
    }
    if (got < 0) {
      // EAGAIN: the receive time-out (kStopCheckMs) expired; look at the stop flag again.
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      why = std::string("recv: ") + std::strerror(errno);
      return false;
    }
    inbox_.insert(inbox_.end(), buf, buf + got);
    // Quick-ACK mode ends after a while, so renew it after every read (see the header).
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  }
  std::memcpy(out, inbox_.data() + inboxPos_, n);
  inboxPos_ += n;
  return true;
}

bool VpcdLink::sendFrame(ByteView payload, std::string& why) {
  if (payload.size() > 0xFFFF) {
    why = "response longer than a vpcd frame";
    return false;
  }
  Bytes frame;
  frame.reserve(payload.size() + 2);
  appendU16(frame, static_cast<uint16_t>(payload.size()));
  append(frame, payload);
  size_t sent = 0;
  while (sent < frame.size()) {
    const ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      why = std::string("send: ") + std::strerror(errno);
      secureWipe(frame);
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  secureWipe(frame);
  return true;
}

std::string VpcdLink::serve(CardRuntime& runtime, const std::atomic<bool>& stop) {
  std::string why;
  Bytes payload;
  missedInsertion = false;
  bool poweredOnce = false;  // a POWER ON or RESET on this connection
  int atrQueries = 0;        // GET ATR before it: two in a normal insertion (measured)
  auto missed = [&](const char* what) {
    missedInsertion = true;
    why = std::string("pcscd did not see this card inserted (") + what +
          " before any power-on): leaving the reader for pcscd to see it empty";
  };
  for (;;) {
    uint8_t lengthBytes[2];
    if (!readExact(lengthBytes, 2, stop, why)) break;
    const size_t length = (static_cast<size_t>(lengthBytes[0]) << 8) | lengthBytes[1];
    payload.resize(length);
    if (length > 0 && !readExact(payload.data(), length, stop, why)) break;

    if (length == 1) {
      switch (payload[0]) {
        case kPowerOff:
          runtime.powerOff();
          break;
        case kPowerOn:
          poweredOnce = true;
          runtime.powerOn();
          break;
        case kReset:
          poweredOnce = true;
          runtime.reset();
          break;
        case kGetAtr:
          if (requirePowerOn && !poweredOnce && ++atrQueries > 2) {
            missed("a 3rd presence poll");
            break;
          }
          if (!sendFrame(runtime.atr(), why)) return why;
          break;
        default:
          std::fprintf(stderr, "vpcd: ignoring unknown control code %02X\n", payload[0]);
      }
      if (missedInsertion) break;
      continue;
    }
    if (length == 0) continue;  // an empty frame carries nothing to answer
    if (requirePowerOn && !poweredOnce) {
      secureWipe(payload);
      missed("a command");
      break;
    }
    Bytes response = runtime.transmit(payload);
    if (trace) {
      std::fprintf(stderr, "apdu %02X %02X %02X %02X (%zu bytes) -> %02X%02X (%zu bytes)\n",
                   payload[0], payload.size() > 1 ? payload[1] : 0,
                   payload.size() > 2 ? payload[2] : 0, payload.size() > 3 ? payload[3] : 0,
                   payload.size(), response[response.size() - 2], response[response.size() - 1],
                   response.size() - 2);
    }
    secureWipe(payload);
    const bool ok = sendFrame(response, why);
    secureWipe(response);
    if (!ok) break;
  }
  secureWipe(payload);
  close();
  return why;
}

}  // namespace hp::card::runtime

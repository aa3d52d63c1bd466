// echo_card: the smallest correct card behind vsmartcard's vpcd. It answers every command APDU
// with 90 00 and does no card work at all, so its APDU rate through pcscd is the reader's own
// limit: the reference the home card's rate is measured against (tools/bench/run_apdu_bench.sh).
//
// vpcd protocol (vsmartcard 0.8, ifd-vpcd.c + vpcd.c): the card connects to vpcd's TCP port;
// every frame is a 2-byte big-endian length and a payload. A 1-byte payload is a control code
// (00 power off, 01 power on, 02 reset: no reply; 04 get ATR: reply with the ATR); anything
// longer is a command APDU, answered with the response APDU (data, SW1, SW2).
//
// WHY vsmartcard's own Python card (vicc) manages only ~20 APDU/s: a TCP-level stall, not card
// work. Measured here (strace -f -tt on pcscd and on this card run with --no-quickack):
//  * vpcd sends every frame in TWO send() calls, first the 2-byte length, then the payload
//    (sendto "\0\5" then sendto "\0\xCA\xDF\1\0", 0.2 ms apart), on a socket where Nagle's
//    algorithm is on (pcscd makes no setsockopt call at all: no TCP_NODELAY).
//  * Nagle may not send the small payload segment while the length segment is unacknowledged.
//  * The card reads the 2 length bytes, then blocks in recv() for the payload. Its kernel treats
//    the connection as interactive and delays the ACK (Linux delayed ACK, 40 ms minimum) hoping
//    to piggyback it on a reply, but the card cannot reply before it has the payload.
//  * So every frame waits for the delayed-ACK timer: the card's recv() of the payload returns
//    ~43 ms after the length arrived. vicc (Python, one sendall per reply, no socket options)
//    measures 19.4 APDU/s, this card with --no-quickack 20.3 APDU/s, this card as built
//    ~10,000 APDU/s (tools/bench/run_apdu_bench.sh prints all three).
// This card avoids it by acknowledging at once: TCP_QUICKACK is set after every read (Linux
// clears it on its own), so vpcd's length segment is ACKed immediately and Nagle releases the
// payload. Our own frames go out in ONE send() with TCP_NODELAY, so we never cause the same
// stall in the other direction, and frames are read fully from a buffer whatever the segmenting.
// `--no-quickack` turns the first measure off to show the stall (see run_apdu_bench.sh).
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

// 3B: direct convention; T0 = 80: TD1 follows, no historical bytes; TD1 = 80: TD2 follows, T=0;
// TD2 = 01: T=1; TCK = 01 (XOR of T0..TD2), required since T=1 is offered (ISO 7816-3 8.2.5).
constexpr uint8_t kAtr[] = {0x3B, 0x80, 0x80, 0x01, 0x01};
constexpr uint8_t kGetAtr = 0x04;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 35963;  // vpcd's default port 0x8C7B: reader "Virtual PCD 00 00"
  bool quickAck = true;
  bool quiet = false;
};

// Reads whole frames from the socket whatever the TCP segmenting; owns one receive buffer.
class FrameReader {
 public:
  FrameReader(int fd, bool quickAck) : fd_(fd), quickAck_(quickAck) {}

  // Fills `payload` with the next frame; false when vpcd closed the connection or on an error.
  bool next(std::vector<uint8_t>& payload) {
    uint8_t header[2];
    if (!readExact(header, 2)) return false;
    payload.resize((static_cast<size_t>(header[0]) << 8) | header[1]);
    return payload.empty() || readExact(payload.data(), payload.size());
  }

 private:
  bool readExact(uint8_t* out, size_t n) {
    while (end_ - begin_ < n) {
      if (begin_ > 0) {  // keep the unread tail at the front so the buffer never grows
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      const ssize_t got = ::recv(fd_, buffer_.data() + end_, buffer_.size() - end_, 0);
      if (got == 0) return false;
      if (got < 0) {
        if (errno == EINTR) continue;
        std::perror("echo_card: recv");
        return false;
      }
      end_ += static_cast<size_t>(got);
      if (quickAck_) {  // see the header comment: Linux leaves quick-ACK mode on its own
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
      }
    }
    std::memcpy(out, buffer_.data() + begin_, n);
    begin_ += n;
    return true;
  }

  int fd_;
  bool quickAck_;
  std::vector<uint8_t> buffer_ = std::vector<uint8_t>(2 + 0xFFFF);  // one maximal frame
  size_t begin_ = 0;
  size_t end_ = 0;
};

// One send() per frame (length and payload together), so Nagle never splits a reply.
bool sendFrame(int fd, const uint8_t* payload, size_t size) {
  std::vector<uint8_t> frame(2 + size);
  frame[0] = static_cast<uint8_t>(size >> 8);
  frame[1] = static_cast<uint8_t>(size & 0xFF);
  std::memcpy(frame.data() + 2, payload, size);
  size_t sent = 0;
  while (sent < frame.size()) {
    const ssize_t n = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("echo_card: send");
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

int connectToVpcd(const Options& options) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  const std::string port = std::to_string(options.port);
  if (::getaddrinfo(options.host.c_str(), port.c_str(), &hints, &addresses) != 0) return -1;
  int connected = -1;
  for (addrinfo* a = addresses; a != nullptr && connected < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      connected = fd;
    } else {
      ::close(fd);
    }
  }
  ::freeaddrinfo(addresses);
  return connected;
}

// Serves one vpcd connection until it closes. Returns the number of APDUs answered.
uint64_t serve(int fd, const Options& options) {
  FrameReader reader(fd, options.quickAck);
  std::vector<uint8_t> payload;
  uint64_t apdus = 0;
  static constexpr uint8_t kOk[] = {0x90, 0x00};
  while (reader.next(payload)) {
    if (payload.size() == 1) {
      // Power off / on / reset need no reply and change nothing for a card without state.
      if (payload[0] == kGetAtr && !sendFrame(fd, kAtr, sizeof kAtr)) break;
      continue;
    }
    if (payload.empty()) continue;
    if (!sendFrame(fd, kOk, sizeof kOk)) break;
    ++apdus;
  }
  return apdus;
}

void usage() {
  std::fprintf(stderr,
               "usage: echo_card [--port N] [--host ADDR] [--no-quickack] [--quiet]\n"
               "  Connects to vpcd (default 127.0.0.1:35963) and answers every APDU with 90 00.\n"
               "  Reconnects when vpcd goes away; stop it with SIGTERM.\n");
}

bool parseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool hasValue = i + 1 < argc;
    if (arg == "--port" && hasValue) {
      char* end = nullptr;
      const unsigned long port = std::strtoul(argv[++i], &end, 0);
      if (*end != '\0' || port == 0 || port > 0xFFFF) return false;
      options.port = static_cast<uint16_t>(port);
    } else if (arg == "--host" && hasValue) {
      options.host = argv[++i];
    } else if (arg == "--no-quickack") {
      options.quickAck = false;
    } else if (arg == "--quiet") {
      options.quiet = true;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parseOptions(argc, argv, options)) {
    usage();
    return 2;
  }
  bool announcedWaiting = false;
  for (;;) {
    const int fd = connectToVpcd(options);
    if (fd < 0) {
      // vpcd listens only while pcscd runs; wait for it rather than fail.
      if (!announcedWaiting && !options.quiet) {
        std::fprintf(stderr, "echo_card: waiting for vpcd at %s:%u\n", options.host.c_str(),
                     options.port);
      }
      announcedWaiting = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    announcedWaiting = false;
    if (!options.quiet) {
      std::fprintf(stderr, "echo_card: connected to vpcd at %s:%u\n", options.host.c_str(),
                   options.port);
    }
    const uint64_t apdus = serve(fd, options);
    ::close(fd);
    if (!options.quiet) {
      std::fprintf(stderr, "echo_card: vpcd closed the connection after %llu APDUs\n",
                   static_cast<unsigned long long>(apdus));
    }
  }
}

#include "host/channel/channel_connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>

#include "base/clock.hpp"
#include "host/channel/frame.hpp"

namespace hp::channel {

namespace {

Result<void> writeAll(int fd, ByteView data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return makeError(std::string("channel write failed: ") + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return {};
}

Result<void> readExact(int fd, uint8_t* out, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, out + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return makeError(std::string("channel read failed: ") + std::strerror(errno));
    if (n == 0) return makeError("connection ended without a close record");
    done += static_cast<size_t>(n);
  }
  return {};
}

// A flight of handshake messages goes out in one write, so the peer gets it in one segment.
Result<void> sendMessages(int fd, const std::vector<Bytes>& messages) {
  Bytes flight;
  for (const Bytes& message : messages) append(flight, makeFrame(FrameType::kHandshake, message));
  return flight.empty() ? Result<void>{} : writeAll(fd, flight);
}

// Each frame is written whole and the peer answers it, so Nagle's algorithm would only hold a
// small frame back until the previous one is acknowledged (up to the 40 ms delayed-ACK timer).
// Not a TCP socket (a socketpair in tests): nothing to do, hence no error.
void disableNagle(int fd) {
  const int on = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

Result<Bytes> readHandshakeMessage(int fd) {
  auto frame = readFrame(fd);
  if (!frame) return frame.error();
  if ((*frame)[0] != static_cast<uint8_t>(FrameType::kHandshake)) {
    return makeError("record frame during the handshake");
  }
  return Bytes(frame->begin() + kFrameHeaderSize, frame->end());
}

// Drives the terminal's machine after its first message until it is established or refused.
// `rttMs` gets the time from the first message's write to the server's first answer (if any).
Result<void> runTerminalHandshake(int fd, ClientHandshake& handshake, const Bytes& first,
                                  std::optional<double>& rttMs) {
  const auto start = std::chrono::steady_clock::now();
  if (auto sent = sendMessages(fd, {first}); !sent) return sent;
  bool firstAnswer = true;
  while (!handshake.established()) {
    auto message = readHandshakeMessage(fd);
    if (!message) return message.error();
    if (firstAnswer) {
      const double ms = msSince(start);
      if (!rttMs || ms < *rttMs) rttMs = ms;
      firstAnswer = false;
    }
    auto replies = handshake.onMessage(*message);
    if (!replies) return replies.error();
    if (auto sent = sendMessages(fd, *replies); !sent) return sent;
  }
  return {};
}

}  // namespace

Result<void> writeFrame(int fd, ByteView frame) {
  return writeAll(fd, frame);
}

Result<Bytes> readFrame(int fd) {
  Bytes frame(kFrameHeaderSize);
  if (auto got = readExact(fd, frame.data(), frame.size()); !got) return got.error();
  auto header = parseFrameHeader(frame);
  if (!header) return header.error();
  frame.resize(kFrameHeaderSize + header->payloadLength);
  if (auto got = readExact(fd, frame.data() + kFrameHeaderSize, header->payloadLength); !got) {
    return got.error();
  }
  return frame;
}

Result<std::unique_ptr<ChannelConnection>> ChannelConnection::connectAsTerminal(
    int fd, ClientHandshake& handshake, bool tryResume,
    const std::function<Result<SignedShare>()>& prepareShare) {
  disableNagle(fd);
  bool needFull = true;
  std::optional<double> rttMs;
  if (tryResume) {
    auto hello = handshake.startResume();  // refused at once when the card holds no ticket
    if (hello) {
      auto run = runTerminalHandshake(fd, handshake, *hello, rttMs);
      if (!run && handshake.state() != ClientHandshake::State::kResumeRefused) return run.error();
      needFull = !run.ok();
    }
  }
  if (needFull) {
    auto share = prepareShare();
    if (!share) return share.error();
    auto hello = handshake.startFull(*share);
    if (!hello) return hello.error();
    if (auto run = runTerminalHandshake(fd, handshake, *hello, rttMs); !run) return run.error();
  }
  auto protector = handshake.takeRecordProtector();
  if (!protector) return protector.error();
  auto connection = std::make_unique<ChannelConnection>(fd, std::move(protector.value()));
  connection->handshakeRttMs_ = rttMs.value_or(0);
  return connection;
}

Result<std::unique_ptr<ChannelConnection>> ChannelConnection::acceptFromTerminal(
    int fd, ServerHandshake& handshake) {
  disableNagle(fd);
  while (!handshake.established()) {
    auto message = readHandshakeMessage(fd);
    if (!message) return message.error();
    auto replies = handshake.onMessage(*message);
    if (!replies) {
      if (handshake.alertMessage()) (void)sendMessages(fd, {*handshake.alertMessage()});
      // A refused ticket keeps the machine waiting for the terminal's full handshake.
      if (handshake.state() == ServerHandshake::State::kWaitHello) continue;
      return replies.error();
    }
    if (auto sent = sendMessages(fd, *replies); !sent) return sent.error();
  }
  auto protector = handshake.takeRecordProtector();
  if (!protector) return protector.error();
  return std::make_unique<ChannelConnection>(fd, std::move(protector.value()));
}

ChannelConnection::~ChannelConnection() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> ChannelConnection::send(ByteView data) {
  auto frame = protector_->seal(data);
  if (!frame) return frame.error();
  return writeFrame(fd_, *frame);
}

Result<std::optional<Bytes>> ChannelConnection::receive() {
  auto frame = readFrame(fd_);
  if (!frame) return frame.error();
  auto record = protector_->open(*frame);
  if (!record) return record.error();
  if (record->type == FrameType::kClose) return std::optional<Bytes>{};
  return std::optional<Bytes>{std::move(record->data)};
}

Result<void> ChannelConnection::close() {
  auto frame = protector_->sealClose();
  if (!frame) return frame.error();
  return writeFrame(fd_, *frame);
}

}  // namespace hp::channel

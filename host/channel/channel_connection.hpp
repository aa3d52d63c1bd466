// A thin channel over a connected TCP socket: runs a handshake state machine over handshake
// frames, then moves application data through a RecordProtector. Blocking I/O; one connection
// per thread. The only file of the library that touches a file descriptor.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "host/channel/client_handshake.hpp"
#include "host/channel/record_protector.hpp"
#include "host/channel/server_handshake.hpp"

namespace hp::channel {

class ChannelConnection {
 public:
  // Terminal side. With tryResume, resumes with the agent's ticket first; if the agent holds
  // none, or the server refuses it, falls back on the same socket to a full handshake with a
  // share from prepareShare. The connection owns fd on success; on failure the caller still does.
  static Result<std::unique_ptr<ChannelConnection>> connectAsTerminal(
      int fd, ClientHandshake& handshake, bool tryResume,
      const std::function<Result<SignedShare>()>& prepareShare);
  // Home server side: answers one terminal's handshake (sending an Alert on refusal).
  static Result<std::unique_ptr<ChannelConnection>> acceptFromTerminal(int fd,
                                                                       ServerHandshake& handshake);

  ChannelConnection(int fd, std::unique_ptr<RecordProtector> protector)
      : fd_(fd), protector_(std::move(protector)) {}
  ~ChannelConnection();
  ChannelConnection(const ChannelConnection&) = delete;
  ChannelConnection& operator=(const ChannelConnection&) = delete;

  Result<void> send(ByteView data);
  // The next application record; nullopt after the peer's authenticated close. A connection
  // that ends without a close record is an error (truncation).
  Result<std::optional<Bytes>> receive();
  // Sends the authenticated close record.
  Result<void> close();
  // The socket, for poll(2) only (the terminal agent sees a channel its peer closed while idle).
  int fd() const { return fd_; }
  // Terminal side: from writing the ClientHello to reading the server's first answer, the
  // smallest over the attempts (a refused resumption, then the full handshake): one round trip
  // that really crossed the link, plus the server's handshake work (a few ms). The TCP
  // connect's time is no such measure: a relay or proxy that accepts locally answers it at once.
  // 0 on the server side.
  double handshakeRttMs() const { return handshakeRttMs_; }

 private:
  int fd_;
  std::unique_ptr<RecordProtector> protector_;
  double handshakeRttMs_ = 0;
};

// Frame I/O on a blocking socket, shared with tests.
Result<void> writeFrame(int fd, ByteView frame);
// Reads one whole frame (header and payload), refusing bad headers before reading the payload.
Result<Bytes> readFrame(int fd);

}  // namespace hp::channel

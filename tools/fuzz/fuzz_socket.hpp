// A connected pair of unix stream sockets for fuzzing readers that take a file descriptor:
// the input is written to one end, which is then shut down for writing, so the reader under
// test sees exactly the input and then end-of-stream (never a block). Write the input in one
// piece: a few KiB in one write stay far below the socket buffer, so the write never blocks,
// but every small write costs the buffer a kernel block of its own, and a few hundred of them
// fill it (fuzz_rpc's time-out, see tools/fuzz/README.md).
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "tools/fuzz/fuzz_check.hpp"

namespace hp::fuzz {

class SocketPair {
 public:
  SocketPair() { FUZZ_CHECK(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_) == 0); }
  ~SocketPair() {
    closeWriter();
    closeReader();
  }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;

  // Writes everything, then ends the stream as seen from the reader.
  void writeAndEnd(const uint8_t* data, size_t size) {
    write(data, size);
    ::shutdown(fds_[1], SHUT_WR);
  }
  void write(const uint8_t* data, size_t size) {
    while (size > 0) {
      const ssize_t n = ::write(fds_[1], data, size);
      if (n < 0 && errno == EINTR) continue;  // libFuzzer's time-out alarm
      FUZZ_CHECK(n > 0);
      data += n;
      size -= static_cast<size_t>(n);
    }
  }
  int reader() const { return fds_[0]; }
  // For readers that take ownership of the descriptor (they close it).
  int releaseReader() {
    const int fd = fds_[0];
    fds_[0] = -1;
    return fd;
  }
  void closeWriter() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }
  void closeReader() {
    if (fds_[0] >= 0) ::close(fds_[0]);
    fds_[0] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

}  // namespace hp::fuzz

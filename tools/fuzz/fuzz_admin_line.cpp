// libFuzzer target: the home server's admin line protocol
// (host/home_server/daemon/admin_socket.cpp): one line of JSON request per connection on a unix
// socket, one line of response.
//
// A real AdminSocketServer (its own thread, a socket in a private temporary directory) serves a
// dispatcher with one method. Each input is sent on a fresh connection, shut down for writing.
// If the input holds a newline within the first kMaxAdminLineBytes + 1 bytes the server answers
// with exactly one line, which parseResponse accepts; otherwise (no full line, or a line over
// the bound) it answers nothing. It never crashes or hangs.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "host/home_server/core/server_log.hpp"
#include "host/home_server/daemon/admin_socket.hpp"
#include "protocol/rpc/dispatcher.hpp"
#include "tools/fuzz/fuzz_check.hpp"

namespace {

struct Server {
  std::string dir;
  std::string path;
  hp::protocol::rpc::Dispatcher dispatcher;
  hp::home_server::ServerLog log{hp::home_server::LogLevel::kError};
  hp::home_server::AdminSocketServer* server = nullptr;

  Server() {
    char pattern[] = "/tmp/hp-fuzz-admin.XXXXXX";
    FUZZ_CHECK(::mkdtemp(pattern) != nullptr);
    dir = pattern;
    path = dir + "/admin.sock";
    FUZZ_CHECK(dispatcher
                   .add("status",
                        [](const Json::Value&, const hp::protocol::rpc::CallContext&)
                            -> hp::base::Result<Json::Value, hp::protocol::rpc::RpcError> {
                          return Json::Value("ok");
                        })
                   .ok());
    server = new hp::home_server::AdminSocketServer(path, dispatcher, log);
    FUZZ_CHECK(server->start().ok());
  }
  ~Server() {
    server->stop();
    delete server;
    ::rmdir(dir.c_str());
  }
};

std::string call(const std::string& socketPath, const uint8_t* data, size_t size) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  FUZZ_CHECK(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socketPath.c_str(), sizeof address.sun_path - 1);
  FUZZ_CHECK(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the server stopped reading (a line too long): it answers nothing
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[4096];
  for (;;) {
    pollfd pfd{fd, POLLIN, 0};
    // libFuzzer's time-out alarm interrupts poll and read now and then: try again.
    const int ready = ::poll(&pfd, 1, 20'000);  // the server reads with a 10 s time-out
    if (ready < 0 && errno == EINTR) continue;
    FUZZ_CHECK(ready == 1);
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end, or reset after a refused line
    answer.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return answer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server server;
  const std::string answer = call(server.path, data, size);
  const void* newline = std::memchr(data, '\n', size);
  const bool fullLine =
      newline != nullptr && static_cast<const uint8_t*>(newline) - data <=
                                static_cast<ptrdiff_t>(hp::home_server::kMaxAdminLineBytes);
  if (!fullLine) {
    FUZZ_CHECK(answer.empty());
    return 0;
  }
  FUZZ_CHECK(!answer.empty() && answer.back() == '\n');
  FUZZ_CHECK(answer.find('\n') == answer.size() - 1);
  FUZZ_CHECK(
      hp::protocol::rpc::parseResponse(std::string_view(answer).substr(0, answer.size() - 1)).ok());
  return 0;
}

// `openssl s_server -www` as a stand-in shop on 127.0.0.1, on a port the kernel picks. Requires
// client certificates from the test CA, TLS 1.2 only. Killed when this object goes away (also
// when a REQUIRE fails mid-test) and, via PR_SET_PDEATHSIG, if the test process dies.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace hp::tls_proxy::test {

enum class ResumptionKind { kSessionId, kTicket };

class ShopServer {
 public:
  // certificate/key: PEM files of another identity (default: the test PKI's shop).
  explicit ShopServer(ResumptionKind kind, std::string certificate = "", std::string key = "");
  ~ShopServer();
  ShopServer(const ShopServer&) = delete;
  ShopServer& operator=(const ShopServer&) = delete;

  uint16_t port() const { return port_; }
  // Everything s_server printed so far (for failure messages).
  std::string output();

 private:
  void drain();
  void stop();
  pid_t pid_ = -1;
  int outputFd_ = -1;
  uint16_t port_ = 0;
  std::thread drainer_;
  std::mutex mutex_;
  std::string output_;
};

}  // namespace hp::tls_proxy::test

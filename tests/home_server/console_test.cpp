// PIN entry at the console: echo is off while the PIN is typed and restored afterwards. Runs
// the real function with stdin on a pseudo-terminal whose other end plays the user.
#include <doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "host/home_server/daemon/console_pin.hpp"

namespace hp::home_server {

TEST_SUITE("parts") {
  TEST_CASE("the console PIN is read without echo, and echo comes back") {
    int master = -1, slave = -1;
    REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
    const int savedStdin = ::dup(STDIN_FILENO);
    REQUIRE(savedStdin >= 0);
    REQUIRE(::dup2(slave, STDIN_FILENO) == STDIN_FILENO);

    Result<std::string> pin = makeError("not read");
    std::thread reader([&pin] { pin = readPinWithoutEcho("PIN1: "); });
    // The user types only once echo is off (earlier input would be flushed by TCSAFLUSH).
    bool echoOff = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!echoOff && std::chrono::steady_clock::now() < deadline) {
      termios settings{};
      REQUIRE(::tcgetattr(slave, &settings) == 0);
      echoOff = (settings.c_lflag & ECHO) == 0;
      if (!echoOff) std::this_thread::yield();
    }
    REQUIRE(echoOff);
    REQUIRE(::write(master, "4711\n", 5) == 5);
    reader.join();

    // Whatever the terminal showed: the newline (ECHONL), never the digits.
    std::string shown;
    char buffer[64];
    pollfd pfd{master, POLLIN, 0};
    while (::poll(&pfd, 1, 100) > 0) {
      const ssize_t n = ::read(master, buffer, sizeof buffer);
      if (n <= 0) break;
      shown.append(buffer, static_cast<size_t>(n));
    }
    termios after{};
    REQUIRE(::tcgetattr(slave, &after) == 0);
    REQUIRE(::dup2(savedStdin, STDIN_FILENO) == STDIN_FILENO);
    ::close(savedStdin);
    ::close(slave);
    ::close(master);

    REQUIRE(pin.ok());
    CHECK(*pin == "4711");
    CHECK(shown.find("4711") == std::string::npos);
    CHECK(shown.find('\n') != std::string::npos);
    CHECK((after.c_lflag & ECHO) != 0);  // restored
  }

  TEST_CASE("no terminal, no PIN prompt") {
    int pipeFds[2];
    REQUIRE(::pipe(pipeFds) == 0);
    const int savedStdin = ::dup(STDIN_FILENO);
    REQUIRE(::dup2(pipeFds[0], STDIN_FILENO) == STDIN_FILENO);
    auto pin = readPinWithoutEcho("PIN1: ");
    REQUIRE(::dup2(savedStdin, STDIN_FILENO) == STDIN_FILENO);
    ::close(savedStdin);
    ::close(pipeFds[0]);
    ::close(pipeFds[1]);
    REQUIRE_FALSE(pin.ok());
    CHECK(pin.error().message.find("not a terminal") != std::string::npos);
  }
}

}  // namespace hp::home_server

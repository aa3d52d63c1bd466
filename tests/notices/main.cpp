#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest.h>

#include <csignal>

namespace {
// An SMTP server that closes first must fail a write, not kill the test process.
const bool kIgnoreSigpipe = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;
}  // namespace

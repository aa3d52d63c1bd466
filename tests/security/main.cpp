#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest.h>

#include <csignal>

namespace {
// A peer that closes first must fail a write, not kill the test process (as in the daemon).
const bool kIgnoreSigpipe = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;
}  // namespace

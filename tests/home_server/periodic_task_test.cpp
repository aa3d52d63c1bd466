// PeriodicTask: runs at once, on kick() and every period, never two runs at a time, and stop()
// returns only when the thread has ended (a job in progress finishes first).
#include <doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "host/home_server/daemon/periodic_task.hpp"

namespace hp::home_server {

namespace {

using namespace std::chrono_literals;

bool waitFor(const std::atomic<int>& value, int atLeast) {
  for (int i = 0; i < 200 && value.load() < atLeast; ++i) std::this_thread::sleep_for(10ms);
  return value.load() >= atLeast;
}

}  // namespace

TEST_SUITE("parts") {
  TEST_CASE("periodic task: first run at once, kick runs again, the period runs it too") {
    std::atomic<int> runs{0};
    std::atomic<int> running{0};
    std::atomic<bool> overlapped{false};
    PeriodicTask task(1h, [&] {
      if (running.fetch_add(1) != 0) overlapped = true;
      std::this_thread::sleep_for(5ms);
      running.fetch_sub(1);
      ++runs;
    });
    CHECK(waitFor(runs, 1));
    for (int i = 0; i < 5; ++i) task.kick();  // kicks while running fold into one more run
    CHECK(waitFor(runs, 2));
    task.stop();
    const int afterStop = runs.load();
    task.kick();  // after stop: nothing runs
    std::this_thread::sleep_for(30ms);
    CHECK(runs.load() == afterStop);
    CHECK_FALSE(overlapped.load());

    std::atomic<int> periodic{0};
    PeriodicTask fast(10ms, [&] { ++periodic; });
    CHECK(waitFor(periodic, 4));
  }
}

}  // namespace hp::home_server

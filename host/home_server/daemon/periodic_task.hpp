// A background thread that runs one job now and then every period until stopped; kick() runs
// it again at once (e.g. after a purse change). The job runs on this thread only, so two runs
// never overlap. stop() wakes the thread and joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace hp::home_server {

class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds period, std::function<void()> job);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void kick();
  void stop();

 private:
  void run();

  std::chrono::milliseconds period_;
  std::function<void()> job_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool kicked_ = true;  // the first run is right away
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hp::home_server

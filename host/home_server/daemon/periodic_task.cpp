#include "host/home_server/daemon/periodic_task.hpp"

namespace hp::home_server {

PeriodicTask::PeriodicTask(std::chrono::milliseconds period, std::function<void()> job)
    : period_(period), job_(std::move(job)), thread_([this] { run(); }) {}

PeriodicTask::~PeriodicTask() {
  stop();
}

void PeriodicTask::kick() {
  std::lock_guard lock(mutex_);
  kicked_ = true;
  wake_.notify_one();
}

void PeriodicTask::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void PeriodicTask::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, period_, [this] { return stopping_ || kicked_; });
    if (stopping_) break;
    kicked_ = false;
    lock.unlock();
    job_();
    lock.lock();
  }
}

}  // namespace hp::home_server

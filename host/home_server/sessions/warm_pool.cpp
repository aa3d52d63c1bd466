#include "host/home_server/sessions/warm_pool.hpp"

#include <vector>

namespace hp::home_server {

WarmPool::WarmPool(ServerLog& log, WarmPoolConfig config, SteadyClock now)
    : log_(log), config_(config), now_(std::move(now)) {
  if (!now_) now_ = [] { return std::chrono::steady_clock::now(); };
}

WarmPool::~WarmPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  changed_.notify_all();
  if (worker_.joinable()) worker_.join();
  dropAll();
}

bool WarmPool::inBackground(std::function<void()> open) {
  std::lock_guard lock(mutex_);
  if (stopping_ || jobs_.size() >= config_.maxQueuedOpens) return false;
  jobs_.push_back(std::move(open));
  if (!worker_.joinable()) worker_ = std::thread([this] { work(); });
  changed_.notify_all();
  return true;
}

void WarmPool::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    job();
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

void WarmPool::waitIdle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return stopping_ || (jobs_.empty() && !busy_); });
}

bool WarmPool::holds(const std::string& owner, const std::string& shopKey) const {
  std::lock_guard lock(mutex_);
  return entries_.count(key(owner, shopKey)) != 0;
}

std::string WarmPool::key(const std::string& owner, const std::string& shopKey) {
  return owner + " " + shopKey;  // no space in a terminal ID or a shop key
}

void WarmPool::closeQuietly(Connection& connection) {
  // close_notify is a courtesy: a shop that already went gets a failed write, which is fine.
  if (connection) (void)connection->close();
  connection.reset();
}

void WarmPool::dropExpired() {
  const auto now = now_();
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now - it->second.idleSince >= config_.idleLimit) {
      log_.transition("warm connection " + it->first, "idle", "closed (idle limit)");
      closeQuietly(it->second.connection);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

WarmPool::Connection WarmPool::take(const std::string& owner, const std::string& shopKey) {
  std::lock_guard lock(mutex_);
  dropExpired();
  auto found = entries_.find(key(owner, shopKey));
  if (found == entries_.end()) return nullptr;
  Connection connection = std::move(found->second.connection);
  entries_.erase(found);
  if (config_.probeBeforeReuse && !connection->idleAndOpen()) {
    // The shop closed it (its own idle limit) or sent something unasked: not reusable.
    log_.transition("warm connection " + key(owner, shopKey), "idle", "closed by the shop");
    closeQuietly(connection);
    return nullptr;
  }
  ++reuses_;
  return connection;
}

void WarmPool::put(const std::string& owner, const std::string& shopKey, Connection connection,
                   uint64_t ticket) {
  if (!connection) return;
  std::unique_lock lock(mutex_);
  if (ticket != epoch_) {
    // An authority ended while the request ran: the connection is not kept for anyone.
    lock.unlock();
    closeQuietly(connection);
    return;
  }
  dropExpired();
  const std::string name = key(owner, shopKey);
  if (auto old = entries_.find(name); old != entries_.end()) {
    closeQuietly(old->second.connection);  // two requests ran at once: keep the newer
    entries_.erase(old);
  }
  while (!entries_.empty() && entries_.size() >= config_.maxConnections) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.idleSince < oldest->second.idleSince) oldest = it;
    }
    log_.transition("warm connection " + oldest->first, "idle", "closed (pool full)");
    closeQuietly(oldest->second.connection);
    entries_.erase(oldest);
  }
  if (config_.maxConnections == 0) {
    lock.unlock();
    closeQuietly(connection);
    return;
  }
  entries_.emplace(name, Entry{std::move(connection), now_()});
  log_.transition("warm connection " + name, "in use", "idle");
}

void WarmPool::noteFailure(const std::string& owner, const std::string& shopKey,
                           const std::string& why) {
  log_.warn("warm connection " + key(owner, shopKey) + ": not opened: " + why);
}

uint64_t WarmPool::ticket() const {
  std::lock_guard lock(mutex_);
  return epoch_;
}

size_t WarmPool::dropOwner(const std::string& owner) {
  std::vector<Connection> closing;
  {
    std::lock_guard lock(mutex_);
    ++epoch_;
    const std::string prefix = owner + " ";
    for (auto it = entries_.lower_bound(prefix);
         it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
      closing.push_back(std::move(it->second.connection));
      it = entries_.erase(it);
    }
  }
  // close_notify outside the lock: a slow shop must not hold up the other terminals.
  for (Connection& connection : closing) closeQuietly(connection);
  if (!closing.empty()) log_.transition("warm connections of " + owner, "idle", "closed");
  return closing.size();
}

size_t WarmPool::dropAll() {
  std::map<std::string, Entry> closing;
  {
    std::lock_guard lock(mutex_);
    ++epoch_;
    closing.swap(entries_);
  }
  for (auto& [name, entry] : closing) closeQuietly(entry.connection);
  return closing.size();
}

size_t WarmPool::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

size_t WarmPool::reuses() const {
  std::lock_guard lock(mutex_);
  return reuses_;
}

}  // namespace hp::home_server

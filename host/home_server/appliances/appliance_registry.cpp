#include "host/home_server/appliances/appliance_registry.hpp"

#include <json/json.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>

namespace hp::home_server {

namespace {

// A state payload longer than this is not a state (a sensor reading, a JSON light state).
constexpr size_t kMaxStatePayload = 512;

std::optional<double> numberIn(std::string_view text) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// {"state":"ON","brightness":N} of a JSON-schema light.
void applyJsonLight(ApplianceState& state, std::string_view payload) {
  auto root = parseBusJson(payload, 2);
  if (!root || !root->isObject()) return;
  const Json::Value& word = (*root)["state"];
  if (word.isString() && word.asString().size() <= kMaxField) state.state = word.asString();
  if ((*root)["brightness"].isInt()) state.brightness = (*root)["brightness"].asInt();
}

}  // namespace

ApplianceRegistry::ApplianceRegistry(size_t maxAppliances, Warn warn)
    : maxAppliances_(maxAppliances), warn_(std::move(warn)) {}

void ApplianceRegistry::refuse(const std::string& why) {
  ++refused_;
  // A flood of bad announcements must not flood the log: the first few, then one a thousand.
  if (warn_ && (refused_ <= 10 || refused_ % 1000 == 0)) {
    warn_("appliances: ignored (" + std::to_string(refused_) + " so far): " + why);
  }
}

void ApplianceRegistry::unwatch(const ApplianceSchema& schema) {
  for (const std::string& topic : schema.watchedTopics()) {
    auto found = watchers_.find(topic);
    if (found == watchers_.end()) continue;
    auto& ids = found->second;
    ids.erase(std::remove(ids.begin(), ids.end(), schema.id), ids.end());
    if (ids.empty()) watchers_.erase(found);
  }
}

std::vector<std::string> ApplianceRegistry::discovered(std::string_view topic,
                                                       std::string_view payload) {
  auto where = parseDiscoveryTopic(topic);
  if (!where) {
    refuse("discovery topic " + std::string(topic.substr(0, kMaxTopic)));
    return {};
  }
  auto existing = appliances_.find(where->id);
  if (existing != appliances_.end() && existing->second.schema.discoveryTopic != topic) {
    refuse(where->id + ": already announced under " + existing->second.schema.discoveryTopic);
    return {};
  }
  if (payload.empty()) {  // Home Assistant's convention: an empty config removes the device
    if (existing != appliances_.end()) {
      unwatch(existing->second.schema);
      appliances_.erase(existing);
      changed_.notify_all();
    }
    return {};
  }
  auto schema = parseDiscovery(topic, payload);
  if (!schema) {
    refuse(where->id + ": " + schema.error().message);
    return {};
  }
  if (existing == appliances_.end() && appliances_.size() >= maxAppliances_) {
    refuse(where->id + ": already " + std::to_string(maxAppliances_) + " appliances");
    return {};
  }
  ApplianceView view{std::move(*schema), {}};
  if (existing != appliances_.end()) {
    unwatch(existing->second.schema);
    view.state = existing->second.state;  // a re-announcement keeps what we saw
  }
  std::vector<std::string> topics = view.schema.watchedTopics();
  for (const std::string& watched : topics) watchers_[watched].push_back(view.schema.id);
  appliances_[view.schema.id] = std::move(view);
  changed_.notify_all();
  return topics;
}

void ApplianceRegistry::applyState(ApplianceView& view, const std::string& topic,
                                   std::string_view payload) {
  const ApplianceSchema& schema = view.schema;
  ApplianceState& state = view.state;
  ++state.updates;
  if (topic == schema.availabilityTopic) {
    if (payload == schema.payloadAvailable) state.online = true;
    if (payload == schema.payloadNotAvailable) state.online = false;
  }
  if (topic == schema.stateTopic) {
    if (schema.kind == ApplianceKind::kLight && schema.jsonSchema) {
      applyJsonLight(state, payload);
    } else if (payload.size() <= kMaxField) {
      state.state = std::string(payload);
    }
  }
  if (topic == schema.brightnessStateTopic) {
    if (auto value = numberIn(payload)) state.brightness = static_cast<int>(std::lround(*value));
  }
  if (topic == schema.temperatureStateTopic) {
    if (auto value = numberIn(payload)) state.targetTemperature = *value;
  }
  if (topic == schema.modeStateTopic && payload.size() <= kMaxField) {
    state.mode = std::string(payload);
  }
}

std::vector<std::string> ApplianceRegistry::handle(std::string_view topic,
                                                   std::string_view payload) {
  std::lock_guard lock(mutex_);
  if (topic.rfind("homeassistant/", 0) == 0) return discovered(topic, payload);
  if (payload.size() > kMaxStatePayload) return {};
  auto found = watchers_.find(std::string(topic));
  if (found == watchers_.end()) return {};
  for (const std::string& id : found->second) {
    auto appliance = appliances_.find(id);
    if (appliance != appliances_.end()) applyState(appliance->second, found->first, payload);
  }
  changed_.notify_all();
  return {};
}

std::vector<ApplianceView> ApplianceRegistry::list() const {
  std::lock_guard lock(mutex_);
  std::vector<ApplianceView> views;
  views.reserve(appliances_.size());
  for (const auto& [id, view] : appliances_) views.push_back(view);
  return views;
}

std::optional<ApplianceView> ApplianceRegistry::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto found = appliances_.find(id);
  if (found == appliances_.end()) return std::nullopt;
  return found->second;
}

std::optional<ApplianceView> ApplianceRegistry::waitFor(
    const std::string& id, const std::function<bool(const ApplianceView&)>& done,
    std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto found = appliances_.find(id);
    if (found == appliances_.end()) return std::nullopt;
    if (done(found->second)) return found->second;
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      found = appliances_.find(id);
      if (found == appliances_.end()) return std::nullopt;
      return found->second;
    }
  }
}

void ApplianceRegistry::brokerLost() {
  std::lock_guard lock(mutex_);
  for (auto& [id, view] : appliances_) {
    if (!view.schema.availabilityTopic.empty()) view.state.online = false;
  }
  changed_.notify_all();
}

std::vector<std::string> ApplianceRegistry::watchedTopics() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> topics;
  topics.reserve(watchers_.size());
  for (const auto& [topic, ids] : watchers_) topics.push_back(topic);
  return topics;
}

size_t ApplianceRegistry::size() const {
  std::lock_guard lock(mutex_);
  return appliances_.size();
}

size_t ApplianceRegistry::refused() const {
  std::lock_guard lock(mutex_);
  return refused_;
}

}  // namespace hp::home_server

// Transactional persistent state for an applet.
//
// An update is applied to a copy, the copy is serialized and stored atomically, and only then
// does it replace the live state. If the store fails the live state is untouched, so the card
// in memory and the card on disk never disagree. State must provide:
//   Bytes serialize() const;
//   static std::optional<State> deserialize(ByteView);   // nullopt for a malformed image
#pragma once

#include <optional>
#include <utility>

#include "base/result.hpp"
#include "card/runtime/storage.hpp"

namespace hp::card::runtime {

template <class State>
class PersistentState {
 public:
  explicit PersistentState(Storage& storage) : storage_(storage) {}

  // Loads the stored image; a blank storage is initialized with `fresh` and stored at once.
  // A malformed image is an error, never a silent reset.
  Result<void> open(State fresh) {
    auto loaded = storage_.load();
    if (!loaded) return loaded.error();
    if (!loaded.value()) {
      Bytes image = fresh.serialize();
      auto stored = storage_.store(image);
      secureWipe(image);
      if (!stored) return stored.error();
      state_ = std::move(fresh);
      return {};
    }
    auto parsed = State::deserialize(*loaded.value());
    secureWipe(*loaded.value());
    if (!parsed) return makeError("card state image is malformed; refusing to start");
    state_ = std::move(*parsed);
    return {};
  }

  const State& get() const { return state_; }

  // Applies `mutate(State&)` transactionally; false when storage failed (state unchanged).
  template <class F>
  bool update(F&& mutate) {
    State next = state_;
    std::forward<F>(mutate)(next);
    Bytes image = next.serialize();
    auto stored = storage_.store(image);
    secureWipe(image);
    if (!stored) return false;
    state_ = std::move(next);
    return true;
  }

 private:
  Storage& storage_;
  State state_{};
};

}  // namespace hp::card::runtime

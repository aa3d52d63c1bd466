// How the atrest tests open a card's FileStorage (as the card process does).
#pragma once

#include <memory>
#include <string>

#include "base/rng.hpp"
#include "card/runtime/file_storage.hpp"

inline std::unique_ptr<hp::card::runtime::FileStorage> openTestStorage(
    const std::string& statePath) {
  static auto rng = hp::base::makeSeededRng(20261202);
  auto storage = hp::card::runtime::FileStorage::open(
      statePath, hp::card::runtime::FileStorage::defaultKeyPath(statePath), "homecard", *rng);
  REQUIRE_MESSAGE(storage.ok(), storage.error().message);
  return std::move(storage.value());
}

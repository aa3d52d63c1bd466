// How the atrest tests open a card's FileStorage (as the card process does).
#pragma once

#include <memory>
#include <string>

#include "file_storage.hpp"

inline std::unique_ptr<hp::card::FileStorage> openTestStorage(const std::string& statePath) {
  auto storage = hp::card::FileStorage::open(statePath);
  REQUIRE_MESSAGE(storage.ok(), storage.error().message);
  return std::move(storage.value());
}

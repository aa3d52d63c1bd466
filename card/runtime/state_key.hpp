// The card's state key, in a file of its own beside (by default) the state file: 32 random
// bytes, mode 0600, created once with O_EXCL and never rewritten. Whoever holds it can read and
// forge the card's state; it is kept out of the state file so a copy or backup of the state
// alone is useless (docs/design.md, "Trust boundary").
#pragma once

#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"

namespace hp::card::runtime {

// nullopt when the file does not exist; an error when it is unreadable, of the wrong size, or
// readable by group or others.
Result<std::optional<SecretBytes>> readStateKey(const std::string& path);
// Creates the file (fails if it exists), fsyncs it and its directory.
Result<SecretBytes> createStateKey(const std::string& path, Rng& rng);

}  // namespace hp::card::runtime

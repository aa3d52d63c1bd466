// Keeps apdu_specs/homecard.json honest: every status word the unit tests receive must be
// documented there (or in runtime.json) for the command that produced it, with the matching
// rules of SCHEMA.md (CLA without the chaining bit, "xx" wildcards, most specific entry wins,
// all-"xx" entries apply to every command). So a new status word in the code without the spec,
// or a spec entry that drifts from the code, fails the unit tests, not only the conformance run.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.hpp"

namespace hp::card::homecard::test {

// Empty when documented; otherwise what is wrong, for the failure message.
std::string undocumentedStatusWord(ByteView command, uint16_t sw);

}  // namespace hp::card::homecard::test

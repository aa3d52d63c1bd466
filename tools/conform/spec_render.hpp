// Markdown rendering of the card specifications (apdu_specs/README.md).
#pragma once

#include <string>
#include <vector>

#include "tools/conform/card_spec.hpp"

namespace hp::conform {

// The command that regenerates the file, named in its first line.
inline constexpr const char* kRenderCommand = "ninja -C build apdu_specs_readme";

// The whole README: the generated-file notice, then per card its states and one section per
// command (header, cases, data, Le, response, states, effect, status word table).
std::string renderSpecs(const std::vector<CardSpec>& specs);

}  // namespace hp::conform

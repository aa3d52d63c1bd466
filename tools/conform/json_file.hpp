// Reading the JSON files of apdu_specs/ with jsoncpp, keeping the file's member order.
#pragma once

#include <json/json.h>

#include <string>
#include <vector>

#include "base/result.hpp"

namespace hp::conform {

// Parses a whole file; duplicate keys and trailing garbage are errors (a duplicated status
// word would otherwise silently replace the first). The message names the file and the place.
Result<Json::Value> readJsonFile(const std::string& path);

// jsoncpp keeps objects in a sorted map; the offsets it records for each value give back the
// order of the file, which the renderer and the variable definitions rely on.
std::vector<std::string> memberNamesInFileOrder(const Json::Value& object);

}  // namespace hp::conform

// Shared by the two files of the config parser (config.cpp: the top-level keys;
// config_sections.cpp: the nested sections). Internal to the daemon wing.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "host/home_server/daemon/config.hpp"

namespace hp::home_server::config_detail {

Error keyError(const std::string& key, const std::string& what);
Result<std::string> nonEmptyString(const Json::Value& value, const std::string& key);
Result<uint64_t> integerIn(const Json::Value& value, const std::string& key, uint64_t low,
                           uint64_t high);
Result<std::string> anyString(const Json::Value& value, const std::string& key);

using Setter = std::function<Result<void>(const Json::Value&, HomeServerConfig&)>;

// A nested object ("purse": {...}): as strict as the top level, keys named "purse.key".
Result<void> parseSection(const Json::Value& value, const std::string& section,
                          const std::map<std::string, Setter>& table, HomeServerConfig& config);

// The nested sections' keys (config_sections.cpp).
const std::map<std::string, Setter>& purseSetters();
const std::map<std::string, Setter>& authoritySetters();
const std::map<std::string, Setter>& noticesSetters();
const std::map<std::string, Setter>& listenerSetters();
const std::map<std::string, Setter>& relaySetters();
const std::map<std::string, Setter>& applianceSetters();  // config_appliances.cpp
const std::map<std::string, Setter>& pimSetters();        // config_pim.cpp

}  // namespace hp::home_server::config_detail

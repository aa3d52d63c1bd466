#include "tools/merchant/server_options.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include "protocol/rpc/message.hpp"

namespace hp::merchant {

namespace {

Result<void> parseListen(const std::string& text, TlsServerOptions& tls) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return makeError("listen address must be ADDR:PORT, got \"" + text + "\"");
  }
  unsigned port = 0;
  const char* begin = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(begin, end, port);
  if (ec != std::errc() || stop != end || port > 65535) {
    return makeError("listen port must be 0..65535, got \"" + text + "\"");
  }
  tls.address = text.substr(0, colon);
  tls.port = static_cast<uint16_t>(port);
  return {};
}

Result<size_t> parseCount(const std::string& text, const std::string& what) {
  size_t value = 0;
  const auto [stop, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || stop != text.data() + text.size() || value == 0) {
    return makeError(what + " must be a positive integer");
  }
  return value;
}

// The flood limits of TlsServerOptions (tools/merchant/README.md, "Listener limits").
Result<void> applyListenerLimits(const Json::Value& config, TlsServerOptions& tls) {
  struct Limit {
    const char* key;
    uint64_t low;
    uint64_t high;
    std::function<void(uint64_t)> set;
  };
  const Limit limits[] = {
      {"max_handshakes", 1, 1024, [&](uint64_t v) { tls.maxHandshakes = v; }},
      {"max_handshakes_per_source", 1, 1024, [&](uint64_t v) { tls.maxHandshakesPerSource = v; }},
      {"handshake_timeout_ms", 1000, 120'000,
       [&](uint64_t v) { tls.handshakeTimeoutMs = static_cast<uint32_t>(v); }},
      {"request_timeout_ms", 1000, 600'000,
       [&](uint64_t v) { tls.requestTimeoutMs = static_cast<uint32_t>(v); }},
  };
  for (const Limit& limit : limits) {
    if (!config.isMember(limit.key)) continue;
    const Json::Value& value = config[limit.key];
    if (!protocol::rpc::isJsonInteger(value) || !value.isUInt64() || value.asUInt64() < limit.low ||
        value.asUInt64() > limit.high) {
      return makeError(std::string("config: ") + limit.key + " must be an integer from " +
                       std::to_string(limit.low) + " to " + std::to_string(limit.high));
    }
    limit.set(value.asUInt64());
  }
  return {};
}

}  // namespace

std::string directoryOf(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

std::string resolvePath(const std::string& baseDir, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  return (std::filesystem::path(baseDir) / path).string();
}

Result<Json::Value> loadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return makeError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  Json::CharReaderBuilder builder;
  Json::CharReaderBuilder::strictMode(&builder.settings_);
  std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value value;
  std::string errors;
  const std::string content = text.str();
  if (!reader->parse(content.data(), content.data() + content.size(), &value, &errors)) {
    return makeError(path + ": not valid JSON: " + errors);
  }
  if (!value.isObject()) return makeError(path + ": must be a JSON object");
  return value;
}

Result<size_t> parseServerFlag(const std::vector<std::string>& args, size_t at,
                               ServerOptions& options) {
  const std::string& flag = args[at];
  if (flag == "--no-tickets") {
    options.tls.tickets = false;
    return size_t{1};
  }
  if (flag == "--no-session-cache") {
    options.tls.sessionCache = false;
    return size_t{1};
  }
  if (flag == "--exit-with-stdin") {
    options.exitWithStdin = true;
    return size_t{1};
  }
  std::string* target = nullptr;
  if (flag == "--cert") target = &options.tls.certFile;
  if (flag == "--key") target = &options.tls.keyFile;
  if (flag == "--ca") target = &options.tls.caFile;
  if (flag == "--signing-key") target = &options.signingKeyFile;
  if (flag == "--db") target = &options.dbPath;
  const bool takesValue = target || flag == "--listen" || flag == "--max-connections";
  if (!takesValue) return size_t{0};
  if (at + 1 >= args.size()) return makeError(flag + " needs a value");
  const std::string& value = args[at + 1];
  if (target) {
    *target = value;
  } else if (flag == "--listen") {
    if (auto ok = parseListen(value, options.tls); !ok) return ok.error();
  } else {
    auto count = parseCount(value, flag);
    if (!count) return count.error();
    options.tls.maxConnections = *count;
  }
  return size_t{2};
}

Result<void> applyServerConfig(const Json::Value& config, const std::string& baseDir,
                               ServerOptions& options) {
  const std::pair<const char*, std::string*> paths[] = {
      {"cert", &options.tls.certFile}, {"key", &options.tls.keyFile},
      {"ca", &options.tls.caFile},     {"signing_key", &options.signingKeyFile},
      {"db", &options.dbPath},
  };
  for (const auto& [name, target] : paths) {
    if (!config.isMember(name)) continue;
    if (!config[name].isString())
      return makeError(std::string("config: ") + name + " must be a string");
    *target = resolvePath(baseDir, config[name].asString());
  }
  if (config.isMember("listen")) {
    if (!config["listen"].isString()) return makeError("config: listen must be \"ADDR:PORT\"");
    if (auto ok = parseListen(config["listen"].asString(), options.tls); !ok) return ok.error();
  }
  for (const auto& [name, target] : {std::pair<const char*, bool*>{"tickets", &options.tls.tickets},
                                     {"session_cache", &options.tls.sessionCache}}) {
    if (!config.isMember(name)) continue;
    if (!config[name].isBool())
      return makeError(std::string("config: ") + name + " must be true or false");
    *target = config[name].asBool();
  }
  if (config.isMember("max_connections")) {
    const Json::Value& value = config["max_connections"];
    if (!protocol::rpc::isJsonInteger(value) || !value.isUInt() || value.asUInt() == 0) {
      return makeError("config: max_connections must be a positive integer");
    }
    options.tls.maxConnections = value.asUInt();
  }
  return applyListenerLimits(config, options.tls);
}

Result<void> checkServerOptions(const ServerOptions& options) {
  const std::pair<const char*, const std::string*> required[] = {
      {"--cert", &options.tls.certFile}, {"--key", &options.tls.keyFile},
      {"--ca", &options.tls.caFile},     {"--signing-key", &options.signingKeyFile},
      {"--db", &options.dbPath},
  };
  for (const auto& [flag, value] : required) {
    if (value->empty()) return makeError(std::string("missing ") + flag);
  }
  return {};
}

Result<void> applyConfigFiles(const std::vector<std::string>& args, ServerOptions& options,
                              const OwnConfigKeys& ownKeys) {
  for (size_t at = 0; at + 1 < args.size(); ++at) {
    if (args[at] != "--config") continue;
    auto file = loadJsonFile(args[at + 1]);
    if (!file) return file.error();
    const std::string baseDir = directoryOf(args[at + 1]);
    if (auto ok = applyServerConfig(*file, baseDir, options); !ok) return ok;
    if (auto ok = ownKeys(*file, baseDir); !ok) return ok;
  }
  return {};
}

Result<void> readStringKey(const Json::Value& file, const std::string& key, std::string& out) {
  if (!file.isMember(key)) return {};
  if (!file[key].isString()) return makeError("config: " + key + " must be a string");
  out = file[key].asString();
  return {};
}

}  // namespace hp::merchant

// What the shop and the bank both take: where to listen, the TLS files, the signing key, the
// database, resumption switches, and --exit-with-stdin. From a JSON config file (paths relative
// to the file) and/or flags (flags win). Each server parses its own extra settings.
#pragma once

#include <json/json.h>

#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "tools/merchant/tls_listener.hpp"

namespace hp::merchant {

struct ServerOptions {
  TlsServerOptions tls;
  std::string signingKeyFile;
  std::string dbPath;
  bool exitWithStdin = false;  // stop when stdin reaches EOF (tests, supervisors)
};

// "--listen ADDR:PORT --cert F --key F --ca F --signing-key F --db F --no-tickets
//  --no-session-cache --max-connections N --exit-with-stdin"
inline constexpr const char* kServerFlagsUsage =
    "  --listen ADDR:PORT     default 127.0.0.1:0 (the kernel picks the port; printed first)\n"
    "  --cert FILE --key FILE server certificate chain and key (PEM)\n"
    "  --ca FILE              CA that issues client certificates (required, verified)\n"
    "  --signing-key FILE     EC P-256 key that signs what this server issues\n"
    "  --db FILE              SQLite database (created if missing)\n"
    "  --no-tickets           no RFC 5077 session tickets\n"
    "  --no-session-cache     no session-ID cache\n"
    "  --max-connections N    default 32\n"
    "  --exit-with-stdin      stop when stdin closes\n";

// Consumes one common flag at args[at] (and its value); 0 if it is not one of them.
Result<size_t> parseServerFlag(const std::vector<std::string>& args, size_t at,
                               ServerOptions& options);
// The common keys of a config file: listen, cert, key, ca, signing_key, db, tickets,
// session_cache, max_connections, and the listener limits max_handshakes,
// max_handshakes_per_source, handshake_timeout_ms, request_timeout_ms.
Result<void> applyServerConfig(const Json::Value& config, const std::string& baseDir,
                               ServerOptions& options);
// A server's own keys of a config file, read after the common ones; baseDir resolves its paths.
using OwnConfigKeys =
    std::function<Result<void>(const Json::Value& file, const std::string& baseDir)>;
// Applies every "--config FILE" in args, in order, before any flag is parsed (flags then
// override the file): the common keys into options, the server's own through ownKeys.
Result<void> applyConfigFiles(const std::vector<std::string>& args, ServerOptions& options,
                              const OwnConfigKeys& ownKeys);
// An optional string key of a config file: out is left alone when it is absent.
Result<void> readStringKey(const Json::Value& file, const std::string& key, std::string& out);
// Every file and the database named; a clear message for the first missing one.
Result<void> checkServerOptions(const ServerOptions& options);

Result<Json::Value> loadJsonFile(const std::string& path);
// Relative paths are taken from the config file's directory.
std::string resolvePath(const std::string& baseDir, const std::string& path);
std::string directoryOf(const std::string& path);

}  // namespace hp::merchant

// shop_server: the e-money shop (docs/emoney.md, "Shop server"). See README.md.
//
//   shop_server --config shop.json
//   shop_server --cert shop.pem --key shop.key --ca ca.pem --signing-key shop-sign.key
//               --catalogue catalogue.json --db shop.db [--listen 127.0.0.1:8443]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "order_store.hpp"
#include "server_lifetime.hpp"
#include "shop_api.hpp"
#include "shop_config.hpp"
#include "signing_key.hpp"
#include "sqlite_db.hpp"
#include "tls_listener.hpp"

namespace {

using namespace hp;

int64_t unixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int fail(const std::string& message, int status = 1) {
  std::fprintf(stderr, "shop_server: %s\n", message.c_str());
  return status;
}

int run(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fprintf(stderr, "%s%s", shop::kShopUsage, merchant::kServerFlagsUsage);
    return args.empty() ? 2 : 0;
  }
  auto config = shop::parseShopArguments(args);
  if (!config) return fail(config.error().message + "\n" + shop::kShopUsage, 2);
  auto signingKey = merchant::SigningKey::loadPem(config->server.signingKeyFile);
  if (!signingKey) return fail(signingKey.error().message);
  auto db = sqlite::Database::open(config->server.dbPath);
  if (!db) return fail(db.error().message);
  auto orders = shop::OrderStore::open(**db);
  if (!orders) return fail(orders.error().message);
  auto rng = card::makeSystemRng();
  if (!rng) return fail(rng.error().message);

  const sigset_t signals = merchant::blockStopSignals();
  const merchant::LogSink log = merchant::stderrLog("shop_server");
  shop::ShopParts parts;
  parts.shopId = config->shopId;
  parts.catalogue = config->catalogue;
  parts.orders = orders->get();
  parts.signingKey = signingKey->get();
  parts.rng = rng->get();
  parts.nowMs = unixMillis;
  parts.log = log;
  shop::ShopApi api(std::move(parts));
  auto listener = merchant::TlsListener::create(
      config->server.tls,
      [&api](const merchant::HttpRequest& request, const merchant::PeerIdentity& peer) {
        return api.handle(request, peer);
      },
      log);
  if (!listener) return fail(listener.error().message);
  if (auto started = (*listener)->start(); !started) return fail(started.error().message);
  // The first line on stdout: tests and scripts read the port the kernel chose from it.
  std::printf("listening %s:%u\n", config->server.tls.address.c_str(), (*listener)->port());
  std::fflush(stdout);
  log("shop " + config->shopId + " on " + config->server.tls.address + ":" +
      std::to_string((*listener)->port()) + ", session cache " +
      (config->server.tls.sessionCache ? "on" : "off") + ", tickets " +
      (config->server.tls.tickets ? "on" : "off"));
  const std::string reason = merchant::waitForStop(signals, config->server.exitWithStdin);
  log("stopping: " + reason);
  (*listener)->stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Nothing below is expected to throw; an allocation failure still ends with a message.
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& exception) {
    return fail(std::string("fatal: ") + exception.what());
  }
}

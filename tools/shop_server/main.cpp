// shop_server: the e-money shop (docs/emoney.md, "Shop server"). See README.md.
//
//   shop_server --config shop.json
//   shop_server --cert shop.pem --key shop.key --ca ca.pem --signing-key shop-sign.key
//               --catalogue catalogue.json --db shop.db [--listen 127.0.0.1:8443]
#include <memory>
#include <string>
#include <vector>

#include "host/sqlite/sqlite_db.hpp"
#include "tools/merchant/server_main.hpp"
#include "tools/merchant/signing_key.hpp"
#include "tools/shop_server/order_store.hpp"
#include "tools/shop_server/shop_api.hpp"
#include "tools/shop_server/shop_config.hpp"

namespace {

using namespace hp;

constexpr const char* kProgram = "shop_server";

int fail(const std::string& message, int status = 1) {
  return merchant::reportFailure(kProgram, message, status);
}

int run(const std::vector<std::string>& args) {
  auto config = shop_server::parseShopArguments(args);
  if (!config) return fail(config.error().message + "\n" + shop_server::kShopUsage, 2);
  auto signingKey = merchant::SigningKey::loadPem(config->server.signingKeyFile);
  if (!signingKey) return fail(signingKey.error().message);
  auto db = sqlite::Database::open(config->server.dbPath);
  if (!db) return fail(db.error().message);
  auto orders = shop_server::OrderStore::open(**db);
  if (!orders) return fail(orders.error().message);
  auto rng = base::makeSystemRng();
  if (!rng) return fail(rng.error().message);

  return merchant::serveUntilStopped(
      kProgram, "shop " + config->shopId, config->server, [&](const merchant::LogSink& log) {
        shop_server::ShopParts parts;
        parts.shopId = config->shopId;
        parts.catalogue = config->catalogue;
        parts.orders = orders->get();
        parts.signingKey = signingKey->get();
        parts.rng = rng->get();
        parts.nowMs = merchant::unixMillis;
        parts.log = log;
        parts.userCaFile = config->server.tls.caFile;
        auto api = std::make_shared<shop_server::ShopApi>(std::move(parts));
        return [api](const merchant::HttpRequest& request, const merchant::PeerIdentity& peer) {
          return api->handle(request, peer);
        };
      });
}

}  // namespace

int main(int argc, char** argv) {
  return merchant::runMain(kProgram, shop_server::kShopUsage, argc, argv, run);
}

#include "tools/shop_server/shop_config.hpp"

#include <set>

#include "protocol/purse/purse_records.hpp"

namespace hp::shop_server {

const CatalogueItem* Catalogue::find(const std::string& sku) const {
  for (const CatalogueItem& item : items) {
    if (item.sku == sku) return &item;
  }
  return nullptr;
}

Result<Catalogue> parseCatalogue(const Json::Value& value) {
  if (!value.isObject()) return makeError("catalogue: must be a JSON object");
  Catalogue catalogue;
  if (!value["currency"].isString() ||
      !protocol::purse::validCurrency(value["currency"].asString())) {
    return makeError("catalogue: currency must be three upper-case letters (ISO 4217)");
  }
  catalogue.currency = value["currency"].asString();
  if (!value["items"].isArray() || value["items"].empty()) {
    return makeError("catalogue: items must be a non-empty array");
  }
  std::set<std::string> skus;
  for (const Json::Value& entry : value["items"]) {
    CatalogueItem item;
    if (!entry.isObject() || !entry["sku"].isString() || !entry["name"].isString() ||
        !entry["price"].isIntegral() || !entry["price"].isUInt64() ||
        entry["price"].asUInt64() == 0) {
      return makeError(
          "catalogue: each item needs sku and name (strings) and a positive integer "
          "price in minor units");
    }
    item.sku = entry["sku"].asString();
    item.name = entry["name"].asString();
    item.price = entry["price"].asUInt64();
    if (item.sku.empty() || item.sku.size() > 64 || !skus.insert(item.sku).second) {
      return makeError("catalogue: SKUs must be 1..64 characters and unique (\"" + item.sku +
                       "\")");
    }
    catalogue.items.push_back(std::move(item));
  }
  return catalogue;
}

Result<ShopConfig> parseShopArguments(const std::vector<std::string>& args) {
  ShopConfig config;
  bool haveCatalogue = false;
  auto applied = merchant::applyConfigFiles(
      args, config.server, [&](const Json::Value& file, const std::string& baseDir) {
        if (auto ok = merchant::readStringKey(file, "shop_id", config.shopId); !ok) return ok;
        if (!file.isMember("catalogue")) return Result<void>();
        const Json::Value& value = file["catalogue"];
        Result<Catalogue> catalogue = makeError("");
        if (value.isString()) {
          auto loaded = merchant::loadJsonFile(merchant::resolvePath(baseDir, value.asString()));
          if (!loaded) return Result<void>(loaded.error());
          catalogue = parseCatalogue(*loaded);
        } else {
          catalogue = parseCatalogue(value);
        }
        if (!catalogue) return Result<void>(catalogue.error());
        config.catalogue = std::move(*catalogue);
        haveCatalogue = true;
        return Result<void>();
      });
  if (!applied) return applied.error();
  for (size_t at = 0; at < args.size();) {
    auto used = merchant::parseServerFlag(args, at, config.server);
    if (!used) return used.error();
    if (*used > 0) {
      at += *used;
      continue;
    }
    const std::string& flag = args[at];
    if ((flag == "--config" || flag == "--shop-id" || flag == "--catalogue") &&
        at + 1 >= args.size()) {
      return makeError(flag + " needs a value");
    }
    if (flag == "--config") {
      // applied above
    } else if (flag == "--shop-id") {
      config.shopId = args[at + 1];
    } else if (flag == "--catalogue") {
      auto loaded = merchant::loadJsonFile(args[at + 1]);
      if (!loaded) return loaded.error();
      auto catalogue = parseCatalogue(*loaded);
      if (!catalogue) return catalogue.error();
      config.catalogue = std::move(*catalogue);
      haveCatalogue = true;
    } else {
      return makeError("unknown option " + flag);
    }
    at += 2;
  }
  if (config.shopId.empty() || config.shopId.size() > protocol::purse::kMaxPartyIdSize) {
    return makeError("shop ID must be 1..32 bytes (it is the card's shop registry ID)");
  }
  if (!haveCatalogue) return makeError("missing catalogue (--catalogue FILE or in --config)");
  if (auto ok = merchant::checkServerOptions(config.server); !ok) return ok.error();
  return config;
}

}  // namespace hp::shop_server

// The shop's settings: the common server options (tools/merchant/server_options.hpp), its shop
// ID (the host name in its TLS certificate, "localhost" in tests, as the home card's shop
// registry knows it) and its catalogue.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "tools/merchant/server_options.hpp"

namespace hp::shop_server {

struct CatalogueItem {
  std::string sku;
  std::string name;
  uint64_t price = 0;  // minor units
};

struct Catalogue {
  std::string currency;
  std::vector<CatalogueItem> items;
  const CatalogueItem* find(const std::string& sku) const;
};

struct ShopConfig {
  merchant::ServerOptions server;
  std::string shopId = "localhost";
  Catalogue catalogue;
};

// {"currency":"EUR","items":[{"sku","name","price"}]}: currency ISO 4217, SKUs unique,
// prices positive integers.
Result<Catalogue> parseCatalogue(const Json::Value& value);

// "shop_server [--config FILE] [flags]": the config file first, flags override it.
Result<ShopConfig> parseShopArguments(const std::vector<std::string>& args);

inline constexpr const char* kShopUsage =
    "usage: shop_server [--config FILE] [options]\n"
    "  --config FILE          JSON: the options below by their long names with '_' for '-',\n"
    "                         catalogue inline or as a file name\n"
    "  --shop-id ID           default localhost (the host name in the shop certificate)\n"
    "  --catalogue FILE       {\"currency\",\"items\":[{\"sku\",\"name\",\"price\"}]}\n";

}  // namespace hp::shop_server
